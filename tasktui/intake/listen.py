"""Listen addresses (`--listen HOST:PORT`), without aiohttp: the CLI checks them
before it imports the server."""

from __future__ import annotations

from tasktui.errors import Invalid

DEFAULT_LISTEN = "127.0.0.1:8087"


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT` or `:PORT` (127.0.0.1) as (host, port), or Invalid."""
    host, colon, port_text = text.strip().rpartition(":")
    if not colon or not port_text.isascii() or not port_text.isdigit():
        raise Invalid(f"listen address {text!r} must be HOST:PORT (e.g. {DEFAULT_LISTEN})")
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise Invalid(f"listen address {text!r}: the port must be 0-65535")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "127.0.0.1", port
