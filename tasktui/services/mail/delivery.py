"""Delivering the outbox over SMTP (`tasktui notify`) and the test message.

One message at a time: claim it (a short write transaction), send it with no
transaction open, record the outcome (another short transaction). The SMTP
connection is opened on the first claimed message and reused for the next ones.

Failures are sorted into four kinds:
- the server cannot be used at all (unreachable, TLS failure, login refused, From
  refused): the message is put back for a later attempt with the reason, and the
  run stops, since the next message would fail the same way;
- a temporary refusal of this message (4xx at RCPT TO or DATA, including the
  server's final answer after the message text, e.g. greylisting): retried later
  with growing delays;
- a permanent refusal of this message (5xx, e.g. an unknown recipient or content
  refused at the end of DATA): failed at once, with the server's answer;
- a message that cannot be built or sent (a recipient address SMTP cannot carry,
  anything unexpected): failed at once with the reason, and the run goes on, so
  one bad message never blocks the ones after it.

A message counts as sent only when the server answered 2xx to the end of DATA
(smtplib returns that answer without checking it).
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tasktui.errors import Invalid, Refused, TaskTuiError, Unavailable
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.headers import address_problem, header_text
from tasktui.services.mail.settings import SmtpSettings, get_settings, read_password, require_configured
from tasktui.services.people import check_email

TIMEOUT_S = 30.0


class MailServerUnreachable(Unavailable):
    """The SMTP server cannot be reached or the secure connection failed (exit 4)."""


class MailSettingsRejected(Invalid):
    """The server refused the settings: login, password, From address, STARTTLS (exit 2)."""


class MessageRejected(Refused):
    """The server refused this one message (exit 1); `permanent` for a 5xx answer."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class MessageUnbuildable(MessageRejected):
    """This one message cannot be built or sent (e.g. a recipient address SMTP cannot
    carry); trying again would fail the same way, so it is failed at once (exit 1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=settings.ca_file)
    return context


def _translate(error: BaseException, settings: SmtpSettings) -> TaskTuiError:
    """A typed, one-line error for anything smtplib, ssl or the network raised."""
    where = f"{settings.host}:{settings.effective_port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return MailSettingsRejected(f"login refused by {where}: {_reply(error.smtp_code, error.smtp_error)}")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return MailSettingsRejected(f"{where}: {error} (check --security)")
    if isinstance(error, smtplib.SMTPSenderRefused):
        reply = _reply(error.smtp_code, error.smtp_error)
        if error.smtp_code >= 500:
            return MailSettingsRejected(f"From address {error.sender} refused by {where}: {reply}")
        return MailServerUnreachable(f"{where} refused the sender for now: {reply}")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        address, (code, text) = next(iter(error.recipients.items()))
        return MessageRejected(f"recipient {address} refused: {_reply(code, text)}", permanent=code >= 500)
    if isinstance(error, smtplib.SMTPDataError):
        return MessageRejected(
            f"message refused: {_reply(error.smtp_code, error.smtp_error)}", permanent=error.smtp_code >= 500
        )
    if isinstance(error, smtplib.SMTPConnectError):
        return MailServerUnreachable(f"cannot connect to {where}: {_reply(error.smtp_code, error.smtp_error)}")
    if isinstance(error, smtplib.SMTPResponseException):
        return MailServerUnreachable(f"{where} answered {_reply(error.smtp_code, error.smtp_error)}")
    if isinstance(error, ssl.SSLError):
        return MailServerUnreachable(f"secure connection to {where} failed: {error.reason or error}")
    if isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPException)):
        return MailServerUnreachable(f"{where}: {error or 'connection closed'}")
    if isinstance(error, socket.timeout):
        return MailServerUnreachable(f"{where} did not answer within {TIMEOUT_S:.0f} s")
    if isinstance(error, OSError):
        return MailServerUnreachable(f"cannot connect to {where}: {error.strerror or error}")
    return MailServerUnreachable(f"{where}: {type(error).__name__}: {error}")


class SmtpConnection:
    """One open, authenticated SMTP session (plain, STARTTLS or TLS) sending
    messages one by one and returning the server's answer to each."""

    def __init__(self, settings: SmtpSettings, password: str | None) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        try:
            if settings.security == "tls":
                self._smtp = smtplib.SMTP_SSL(
                    settings.host, settings.effective_port, timeout=TIMEOUT_S, context=_tls_context(settings)
                )
            else:
                self._smtp = smtplib.SMTP(settings.host, settings.effective_port, timeout=TIMEOUT_S)
            self._smtp.ehlo()
            if settings.security == "starttls":
                self._smtp.starttls(context=_tls_context(settings))
                self._smtp.ehlo()
            if settings.login:
                self._smtp.login(settings.login, password or "")
        except Exception as e:
            self.close()
            raise _translate(e, settings) from None

    def send(self, recipient: str, payload: bytes) -> str:
        """Send one built message (`build_message`) to one recipient; the server's 2xx
        answer to the end of DATA (e.g. "250 OK"), MessageRejected when the server
        refuses it at RCPT TO or DATA.

        One recipient per SMTP transaction, driven step by step: a server refusing
        some recipients of a transaction is answered per message here, where
        `send_message` would only return the refused ones in a dict (easy to drop)."""
        assert self._smtp is not None
        smtp = self._smtp
        try:
            code, text = smtp.mail(self.settings.from_address)
            if code != 250:
                self._reset()
                raise smtplib.SMTPSenderRefused(code, text, self.settings.from_address)
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
            try:
                code, text = smtp.data(payload)
            except smtplib.SMTPDataError:
                self._reset()
                raise
        except (smtplib.SMTPException, OSError) as e:
            raise _translate(e, self.settings) from None
        if not 200 <= code < 300:  # the final answer: smtplib hands it back unchecked
            self._reset()
            raise MessageRejected(f"message refused at the end of DATA: {_reply(code, text)}", permanent=code >= 500)
        return _reply(code, text)

    def _reset(self) -> None:
        """RSET after a refusal, so the next message starts a clean transaction; a
        failure here shows up (and is sorted) at the next message's MAIL FROM."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            pass

    def close(self) -> None:
        """Say QUIT (or just drop the connection when that fails)."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None


