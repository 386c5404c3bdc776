"""A real SMTP server (aiosmtpd on 127.0.0.1) and fixtures for the email tests.
`async def` (Pilot) tests run through the hook in tests/conftest.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tasktui.services import people
from tasktui.services.events.definitions import create_event
from tasktui.services.mail.settings import update_settings

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cret-for-tests"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (aiosmtpd cannot take port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """A message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""  # as it came over the wire


@dataclass
class RecordingHandler:
    """Accepts mail and records it; can refuse recipients, delay, hold DATA, or give
    scripted answers at the end of DATA (`data_answers`, one per message, in order;
    a message answered with anything but 2xx is not recorded)."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP answer
    delay_s: float = 0.0
    hold: threading.Event | None = None  # while set-able and not set, DATA waits
    in_data: threading.Event = field(default_factory=threading.Event)
    data_answers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.in_data.set()
        if self.hold is not None:
            while not self.hold.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 aborted by the test"
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        with self.lock:
            answer = self.data_answers.pop(0) if self.data_answers else None
        if answer is not None and not answer.startswith("2"):
            return answer
        raw = envelope.original_content or envelope.content
        # read as a mail client shows it: the wire's CRLF line ends as newlines
        parsed = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))
            number = len(self.received)
        return answer or f"250 OK queued as test-{number}"

    def recipients(self) -> list[str]:
        """Every recipient of every accepted message, in order."""
        return [r for m in self.received for r in m.rcpt_tos]


def _authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword):
        ok = auth_data.login.decode() == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD
        return AuthResult(success=ok, handled=False)
    return AuthResult(success=False, handled=False)


class SmtpServer:
    """An aiosmtpd Controller on 127.0.0.1 at a fixed port that can be stopped and
    started again (the server going down and coming back)."""

    def __init__(self, port: int, handler: RecordingHandler, **kwargs) -> None:
        self.port = port
        self.handler = handler
        self.kwargs = kwargs
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        """Start listening."""
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused afterwards)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    """A plain SMTP server (no TLS, no login) on a free port."""
    server = SmtpServer(free_port(), RecordingHandler()).start()
    yield server
    server.stop()


def make_server(handler: RecordingHandler | None = None, **kwargs) -> SmtpServer:
    """A server on a free port, not started yet."""
    return SmtpServer(free_port(), handler or RecordingHandler(), **kwargs)


def authenticating_kwargs() -> dict:
    """Server options for AUTH LOGIN/PLAIN with SMTP_USER / SMTP_PASSWORD, without TLS."""
    return {"authenticator": _authenticator, "auth_require_tls": False}


@dataclass(frozen=True)
class Certificate:
    """A self-made certificate for 127.0.0.1 / localhost and its key (PEM files)."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """The server side TLS context."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Certificate:
    """A self-signed certificate made with `cryptography` (also its own CA)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tasktui test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificate(cert_path, key_path)


@pytest.fixture
def team(database):
    """Users and a group: `stock_diff` is owned by alice and the warehouse group
    (bob, carol without email, dave inactive, erin sharing alice's address)."""
    people.add_user("alice", "Alice Smith", "alice@example.com")
    people.add_user("bob", "Bob", "bob@example.com")
    people.add_user("carol", "Carol")
    people.add_user("dave", "Dave", "dave@example.com")
    people.edit_user("dave", active=False)
    people.add_user("erin", "Erin", "ALICE@example.com")
    people.add_group("warehouse")
    for login in ("bob", "carol", "dave", "erin", "alice"):
        people.add_member("warehouse", login)
    create_event(
        "stock_diff",
        "Difference in stock",
        name_de="Bestandsdifferenz",
        responsible_user="alice",
        responsible_group="warehouse",
    )
    create_event("order_import_failed", "Order import failed", responsible_user="bob")
    return database


def configure(server: SmtpServer, **changes) -> None:
    """Point the email settings at `server` (plain SMTP unless told otherwise)."""
    options = {"host": "127.0.0.1", "port": server.port, "security": "none", "from_address": "tasks@example.com"}
    options.update(changes)
    update_settings(**options)
