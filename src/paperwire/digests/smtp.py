"""Django's SMTP backend, with the end of each message's DATA held back until the
caller has recorded that it is about to be delivered.

A mail server delivers a message only once it has read the final "<CRLF>.<CRLF>" of the
DATA command; a connection that drops before it loses the message (RFC 5321 §4.1.1.4).
`send_held` therefore sends the envelope and the whole message, calls `commit()` (the
outbox writes `sending` there), and only then writes the final dot. If the sender dies
before the commit, the server has an incomplete message, which it throws away, and the
row is still `claimed`: sending it again cannot duplicate it. If it dies after, the row
says `sending` and is never sent again. The one window where a message can be lost, not
doubled, is the few microseconds between the commit and writing the dot.

Host, port, TLS mode and credentials come from Django's EMAIL_* settings, which
PAPERWIRE_SMTP_* set.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import EmailMessage, sanitize_address

CRLF = b"\r\n"
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass
class Outcome:
    """What happened to one message.

    kind: "sent"; "deferred" (4xx or a connection problem before the commit point:
    try later); "refused" (5xx about this recipient or message: do not retry);
    "unknown" (no answer after the final dot: it may have been delivered);
    "aborted" (commit() said no: the claim was lost, nothing was delivered).
    `committed` says whether commit() ran and succeeded.
    """

    kind: str
    code: int | None = None
    error: str = ""
    committed: bool = False


class ServerUnavailable(Exception):
    """The server cannot take mail at all (connection, TLS, login or sender refused):
    stop this run; every row stays as it was, to be tried later."""


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


class HeldDataBackend(EmailBackend):
    """EmailBackend plus `send_held`. Use it as a context manager (open / close)."""

    def open(self) -> bool | None:
        try:
            return super().open()
        except (OSError, smtplib.SMTPException) as e:
            self.connection = None
            raise ServerUnavailable(f"cannot reach the mail server: {e}") from e

    def _drop(self) -> None:
        """Close the socket without QUIT: mid-DATA the server must not get a dot."""
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
            self.connection = None

    def send_held(self, message: EmailMessage, commit: Callable[[], bool]) -> Outcome:
        encoding = message.encoding or "utf-8"
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        data = message.message().as_bytes(linesep="\r\n")
        # Dot-stuffing (RFC 5321 §4.5.2), and the last line ended, as smtplib.data does.
        data = _LEADING_DOT.sub(b"..", data)
        if not data.endswith(CRLF):
            data += CRLF
        for attempt in (1, 2):
            reused = self.connection is not None
            if not reused:
                self.open()
            try:
                refused = self._hand_over(sender, recipients, data)
                break
            except (OSError, smtplib.SMTPServerDisconnected) as e:
                # Before the final dot: the server holds no complete message.
                self._drop()
                if reused and attempt == 1:
                    continue  # the server had closed a connection kept open: a new one
                return Outcome("deferred", None, f"connection lost before the end of data: {e}")
        if refused is not None:
            return refused
        conn = self.connection

        # The commit point. Until the next line returns, dying loses nothing.
        try:
            committed = commit()
        except BaseException:
            self._drop()  # the database failed us: leave the message unfinished
            raise
        if not committed:
            self._drop()
            return Outcome("aborted", None, "the claim on this digest was lost")
        try:
            conn.send(b"." + CRLF)
            code, reply = conn.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as e:
            self._drop()
            return Outcome("unknown", None, f"no answer after the end of data: {e}",
                           committed=True)
        if code == 250:
            return Outcome("sent", code, _reply(code, reply), committed=True)
        kind = "deferred" if 400 <= code < 500 else "refused"
        return Outcome(kind, code, _reply(code, reply), committed=True)

    def _hand_over(self, sender: str, recipients: list[str], data: bytes) -> Outcome | None:
        """Envelope, DATA and the whole message but its final dot. None when the server
        took all of it; the Outcome when it refused something."""
        conn = self.connection
        conn.ehlo_or_helo_if_needed()
        options = [f"size={len(data)}"] if conn.does_esmtp and conn.has_extn("size") else []
        code, reply = conn.mail(sender, options)
        if code != 250:
            self._reset(conn)
            if 400 <= code < 500:
                return Outcome("deferred", code, _reply(code, reply))
            # The server refuses our sender: nothing will go; not this address's fault.
            raise ServerUnavailable(f"sender refused: {_reply(code, reply)}")
        for rcpt in recipients:
            code, reply = conn.rcpt(rcpt)
            if code not in (250, 251):
                self._reset(conn)
                return Outcome("deferred" if 400 <= code < 500 else "refused", code,
                               _reply(code, reply))
        conn.putcmd("data")
        code, reply = conn.getreply()
        if code != 354:
            self._reset(conn)
            return Outcome("deferred" if 400 <= code < 500 else "refused", code,
                           _reply(code, reply))
        conn.send(data)
        return None

    def _reset(self, conn: smtplib.SMTP) -> None:
        try:
            conn.rset()
        except (OSError, smtplib.SMTPServerDisconnected):
            self._drop()