def build_message(from_address: str, recipient: str, subject: str, body: str, message_id: str) -> bytes:
    """The bytes of one message, or MessageUnbuildable with the reason.

    No header can carry a line break or a control character: the subject is folded
    to one line (a title with a CR is sent, not refused), and an address SMTP cannot
    carry fails this message only. Lines end in CRLF. Anything else the email package refuses fails this
    message too, instead of ending the run and leaving the message claimed."""
    problem = address_problem(recipient)
    if problem is not None:
        raise MessageUnbuildable(f"cannot send to this recipient: {problem}")
    try:
        message = EmailMessage()
        message["From"] = from_address
        message["To"] = recipient
        message["Subject"] = header_text(subject)
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = header_text(message_id)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        # CRLF line ends, as SMTP wants them: smtplib sends bytes as they are, and a
        # message with bare LFs is one over-long line to a strict server (refused).
        return message.as_bytes(policy=policy.SMTP)
    except Exception as e:
        raise MessageUnbuildable(header_text(f"cannot build the message: {type(e).__name__}: {e}")) from None


def check_from_address(settings: SmtpSettings) -> None:
    """MailSettingsRejected (exit 2) when the From address cannot be used in SMTP: it
    would fail every message, so it is a settings error found before any claim."""
    problem = address_problem(settings.from_address)
    if problem is not None:
        raise MailSettingsRejected(f"the From {problem}: change it with `tasktui email settings set --from`")


def message_id_for(outbox_id: int, created_at: dt.datetime, from_address: str) -> str:
    """The Message-ID of an outbox message: the same at every attempt, so a repeat
    after a crash is recognisable as the same message."""
    domain = from_address.rpartition("@")[2] or "tasktui.invalid"
    stamp = created_at.strftime("%Y%m%d%H%M%S%f") if isinstance(created_at, dt.datetime) else str(created_at)
    return f"<tasktui.outbox.{outbox_id}.{stamp}@{domain}>"


