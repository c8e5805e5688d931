"""Officers' notification mails: who is told, what a mail holds, and that a mail server
that is down delays mail without losing or doubling any.

Mail goes to a real SMTP server (aiosmtpd) on loopback through `wbs send-mail`, as in
production; cases are filed through the public API.
"""

from __future__ import annotations

import email
import email.header
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import Message as EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update

from wbs import create_app
from wbs.app_context import database
from wbs.case_reference import case_reference
from wbs.demo_data import AGENCIES, CATEGORIES
from wbs.installation import InitResult, now_utc
from wbs.models import Agency, Case, OutboxMail, Staff, StaffConflict
from wbs.notifications import (
    notify_assigned,
    notify_due_soon,
    notify_reporter_reply,
)
from wbs.outbox import DeliveryReport, backoff, deliver_pending, queue_mail
from wbs.settings import Settings
from wbs.staff_accounts import create_staff

BASE_URL = "https://wbs.example.go.id"
OFFICER_PASSWORD = "pintu-biru-Sungai-7391"
REPORTER_EMAIL = "pelapor.rahasia@example.net"


# --- a real SMTP server on loopback ------------------------------------------------------


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(email.header.make_header(email.header.decode_header(self.message["Subject"])))

    @property
    def body(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(self.message.get_content_charset() or "utf-8")

    @property
    def raw_text(self) -> str:
        return self.message.as_string() + self.subject + self.body


class _Collector:
    def __init__(self, inbox: list[Received]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content)
        self.inbox.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    port: int = field(default_factory=_free_port)
    inbox: list[Received] = field(default_factory=list)
    controller: Controller | None = None
    # (username, password) the server demands, or None for an open relay on loopback.
    login: tuple[str, str] | None = None

    def _authenticate(self, *args: Any) -> AuthResult:
        credentials: LoginPassword = args[-1]
        given = (credentials.login.decode(), credentials.password.decode())
        return AuthResult(success=given == self.login, handled=False)

    def start(self) -> None:
        # aiosmtpd closes its event loop on stop: a restart is a new controller, same port.
        options: dict[str, Any] = {}
        if self.login is not None:
            # Plain AUTH without TLS is acceptable on loopback only, as here.
            options = {
                "auth_required": True,
                "auth_require_tls": False,
                "authenticator": self._authenticate,
            }
        self.controller = Controller(
            _Collector(self.inbox), hostname="127.0.0.1", port=self.port, **options
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.inbox if address in mail.recipients]

    def recipients(self) -> Counter[str]:
        return Counter(address for mail in self.inbox for address in mail.recipients)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def mail_settings(settings: Settings, smtp: SmtpServer, **changes: object) -> Settings:
    values: dict[str, object] = {
        "mail_server": "127.0.0.1",
        "mail_port": smtp.port,
        "mail_sender": "WBS Inspektorat <wbs@example.go.id>",
        "base_url": BASE_URL,
        # Several reports per test come from the test client's one address.
        "submit_rate_limit": "1000 per hour",
    }
    return settings.replace(**(values | changes))


@pytest.fixture
def app(settings: Settings, smtp: SmtpServer) -> Iterator[Flask]:
    """The conftest app, with its mail going to the loopback SMTP server."""
    application = create_app(mail_settings(settings, smtp))
    yield application
    database(application).dispose()


# --- officers, cases, runs ---------------------------------------------------------------


def agency_id(app: Flask, code: str) -> int:
    with database(app).session() as session:
        return session.scalars(select(Agency.id).where(Agency.code == code)).one()


def add_officer(
    app: Flask,
    username: str,
    roles: set[str],
    *,
    email_address: str | None = "",
    active: bool = True,
    conflicts: tuple[str, ...] = (),
) -> str:
    """An officer; returns his address (username@example.go.id unless given)."""
    address = f"{username}@example.go.id" if email_address == "" else email_address
    settings: Settings = app.extensions["wbs.settings"]
    with database(app).session() as session:
        staff = create_staff(
            session,
            username=username,
            display_name=username.title(),
            password=OFFICER_PASSWORD,
            roles=roles,
            params=settings.argon2,
            now=now_utc(),
            email=address,
        )
        staff.active = active
        for code in conflicts:
            agency = session.scalars(select(Agency.id).where(Agency.code == code)).one()
            session.add(StaffConflict(staff_id=staff.id, agency_id=agency, declared_at=now_utc()))
    return address or ""


def staff_id(app: Flask, username: str) -> int:
    with database(app).session() as session:
        return session.scalars(select(Staff.id).where(Staff.username == username)).one()


def file_case(
    client: FlaskClient, app: Flask, marker: str, agency: str = "DINKES", *, keep_mail: bool = False
) -> int:
    """File a report through the public API; returns the new case's id.

    Filing itself queues the new-case mails; unless ``keep_mail``, they are dropped so
    that a test sees only the notification it is about.
    """
    response = client.post(
        "/api/v1/reports",
        json={
            "category": "pungli",
            "agency": agency,
            "description": f"Petugas meminta uang tambahan {marker} untuk setiap surat rujukan.",
            "involved": f"Kepala loket {marker}",
            "location": f"Puskesmas {marker}",
            "reporter_name": f"Pelapor {marker}",
            "reporter_contact": REPORTER_EMAIL,
        },
    )
    assert response.status_code == 201, response.get_json()
    with database(app).session() as session:
        if not keep_mail:
            session.execute(delete(OutboxMail))
        return session.scalar(select(func.max(Case.id))) or 0


def set_case(app: Flask, case_id: int, **values: object) -> None:
    with database(app).session() as session:
        session.execute(update(Case).where(Case.id == case_id).values(**values))


def notify(app: Flask, kind: str, case_id: int, assignee: str | None = None) -> None:
    """Queue a notification the way the workflow does: in its own committed transaction."""
    settings: Settings = app.extensions["wbs.settings"]
    with app.app_context(), database(app).session() as session:
        case = session.get_one(Case, case_id)
        if kind == "reply":
            notify_reporter_reply(session, case, settings, now_utc())
        else:
            staff = session.scalars(select(Staff).where(Staff.username == assignee)).one()
            notify_assigned(session, case, staff, settings, now_utc())


def send_mail(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["send-mail", *args])


def reference_of(app: Flask, case_id: int) -> str:
    with database(app).session() as session:
        case = session.get_one(Case, case_id)
        return case_reference(case.id, case.received_on)


def outbox(app: Flask) -> list[OutboxMail]:
    with database(app).session() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def assert_holds_no_report_content(mail: Received, marker: str) -> None:
    text = mail.raw_text
    assert marker not in text
    assert REPORTER_EMAIL not in text
    # Nor the plain metadata of the report: its agency and its category.
    for code, name in AGENCIES:
        if code in {"DINKES", "DISHUB"}:
            assert name not in text and code not in text
    for code, name_id, name_en in CATEGORIES:
        if code == "pungli":
            assert name_id not in text and name_en not in text


# --- who is told -------------------------------------------------------------------------


def test_new_case_reaches_intake_officers_and_supervisors_without_conflict(
    app: Flask, client: FlaskClient, smtp: SmtpServer, init_result: InitResult
) -> None:
    intake = add_officer(app, "intan", {"intake"})
    supervisor = add_officer(app, "surya", {"supervisor", "admin"})
    add_officer(app, "irwan", {"investigator"})
    add_officer(app, "lestari", {"leadership"})
    add_officer(app, "sakti", {"sakip", "admin"})
    add_officer(app, "dewi", {"intake"}, active=False)
    add_officer(app, "bambang", {"supervisor"}, email_address=None)
    conflicted = add_officer(app, "citra", {"intake"}, conflicts=("DINKES",))
    marker = "PENANDA-BARU-8841"

    # Filing queues the mail in the same transaction as the case.
    dinkes_case = file_case(client, app, marker, agency="DINKES", keep_mail=True)
    result = send_mail(app)

    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0 (will retry), waiting 0." in result.output
    # The admin of `init` is a supervisor without an address: nothing for him either.
    assert smtp.recipients() == Counter({intake: 1, supervisor: 1})
    reference = reference_of(app, dinkes_case)
    for mail in smtp.inbox:
        assert reference in mail.subject
        assert f"{BASE_URL}/admin/cases/{dinkes_case}" in mail.body
        assert reference in mail.body
        assert mail.message["Auto-Submitted"] == "auto-generated"
        assert_holds_no_report_content(mail, marker)

    # The conflict is with one agency only: a case against another reaches her.
    dishub_case = file_case(client, app, marker, agency="DISHUB", keep_mail=True)
    assert send_mail(app).exit_code == 0
    dishub_reference = reference_of(app, dishub_case)
    assert {a for m in smtp.inbox if dishub_reference in m.subject for a in m.recipients} == {
        intake,
        supervisor,
        conflicted,
    }
    assert REPORTER_EMAIL not in smtp.recipients()


def test_assignment_reaches_the_assignee_only_when_he_may_be_mailed(
    app: Flask, client: FlaskClient, smtp: SmtpServer, init_result: InitResult
) -> None:
    investigator = add_officer(app, "irwan", {"investigator"})
    add_officer(app, "intan", {"intake"})
    add_officer(app, "surya", {"supervisor"})
    add_officer(app, "citra", {"investigator"}, conflicts=("DINKES",))
    add_officer(app, "dewi", {"investigator"}, active=False)
    add_officer(app, "eko", {"investigator"}, email_address=None)
    marker = "PENANDA-TUGAS-2207"
    case_id = file_case(client, app, marker)

    for username in ("irwan", "citra", "dewi", "eko"):
        notify(app, "assigned", case_id, assignee=username)
    result = send_mail(app)

    assert result.exit_code == 0, result.output
    assert smtp.recipients() == Counter({investigator: 1})
    (mail,) = smtp.inbox
    assert reference_of(app, case_id) in mail.subject
    assert f"{BASE_URL}/admin/cases/{case_id}" in mail.body
    assert_holds_no_report_content(mail, marker)


def test_reporter_reply_reaches_the_assignee_or_else_intake_and_supervisors(
    app: Flask, client: FlaskClient, smtp: SmtpServer, init_result: InitResult
) -> None:
    investigator = add_officer(app, "irwan", {"investigator"})
    intake = add_officer(app, "intan", {"intake"})
    supervisor = add_officer(app, "surya", {"supervisor"})
    add_officer(app, "citra", {"supervisor"}, conflicts=("DINKES",))
    add_officer(app, "lestari", {"leadership"})
    marker = "PENANDA-BALAS-5530"
    held, unheld, orphaned = (file_case(client, app, marker) for _ in range(3))
    set_case(app, held, assignee_id=staff_id(app, "irwan"))
    # Assigned to an officer who has since left: the case must not go unnoticed.
    add_officer(app, "dewi", {"investigator"}, active=False)
    set_case(app, orphaned, assignee_id=staff_id(app, "dewi"))

    for case_id in (held, unheld, orphaned):
        notify(app, "reply", case_id)
    assert send_mail(app).exit_code == 0

    def told(case_id: int) -> set[str]:
        reference = reference_of(app, case_id)
        return {a for m in smtp.inbox if reference in m.subject for a in m.recipients}

    assert told(held) == {investigator}
    assert told(unheld) == {intake, supervisor}
    assert told(orphaned) == {intake, supervisor}
    assert len(smtp.inbox) == 5
    for mail in smtp.inbox:
        assert_holds_no_report_content(mail, marker)


def test_mail_is_written_in_the_default_locale(
    app: Flask, client: FlaskClient, smtp: SmtpServer, init_result: InitResult
) -> None:
    officer = add_officer(app, "irwan", {"investigator"})
    case_id = file_case(client, app, "PENANDA-BAHASA-1010")
    english = app.extensions["wbs.settings"].replace(default_locale="en")
    with app.app_context(), database(app).session() as session:
        case = session.get_one(Case, case_id)
        staff = session.scalars(select(Staff).where(Staff.username == "irwan")).one()
        notify_assigned(session, case, staff, english, now_utc())
    assert send_mail(app).exit_code == 0
    (mail,) = smtp.to(officer)
    assert mail.subject == f"Case {reference_of(app, case_id)} assigned to you"
    assert "has been assigned to you" in mail.body


# --- a mail server that is down ----------------------------------------------------------


def test_mail_waits_while_the_server_is_down_and_is_then_sent_exactly_once(
    app: Flask,
    client: FlaskClient,
    smtp: SmtpServer,
    init_result: InitResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    intake = add_officer(app, "intan", {"intake"})
    supervisor = add_officer(app, "surya", {"supervisor"})
    cases = [file_case(client, app, "PENANDA-GANGGUAN", keep_mail=True) for _ in range(3)]
    smtp.stop()

    down = send_mail(app)

    # A server that is down is not an operator error: exit 0, every mail kept.
    assert down.exit_code == 0, down.output
    assert "Sent 0, failed 1 (will retry), waiting 6." in down.output
    assert "not available" in down.output
    mails = outbox(app)
    assert len(mails) == 6 and all(mail.sent_at is None for mail in mails)
    (tried,) = [mail for mail in mails if mail.attempts]
    assert tried.last_error and "Refused" in tried.last_error

    smtp.start()
    later = now_utc()
    monkeypatch.setattr("wbs.mail_cli.now_utc", lambda: later)
    first = send_mail(app)
    # The mail that failed waits out its back-off (one minute); the others go now.
    assert "Sent 5, failed 0 (will retry), waiting 1." in first.output
    monkeypatch.setattr("wbs.mail_cli.now_utc", lambda: later + timedelta(minutes=2))
    second = send_mail(app)
    assert "Sent 1, failed 0 (will retry), waiting 0." in second.output
    again = send_mail(app)
    assert "Sent 0, failed 0 (will retry), waiting 0." in again.output

    # Exactly once each: nothing lost, nothing doubled.
    delivered = Counter(
        (mail.subject, address) for mail in smtp.inbox for address in mail.recipients
    )
    assert sorted(delivered.values()) == [1] * 6
    for case_id in cases:
        reference = reference_of(app, case_id)
        assert {address for subject, address in delivered if reference in subject} == {
            intake,
            supervisor,
        }
    assert all(mail.sent_at is not None for mail in outbox(app))


def test_each_mail_retries_after_one_two_four_minutes_up_to_an_hour() -> None:
    assert [backoff(n) for n in range(1, 10)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)
    ]


def test_a_refused_mail_backs_off_and_the_others_still_go(
    app: Flask, init_result: InitResult
) -> None:
    start = datetime(2026, 3, 2, 8, 0)
    with database(app).session() as session:
        for name in ("refused", "fine"):
            queue_mail(session, recipient=f"{name}@example.go.id", subject="s", body="b", now=start)
    delivered: list[str] = []

    def send(mail: OutboxMail) -> None:
        if mail.recipient.startswith("refused"):
            raise ValueError("550 mailbox unavailable")
        delivered.append(mail.recipient)

    reports = [deliver_pending(database(app), send, start, limit=10)]
    for minutes in (1, 3, 7):
        reports.append(deliver_pending(database(app), send, start + timedelta(minutes=minutes), 10))
    # Not due yet: one minute after the fourth failure is too early (8 minutes needed).
    reports.append(deliver_pending(database(app), send, start + timedelta(minutes=8), 10))

    assert delivered == ["fine@example.go.id"]
    assert reports[0] == DeliveryReport(sent=1, failed=1, waiting=1)
    assert [r.failed for r in reports[1:]] == [1, 1, 1, 0]
    (refused,) = [mail for mail in outbox(app) if mail.sent_at is None]
    assert refused.attempts == 4
    assert refused.next_attempt_at == start + timedelta(minutes=7 + 8)
    assert refused.last_error == "ValueError: 550 mailbox unavailable"


def test_two_concurrent_runs_never_send_the_same_mail(app: Flask, init_result: InitResult) -> None:
    now = now_utc()
    with database(app).session() as session:
        for number in range(5):
            queue_mail(
                session, recipient=f"o{number}@example.go.id", subject="s", body="b", now=now
            )
    sent: list[str] = []
    first_in_flight, second_done = threading.Event(), threading.Event()

    def slow_send(mail: OutboxMail) -> None:
        # The first run holds its first mail until the second run has finished.
        if not first_in_flight.is_set():
            first_in_flight.set()
            assert second_done.wait(timeout=60)
        sent.append(mail.recipient)

    def fast_send(mail: OutboxMail) -> None:
        sent.append(mail.recipient)

    first = threading.Thread(target=deliver_pending, args=(database(app), slow_send, now, 10))
    first.start()
    assert first_in_flight.wait(timeout=60)
    second = deliver_pending(database(app), fast_send, now, 10)
    second_done.set()
    first.join(timeout=60)

    assert second.sent == 4 and second.waiting == 1
    assert sorted(sent) == [f"o{number}@example.go.id" for number in range(5)]
    assert all(mail.sent_at is not None for mail in outbox(app))


# --- deadline warnings -------------------------------------------------------------------


def test_a_due_date_is_warned_once_and_again_when_it_changes(
    app: Flask, client: FlaskClient, smtp: SmtpServer, init_result: InitResult
) -> None:
    investigator = add_officer(app, "irwan", {"investigator"})
    supervisor = add_officer(app, "surya", {"supervisor"})
    add_officer(app, "citra", {"supervisor"}, conflicts=("DINKES",))
    add_officer(app, "intan", {"intake"})
    settings: Settings = app.extensions["wbs.settings"]
    # The real today: `wbs send-mail` below also looks for due cases.
    today = settings.today()
    soon = today + timedelta(days=settings.deadline_warning_days)
    marker = "PENANDA-TENGGAT-4412"
    held, unheld, later_case, closed, purged = (file_case(client, app, marker) for _ in range(5))
    set_case(app, held, due_on=soon, assignee_id=staff_id(app, "irwan"))
    set_case(app, unheld, due_on=today - timedelta(days=1))
    set_case(app, later_case, due_on=soon + timedelta(days=1))
    set_case(app, closed, due_on=today, status="closed")
    set_case(app, purged, due_on=today, purged_on=today)

    def run(day: date) -> int:
        with app.app_context(), database(app).session() as session:
            return notify_due_soon(session, day, settings, now_utc())

    assert run(today) == 2
    assert run(today) == 0
    assert send_mail(app).exit_code == 0

    def told(case_id: int) -> list[str]:
        reference = reference_of(app, case_id)
        return sorted(a for m in smtp.inbox if reference in m.subject for a in m.recipients)

    assert told(held) == [investigator]
    assert told(unheld) == [supervisor]
    assert told(later_case) == told(closed) == told(purged) == []
    for mail in smtp.inbox:
        assert f"{BASE_URL}/admin/cases/" in mail.body
        assert_holds_no_report_content(mail, marker)

    # A new due date (the clock was paused, or a new stage began) is warned again.
    set_case(app, held, due_on=soon - timedelta(days=1))
    assert run(today) == 1
    assert send_mail(app).exit_code == 0
    assert told(held) == [investigator, investigator]
    assert run(today) == 0
    # The next day the case further out comes within the warning window.
    assert run(today + timedelta(days=1)) == 1


def test_send_mail_queues_and_sends_deadline_warnings_once(
    app: Flask, client: FlaskClient, smtp: SmtpServer, init_result: InitResult
) -> None:
    investigator = add_officer(app, "irwan", {"investigator"})
    case_id = file_case(client, app, "PENANDA-CLI-3300")
    settings: Settings = app.extensions["wbs.settings"]
    set_case(app, case_id, due_on=settings.today(), assignee_id=staff_id(app, "irwan"))

    first = send_mail(app)
    second = send_mail(app)

    assert first.exit_code == 0 and second.exit_code == 0
    assert "Queued deadline warnings for 1 case(s)." in first.output
    assert "Sent 1, failed 0 (will retry), waiting 0." in first.output
    assert "Sent 0, failed 0 (will retry), waiting 0." in second.output
    (mail,) = smtp.inbox
    assert mail.recipients == [investigator]
    assert reference_of(app, case_id) in mail.subject


# --- settings that cannot work -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"mail_use_tls": True, "mail_use_ssl": True}, "WBS_MAIL_USE_SSL"),
        ({"mail_sender": "inspektorat"}, "WBS_MAIL_SENDER"),
        ({"mail_username": "wbs"}, "WBS_MAIL_PASSWORD"),
        ({"mail_server": ""}, "WBS_MAIL_SERVER"),
        ({"base_url": "wbs.example.go.id"}, "WBS_BASE_URL"),
    ],
)
def test_unusable_mail_settings_exit_1_with_the_setting_named(
    settings: Settings,
    smtp: SmtpServer,
    init_result: InitResult,
    changes: dict[str, object],
    named: str,
) -> None:
    broken = create_app(mail_settings(settings, smtp, **changes))
    try:
        with database(broken).session() as session:
            queue_mail(session, recipient="o@example.go.id", subject="s", body="b", now=now_utc())
        result = send_mail(broken)
    finally:
        database(broken).dispose()
    assert result.exit_code == 1
    assert named in result.output
    assert smtp.inbox == []
    assert [mail.sent_at for mail in outbox(broken)] == [None]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_login_exits_1_and_the_mail_waits_for_the_right_password(
    settings: Settings, init_result: InitResult
) -> None:
    smtp = SmtpServer(login=("wbs-mailer", "sandi-benar-8812"))
    smtp.start()
    try:
        wrong = create_app(
            mail_settings(
                settings, smtp, mail_username="wbs-mailer", mail_password="sandi-salah-0000"
            )
        )
        with database(wrong).session() as session:
            queue_mail(session, recipient="o@example.go.id", subject="s", body="b", now=now_utc())
        refused = send_mail(wrong)
        database(wrong).dispose()
        (waiting,) = outbox(wrong)

        right = create_app(
            mail_settings(
                settings, smtp, mail_username="wbs-mailer", mail_password="sandi-benar-8812"
            )
        )
        # The refused mail waits out its one-minute back-off first.
        with database(right).session() as session:
            session.execute(update(OutboxMail).values(next_attempt_at=now_utc()))
        accepted = send_mail(right)
        database(right).dispose()
    finally:
        smtp.stop()

    assert refused.exit_code == 1, (refused.output, waiting.last_error)
    assert "WBS_MAIL_PASSWORD" in refused.output
    assert "Sent 0, failed 1 (will retry), waiting 1." in refused.output
    assert waiting.sent_at is None and waiting.last_error
    assert "sandi" not in waiting.last_error + refused.output
    assert accepted.exit_code == 0, accepted.output
    assert [mail.recipients for mail in smtp.inbox] == [["o@example.go.id"]]
