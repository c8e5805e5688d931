"""`wbs send-mail`: queue deadline warnings, then send the outbox through Flask-Mail.

Meant to run every minute from a systemd timer (config/wbs-send-mail.timer) or cron.
A mail server that is down is not an error: the mail waits in the outbox and the next
run retries it (exit 0). Settings that cannot work (no server, a bad sender, a login
the server refuses...) are: the command says which setting to fix and exits 1.
Output is English, for operators.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parseaddr

import click
from flask.cli import with_appcontext
from flask_mail import Message

from wbs.app_context import database, settings
from wbs.extensions import mail
from wbs.installation import now_utc
from wbs.models import OutboxMail
from wbs.notifications import notify_due_soon
from wbs.outbox import StopDelivery, deliver_pending, describe_error
from wbs.settings import Settings

DEFAULT_LIMIT = 200
# smtplib waits forever by default; a server that swallows packets must not hang the
# timer's run (systemd starts no second run while one is still going).
SMTP_TIMEOUT_SECONDS = 30


class MailServerUnavailable(StopDelivery):
    """The server could not be reached or broke off: every mail would fail alike."""


class MailConfigError(StopDelivery):
    """The server refuses what the settings ask for: an operator must fix a setting."""


def mail_config_problem(config: Settings) -> str | None:
    """Why these settings cannot send mail at all, or None."""
    if not config.mail_server.strip():
        return "WBS_MAIL_SERVER is empty: set the host name of the SMTP server."
    if not 1 <= config.mail_port <= 65535:
        return f"WBS_MAIL_PORT must be between 1 and 65535, not {config.mail_port}."
    if config.mail_use_tls and config.mail_use_ssl:
        return (
            "WBS_MAIL_USE_TLS (STARTTLS, usually port 587) and WBS_MAIL_USE_SSL (implicit "
            "TLS, usually port 465) exclude each other: set only one."
        )
    if bool(config.mail_username) != bool(config.mail_password):
        return "WBS_MAIL_USERNAME and WBS_MAIL_PASSWORD go together: set both or neither."
    if "@" not in parseaddr(config.mail_sender)[1]:
        return f"WBS_MAIL_SENDER {config.mail_sender!r} is not an email address."
    if not config.base_url.startswith(("http://", "https://")):
        return (
            f"WBS_BASE_URL {config.base_url!r} must start with https:// (or http://): "
            "the mails link to the case pages."
        )
    return None


def _config_hint(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "The mail server refused the login: check WBS_MAIL_USERNAME and WBS_MAIL_PASSWORD."
    if isinstance(error, smtplib.SMTPSenderRefused):
        return "The mail server refused the sender address: check WBS_MAIL_SENDER."
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            "The mail server does not offer what the settings ask for (STARTTLS or login): "
            "check WBS_MAIL_USE_TLS, WBS_MAIL_USE_SSL, WBS_MAIL_PORT and WBS_MAIL_USERNAME."
        )
    return (
        f"The TLS connection to the mail server failed ({describe_error(error)}): check "
        "WBS_MAIL_SERVER (it must match the certificate), WBS_MAIL_PORT, WBS_MAIL_USE_TLS "
        "and WBS_MAIL_USE_SSL."
    )


# Order matters: SMTP errors are OSErrors too.
_CONFIG_ERRORS = (
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
    ssl.SSLError,
)
# Refusals of this one mail (its recipient, its content): the next mail may pass.
_SINGLE_MAIL_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def send_through_flask_mail(outbox_mail: OutboxMail) -> None:
    """Send one outbox mail over its own SMTP connection (notifications are few)."""
    message = Message(
        subject=outbox_mail.subject,
        recipients=[outbox_mail.recipient],
        body=outbox_mail.body,
        # RFC 3834: out-of-office replies are not sent back to an automatic mail.
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        mail.send(message)
    except _CONFIG_ERRORS as error:
        raise MailConfigError(_config_hint(error)) from error
    except _SINGLE_MAIL_ERRORS:
        raise
    except OSError as error:
        raise MailServerUnavailable(describe_error(error)) from error


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    # Flask-Mail opens smtplib connections without a timeout; the default applies.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


@click.command("send-mail")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Mails sent at most in this run; the rest wait for the next run.",
)
@with_appcontext
def send_mail_command(limit: int) -> None:
    """Queue deadline warnings, then send the officers' mail waiting in the outbox.

    Run it every minute (systemd timer or cron). A mail server that is down only delays
    mail: it stays in the outbox and is retried after 1, 2, 4... minutes (at most an hour).
    """
    config, db = settings(), database()
    problem = mail_config_problem(config)
    if problem:
        raise click.ClickException(problem)
    now = now_utc()
    with db.session() as session:
        warned = notify_due_soon(session, config.today(), config, now)
    if warned:
        click.echo(f"Queued deadline warnings for {warned} case(s).")
    with _socket_timeout(SMTP_TIMEOUT_SECONDS):
        report = deliver_pending(db, send_through_flask_mail, now, limit)
    click.echo(
        f"Sent {report.sent}, failed {report.failed} (will retry), waiting {report.waiting}."
    )
    if isinstance(report.stopped, MailConfigError):
        raise click.ClickException(f"{report.stopped} The mail waits in the outbox.")
    if isinstance(report.stopped, MailServerUnavailable):
        click.echo(
            f"The mail server {config.mail_server}:{config.mail_port} is not available "
            f"({report.stopped}); the mail waits in the outbox for the next run.",
            err=True,
        )
