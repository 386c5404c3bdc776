"""PostgreSQL's errors, classified by SQLSTATE: the one place that tells why the
server refused (no message matching anywhere else)."""

from __future__ import annotations

from tasktui.db.chain import error_chain

#: SQLSTATEs after which the same transaction, run again, can succeed.
RETRYABLE = ("40001", "40P01")  # serialization failure, deadlock detected
#: SQLSTATE -> what the user is told (classes by their first two characters after).
_MESSAGES = {
    "40001": "the database could not serialize concurrent writes (serialization failure), even after retrying",
    "40P01": "concurrent writes deadlocked, even after retrying",
    "55P03": "database is busy: a row or table lock was not granted in time",
    "57014": "the database cancelled the statement (statement timeout)",
    "25006": "read-only: the database server accepts no writes (a standby or a read-only transaction)",
    "53100": "disk full: the database server has no space left",
    "53200": "the database server is out of memory",
    "53300": "the database server has too many connections",
    "57P01": "the database server is shutting down",
    "57P02": "the database server is shutting down",
    "57P03": "the database server is starting up or shutting down",
    "28P01": "the database server refused the login (password authentication failed)",
    "28000": "the database server refused the login",
    "3D000": "the database does not exist",
    "42501": "the database refused the access (insufficient privilege)",
}
_CLASSES = {"08": "lost the connection to the database server"}


def sqlstate(error: BaseException | None) -> str | None:
    """The SQLSTATE of `error` or of the driver error behind it (peewee wraps them)."""
    for e in error_chain(error):
        code = getattr(e, "sqlstate", None)
        if code:
            return str(code)
    return None


def is_retryable(error: BaseException) -> bool:
    """True for a serialization failure or a deadlock: run the transaction again."""
    return sqlstate(error) in RETRYABLE


def _driver_error(error: BaseException) -> BaseException | None:
    """The psycopg error behind `error`, if any."""
    import psycopg

    return next((e for e in error_chain(error) if isinstance(e, psycopg.Error)), None)


def first_line(error: BaseException) -> str:
    """The first line of a driver message (libpq's run over several)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def error_message(error: BaseException, where: str = "the database") -> str | None:
    """The one-line message for an error the user can act on, or None."""
    code = sqlstate(error)
    if code in _MESSAGES:
        return f"{_MESSAGES[code]} ({where})"
    if code and code[:2] in _CLASSES:
        return f"{_CLASSES[code[:2]]} ({where})"
    driver = _driver_error(error)
    if driver is not None and code is None:
        import psycopg

        if isinstance(driver, (psycopg.OperationalError, psycopg.InterfaceError)):
            return f"cannot use the database server ({where}): {first_line(driver)}"
    return None


def connect_message(error: BaseException, where: str) -> str:
    """The one line for a failed connection: server down, login refused, no database.
    libpq reports a refusal before the session began without a SQLSTATE, as
    'connection failed: connection to server at …, port … failed: FATAL:  <reason>':
    the reason is what the user needs (the URL is named already)."""
    code = sqlstate(error)
    if code in _MESSAGES:
        return f"cannot connect to {where}: {_MESSAGES[code]}"
    text = first_line(error)
    for marker in ("FATAL:  ", "failed: "):
        if marker in text:
            text = text.rsplit(marker, 1)[1]
            break
    return f"cannot connect to {where}: {text}"
