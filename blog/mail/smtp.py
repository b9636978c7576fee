"""Turning an outbox row into an email and handing it to SMTP (or to the log when none is set)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from blog.models.mail import OutgoingMail

log = logging.getLogger("blog.mail")


class DeliveryError(Exception):
    """Sending failed. ``permanent`` when retrying cannot help (the server refused the recipient)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def build_message(mail: OutgoingMail, config: dict[str, Any]) -> EmailMessage:
    sender = str(config["MAIL_FROM"])
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{mail.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if mail.list_unsubscribe:
        message["List-Unsubscribe"] = f"<{mail.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    return message


class Connection:
    """One SMTP session for a round of the outbox: a post announced to 500 followers is one
    connection (one TLS handshake, one login), not 500. Opened on the first message, dropped
    after any error that may have left it unusable, so the next message starts afresh."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _open(self) -> smtplib.SMTP:
        config = self.config
        server = str(config["MAIL_SERVER"])
        port = int(config["MAIL_PORT"])
        timeout = float(config["MAIL_TIMEOUT"])
        smtp: smtplib.SMTP
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(server, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server, port, timeout=timeout)
        try:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                elif config.get("MAIL_USERNAME"):
                    # Never send a password in clear text because the server forgot STARTTLS.
                    raise DeliveryError("the SMTP server does not offer STARTTLS; refusing to log in without it")
            if config.get("MAIL_USERNAME"):
                smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send on the open session (opening it first). Raises ``DeliveryError``."""
        try:
            if self._smtp is None:
                self._smtp = self._open()
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            # smtplib has reset the transaction: the session is good for the next message.
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            permanent = 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError)
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def deliver(mail: OutgoingMail, config: dict[str, Any], connection: Connection | None = None) -> bool:
    """Send one message (on ``connection`` when given, else on a session of its own), or log it
    when ``MAIL_SERVER`` is empty; True when a server took it. Raises ``DeliveryError``.

    Without a server the log gets the body only in debug mode (``make run``, where it is how a
    developer follows a sign-in link) or with ``MAIL_LOG_BODIES``: bodies hold sign-in, approve
    and unsubscribe links that work for whoever reads them, and logs travel further than mail.
    """
    server = str(config.get("MAIL_SERVER") or "")
    if not server:  # building the MIME message would be wasted
        logged = (
            f":\n{mail.body_text}"
            if config.get("DEBUG") or config.get("MAIL_LOG_BODIES")
            else " (body not logged: it may hold sign-in links; BLOG_MAIL_LOG_BODIES=true logs it)"
        )
        log.info("Mail not sent (MAIL_SERVER is not set) to %s, subject %r%s", mail.to_address, mail.subject, logged)
        return False
    message = build_message(mail, config)
    if connection is not None:
        connection.send(message)
        return True
    with Connection(config) as own:
        own.send(message)
    return True
