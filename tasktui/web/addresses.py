"""Addresses of browser mode: `--listen`, `--public-url`, the token URL, and which
`Host` names a request may carry. Plain functions, no aiohttp: the CLI uses them to
print a token's URL without the optional extra installed."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from tasktui.errors import Invalid

DEFAULT_LISTEN = "127.0.0.1:8765"
#: Host names that always mean this machine (any port: an SSH tunnel's local port).
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class Listen:
    """Where the server binds."""

    host: str
    port: int

    @property
    def url_host(self) -> str:
        """The host as a URL writes it (`[::1]`); a wildcard address becomes the loopback."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"[{host}]" if ":" in host else host


def parse_listen(text: str) -> Listen:
    """`HOST:PORT` or `[IPv6]:PORT` (e.g. 127.0.0.1:8765, [::1]:8765, 0.0.0.0:8765)."""
    text = text.strip()
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
    else:
        host, sep, port = text.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit() or int(port) > 65535 or not host:
        raise Invalid(f"--listen {text[:60]!r} is not HOST:PORT (e.g. 127.0.0.1:8765)")
    if any(not (c.isalnum() or c in ".-:") for c in host):
        raise Invalid(f"--listen {text[:60]!r}: {host[:40]!r} is not a host name or address")
    return Listen(host, int(port))


@dataclass(frozen=True)
class PublicUrl:
    """The address users open when the server sits behind a proxy (TLS)."""

    scheme: str
    host: str
    origin: str

    @property
    def secure(self) -> bool:
        """Served over https (the cookie is then `Secure`)."""
        return self.scheme == "https"


def parse_public_url(text: str) -> PublicUrl:
    """`http(s)://HOST[:PORT]` with no path (the app is served at the root)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise Invalid(f"--public-url {text[:80]!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"--public-url {text[:80]!r}: use http://HOST[:PORT] or https://HOST[:PORT]")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise Invalid(f"--public-url {text[:80]!r}: only scheme, host and port (the app is served at /)")
    host = parts.hostname.lower().rstrip(".")
    shown = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}[parts.scheme]
    origin = f"{parts.scheme}://{shown}" + (f":{port}" if port not in (None, default) else "")
    return PublicUrl(parts.scheme, host, origin)


def base_url(listen: Listen, public: PublicUrl | None) -> str:
    """The URL users open: the public one, or the listen address over http."""
    if public is not None:
        return public.origin
    return f"http://{listen.url_host}:{listen.port}"


def token_url(base: str, secret: str) -> str:
    """The ready login URL of a token (opened once; the server then drops the token
    from the address bar)."""
    return f"{base}/?token={secret}"


def host_name(host_header: str) -> str:
    """The name of a `Host` header without its port, lower case, no trailing dot."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    if value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def is_loopback_name(name: str) -> bool:
    """`localhost`, `*.localhost`, 127.0.0.0/8 or ::1."""
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_host(host_header: str | None, listen: Listen, public: PublicUrl | None) -> bool:
    """True when a request's `Host` names this server: a loopback name (any port, so
    SSH tunnels work), the `--public-url` host, or the address it listens on when that
    is a literal IP address (a DNS name other than these could be rebound to us)."""
    if not host_header:
        return False
    name = host_name(host_header)
    if is_loopback_name(name) or (public is not None and name == public.host):
        return True
    try:
        ipaddress.ip_address(listen.host)
    except ValueError:
        return False
    return name == listen.host.lower() and listen.host not in ("0.0.0.0", "::")