def new_sender_id() -> str:
    """A name for this sender in claims: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class DeliveryReport:
    """What one delivery run did; `stopped_by` is the error that ended it early."""

    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    stopped_by: TaskTuiError | None = None

    def summary(self) -> str:
        """One line: sent, to retry, failed."""
        return f"sent {len(self.sent)}, to retry {len(self.retry)}, failed {len(self.failed)}"


def deliver_outbox(
    sender_id: str | None = None,
    limit: int | None = None,
    now: dt.datetime | None = None,
    lease_s: float = notify.LEASE_S,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send every due message (at most `limit`), one at a time, and record each outcome.

    With nothing due, nothing else is looked at. Bad settings (not configured,
    password source unreadable) raise Invalid before any message is claimed.
    `should_stop` is asked before each message (a loop being stopped finishes the
    message in hand). `now` is for tests (a fixed clock for the retry delays)."""
    report = DeliveryReport()
    if not notify.has_due(now, lease_s):
        return report
    settings = require_configured(get_settings())
    check_from_address(settings)
    password = read_password(settings) if settings.login else None
    sender_id = sender_id or new_sender_id()
    connection: SmtpConnection | None = None
    try:
        while limit is None or len(report.sent) + len(report.retry) + len(report.failed) < limit:
            if should_stop():
                break
            message = notify.claim_next(sender_id, now=now, lease_s=lease_s)
            if message is None:
                break
            try:
                payload = build_message(
                    settings.from_address,
                    message.recipient,
                    message.subject,
                    message.body,
                    message_id_for(message.id, message.created_at, settings.from_address),
                )
                if connection is None:
                    connection = SmtpConnection(settings, password)
                reply = connection.send(message.recipient, payload)
            except MessageRejected as e:
                state = notify.mark_attempt_failed(message.id, sender_id, str(e), e.permanent, now=now)
                (report.failed if state == notify.FAILED else report.retry).append(message.id)
                continue
            except TaskTuiError as e:
                state = notify.mark_attempt_failed(message.id, sender_id, str(e), False, now=now)
                (report.failed if state == notify.FAILED else report.retry).append(message.id)
                report.stopped_by = e
                if connection is not None:
                    connection.close()
                break
            except Exception as e:
                reason = header_text(f"cannot send the message: {type(e).__name__}: {e}")  # one line
                notify.mark_attempt_failed(message.id, sender_id, reason, True, now=now)
                report.failed.append(message.id)
                if connection is not None:  # its state is unknown: the next message opens a new one
                    connection.close()
                    connection = None
                continue
            notify.mark_sent(message.id, sender_id, reply, now=now)
            report.sent.append(message.id)
    finally:
        if connection is not None:
            connection.close()
    return report


def send_test_message(address: str) -> str:
    """Send a test email to `address` right away (not through the outbox); the
    server's answer, or a typed error: Invalid (bad settings or login refused),
    MailServerUnreachable (exit 4), MessageRejected (exit 1)."""
    recipient = check_email(address)
    if recipient is None:
        raise Invalid("give the address to send the test message to")
    problem = address_problem(recipient)
    if problem is not None:
        raise Invalid(f"cannot send a test message to this {problem}")
    settings = require_configured(get_settings())
    check_from_address(settings)
    password = read_password(settings) if settings.login else None
    payload = build_message(
        settings.from_address,
        recipient,
        "[tasktui] test message",
        f"This is a test message from tasktui.\n\nServer: {settings.host}:{settings.effective_port}"
        f" ({settings.security})\nFrom: {settings.from_address}\n",
        make_msgid(domain=settings.from_address.rpartition("@")[2] or None),
    )
    connection = SmtpConnection(settings, password)
    try:
        return connection.send(recipient, payload)
    finally:
        connection.close()
