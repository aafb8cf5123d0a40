"""Sending e-mail, when the installation has an SMTP server configured (instance/config.py):

    MAIL_SERVER = "smtp.example.gov.cn"   MAIL_PORT = 465   MAIL_USE_SSL = True (or MAIL_USE_TLS)
    MAIL_USERNAME = "…"   MAIL_PASSWORD = "…"   MAIL_SENDER = "宝应县专精特新平台 <noreply@…>"

Mail carries links, and links in mail must not come from the request's Host header (a forged
one would send reset links elsewhere), so mail also needs BASE_URL. Without MAIL_SERVER and
BASE_URL nothing is sent and nothing breaks: notifications stay on the platform.
The standard library does the SMTP work (smtplib, email.message); a slow or failing server
raises MailError after MAIL_TIMEOUT seconds, and callers keep the message for a later attempt.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

from matchmaker.core import jobs


class MailError(Exception):
    """The mail could not be handed to the SMTP server."""


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER") and current_app.config.get("BASE_URL"))


def send_later(to: str, subject: str, body: str) -> None:
    """Send off the request, on the job worker (the page answers at once, and just as fast when
    nothing is sent)."""
    jobs.enqueue("mail.send", to=to, subject=subject, body=body)


@jobs.task("mail.send")
def _send_job(to: str, subject: str, body: str) -> None:
    try:
        send(to, subject, body)
    except MailError as error:
        current_app.logger.warning("mail to %s failed: %s", to, error)


def send(to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the configured SMTP server (MailError on any failure)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER") or formataddr((config["SITE_NAME"], "noreply@localhost"))
    message["To"] = to
    # A header is one line: a title stored before one-line fields refused breaks must not split it
    # (the email package raises on CR/LF in a header, which once stopped every digest).
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = make_msgid(domain="matchmaker")
    message.set_content("\n".join(body.splitlines()) + "\n", charset="utf-8")
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    try:
        if config.get("MAIL_USE_SSL"):
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if config.get("MAIL_USE_TLS"):
                client.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                client.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error
