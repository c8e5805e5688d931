"""A case from the citizen's report to its closing, driven through the staff pages and
the reporter's status page as browsers would (DESIGN.md, "Case workflow").

At every step the reporter's page is read as he reads it (Bahasa Indonesia, the default):
the status in plain words (wbs/public/status_text.py), the public notes and the
officers' question, and never an internal note, an internal "why" or the
recommendation. Each internal marker is also checked on the officer's page, so the
"not on the reporter's page" checks could fail.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import uuid
from datetime import date, timedelta

from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import ADMIN_PASSWORD, FAST_ARGON2
from tests.helpers import REPORTER_ADDRESS, file_report, hidden_value, open_status
from tests.staff_helpers import STAFF_PASSWORD, create_officer, english, login, post_form
from wbs.app_context import database, server_keys
from wbs.case_reference import case_reference
from wbs.installation import InitResult, now_utc
from wbs.intake import ReportContent, load_intake_keys, new_code
from wbs.intake import file_report as insert_report
from wbs.models import Agency, AuditEntry, Case, CaseEvent, Category, Staff, StaffConflict
from wbs.settings import Settings

# What the reporter reads for each status, in Bahasa Indonesia (the catalogue's
# translations of wbs/public/status_text.py, which follow DESIGN.md's labels).
REPORTER_STATUS = {
    "received": "Diterima",
    "triage": "Penelaahan",
    "need_info": "Menunggu Informasi Pelapor",
    "investigation": "Pemeriksaan",
    "forwarded": "Dilimpahkan",
    "rejected": "Tidak Dapat Ditindaklanjuti",
    "concluded": "Selesai Diperiksa",
    "follow_up": "Tindak Lanjut",
    "closed": "Ditutup",
}
# A small PDF: stored as sent (only images are rewritten to strip metadata).
EVIDENCE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"%%EOF\n"
_STATUS = re.compile(r'class="status-label">[^<]*<strong>([^<]+)</strong>')
_CASE_LINK = re.compile(r'href="/admin/cases/(\d+)"')
_NEXT_PAGE = re.compile(r'<a class="button secondary" href="([^"]+)">')


def marker(label: str) -> str:
    return f"{label}{uuid.uuid4().hex[:10].upper()}"


# --- people --------------------------------------------------------------------------------


new_staff = create_officer


def officer(app: Flask, username: str, password: str = STAFF_PASSWORD) -> FlaskClient:
    """A browser of its own, logged in with TOTP, reading the staff pages in English."""
    client = app.test_client()
    english(client)
    login(client, username, password)
    return client


def admin_id(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalars(select(Staff.id).where(Staff.username == "admin")).one()


# --- the reporter ----------------------------------------------------------------------------


def reporter_files(app: Flask, description: str, **fields: object) -> tuple[FlaskClient, int]:
    """A citizen files through the public form and opens his status page; his browser
    and the new case's id."""
    reporter = app.test_client()
    code = file_report(reporter, description=description, **fields)
    response = open_status(reporter, code)
    assert response.status_code == 303
    with database(app).session() as session:
        case_id = session.scalars(select(func.max(Case.id))).one()
    return reporter, case_id


def reporter_page(reporter: FlaskClient) -> str:
    response = reporter.get("/status/case")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def reporter_status(page: str) -> str:
    match = _STATUS.search(page)
    assert match, "no status on the reporter's page"
    return match.group(1).strip()


def check_reporter(
    reporter: FlaskClient, status: str, sees: tuple[str, ...] = (), never: tuple[str, ...] = ()
) -> str:
    page = reporter_page(reporter)
    assert reporter_status(page) == REPORTER_STATUS[status]
    for text in sees:
        assert text in page, f"the reporter should read {text!r}"
    for text in never:
        assert text not in page, f"the reporter must not read {text!r}"
    return page


# --- the staff pages -------------------------------------------------------------------------


def act(client: FlaskClient, case_id: int, action: str, **fields: object):  # noqa: ANN201
    """POST a case action with the CSRF token of the officer's browser session."""
    return post_form(client, f"/admin/cases/{case_id}/{action}", fields, page="/admin/account")


def done(response) -> None:  # noqa: ANN001
    assert response.status_code == 303, html.unescape(response.get_data(as_text=True))


def refused(response, status: int, text: str) -> None:  # noqa: ANN001
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == status, body
    assert text in body


def case_page(client: FlaskClient, case_id: int) -> str:
    response = client.get(f"/admin/cases/{case_id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def case_row(app: Flask, case_id: int) -> Case:
    with database(app).session() as session:
        case = session.get_one(Case, case_id)
        session.expunge(case)
        return case


def queue_ids(client: FlaskClient, query: str = "") -> list[int]:
    response = client.get(f"/admin/cases{query}")
    assert response.status_code == 200
    return [int(found) for found in _CASE_LINK.findall(response.get_data(as_text=True))]


# --- the whole way ---------------------------------------------------------------------------


def test_report_goes_from_filing_to_closing_and_the_reporter_sees_each_step(
    app: Flask, init_result: InitResult
) -> None:
    new_staff(app, init_result, "verifikator", {"intake"})
    investigator_id = new_staff(
        app, init_result, "pemeriksa", {"investigator"}, display_name="Pemeriksa Satu"
    )
    new_staff(app, init_result, "irban", {"supervisor"})
    m = {
        name: marker(name)
        for name in (
            "DESC",
            "NOTE",
            "QUESTION",
            "ANSWER",
            "WHYRESUME",
            "WHYINVEST",
            "RECOMMEND",
            "SUMMARY",
            "WHYPROPOSE",
            "WHYAPPROVE",
            "WHYFOLLOW",
            "FOLLOWPUBLIC",
            "WHYDONE",
            "CLOSEPUBLIC",
            "WHYCLOSE",
        )
    }
    internal = (
        "NOTE",
        "WHYRESUME",
        "WHYINVEST",
        "RECOMMEND",
        "WHYPROPOSE",
        "WHYAPPROVE",
        "WHYFOLLOW",
        "WHYDONE",
        "WHYCLOSE",
    )

    def secret_so_far() -> tuple[str, ...]:
        return tuple(m[name] for name in internal)

    reporter, case_id = reporter_files(
        app,
        f"Kepala seksi meminta setoran dari setiap rekanan {m['DESC']}.",
        evidence=(io.BytesIO(EVIDENCE), "kuitansi.pdf"),
    )
    check_reporter(reporter, "received", sees=(m["DESC"], "kuitansi.pdf"))

    intake = officer(app, "verifikator")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    investigator = officer(app, "pemeriksa")
    second_supervisor = officer(app, "irban")

    # Triage.
    done(act(intake, case_id, "acknowledge"))
    done(act(intake, case_id, "note", note=f"Cek dulu ke bagian keuangan {m['NOTE']}"))
    check_reporter(reporter, "triage", never=secret_so_far())

    # The officer asks; the reporter reads the question and answers with the reply form.
    done(act(intake, case_id, "ask", question=f"Kapan tepatnya kejadian itu? {m['QUESTION']}"))
    page = check_reporter(reporter, "need_info", sees=(m["QUESTION"],), never=secret_so_far())
    response = reporter.post(
        "/status/reply",
        data={"csrf_token": hidden_value(page, "csrf_token"), "message": m["ANSWER"]},
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 303
    check_reporter(reporter, "need_info", sees=(m["QUESTION"], m["ANSWER"]))

    staff_view = case_page(intake, case_id)
    assert m["ANSWER"] in staff_view and m["QUESTION"] in staff_view
    done(act(intake, case_id, "resume", target="triage", note=m["WHYRESUME"]))
    check_reporter(reporter, "triage", never=secret_so_far())

    # A supervisor assigns an investigator; the reporter is not told who.
    done(act(supervisor, case_id, "assign", assignee=str(investigator_id)))
    assert case_row(app, case_id).assignee_id == investigator_id
    check_reporter(reporter, "triage", never=(*secret_so_far(), "Pemeriksa Satu"))

    done(act(investigator, case_id, "investigate", note=m["WHYINVEST"]))
    check_reporter(reporter, "investigation", never=secret_so_far())

    # The investigator downloads the evidence: decrypted and byte-identical.
    with database(app).session() as session:
        from wbs.models import Attachment

        attachment_id = session.scalars(
            select(Attachment.id).where(Attachment.case_id == case_id)
        ).one()
    assert f"/admin/cases/{case_id}/attachments/{attachment_id}" in case_page(investigator, case_id)
    download = investigator.get(f"/admin/cases/{case_id}/attachments/{attachment_id}")
    assert download.status_code == 200
    assert download.data == EVIDENCE
    assert download.mimetype == "application/pdf"
    assert "kuitansi.pdf" in download.headers["Content-Disposition"]

    # Conclusion, four eyes: the proposer cannot decide on it.
    done(
        act(
            investigator,
            case_id,
            "propose_conclusion",
            outcome="substantiated",
            severity="sedang",
            recommendation=f"Potongan tunjangan kinerja 25% {m['RECOMMEND']}",
            public_note=f"Laporan Anda terbukti. {m['SUMMARY']}",
            note=m["WHYPROPOSE"],
        )
    )
    assert "Another supervisor must decide on your proposal." in case_page(investigator, case_id)
    # The deciding supervisor reads the recommendation before approving it.
    assert m["RECOMMEND"] in case_page(second_supervisor, case_id)
    refused(act(investigator, case_id, "approve"), 400, "Your role does not allow this action.")
    assert case_row(app, case_id).status == "investigation"
    # Not approved yet: the reporter reads nothing of the finding.
    check_reporter(reporter, "investigation", never=(*secret_so_far(), m["SUMMARY"]))

    done(act(second_supervisor, case_id, "approve", note=m["WHYAPPROVE"]))
    case = case_row(app, case_id)
    assert (case.status, case.outcome, case.severity) == ("concluded", "substantiated", "sedang")
    assert case.concluded_on is not None
    check_reporter(reporter, "concluded", sees=(m["SUMMARY"],), never=secret_so_far())

    # Follow-up by the agency, then its completion.
    done(
        act(
            investigator,
            case_id,
            "follow_up",
            note=m["WHYFOLLOW"],
            public_note=f"Sanksi sedang dijatuhkan. {m['FOLLOWPUBLIC']}",
        )
    )
    check_reporter(
        reporter, "follow_up", sees=(m["SUMMARY"], m["FOLLOWPUBLIC"]), never=secret_so_far()
    )
    done(act(investigator, case_id, "follow_up_done", note=m["WHYDONE"]))
    assert case_row(app, case_id).follow_up_done_on is not None
    check_reporter(reporter, "follow_up", never=secret_so_far())

    done(
        act(
            supervisor,
            case_id,
            "close",
            public_note=f"Terima kasih atas laporan Anda. {m['CLOSEPUBLIC']}",
            note=m["WHYCLOSE"],
        )
    )
    assert case_row(app, case_id).status == "closed"
    check_reporter(
        reporter,
        "closed",
        sees=(m["DESC"], m["QUESTION"], m["ANSWER"], m["SUMMARY"], m["CLOSEPUBLIC"]),
        never=secret_so_far(),
    )

    # The officers do read every internal marker, so the checks above could fail.
    staff_view = case_page(supervisor, case_id)
    for name in internal:
        assert m[name] in staff_view, name
    # Every step left an audit entry.
    with database(app).session() as session:
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case_id))
        )
    assert {
        "case.decrypted",
        "case.attachment_downloaded",
        "case.transition",
        "case.assigned",
        "case.proposed_conclude",
        "case.approved_conclude",
        "case.follow_up_done",
        "case.note_added",
        "case.message_sent",
    } <= actions


# --- other endings ---------------------------------------------------------------------------


def test_rejection_needs_a_second_supervisor_and_the_reporter_reads_the_reason(
    app: Flask, init_result: InitResult
) -> None:
    new_staff(app, init_result, "irban", {"supervisor"})
    reason, why = marker("REASON"), marker("WHY")
    reporter, case_id = reporter_files(app, "Pegawai sering datang terlambat.")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    second_supervisor = officer(app, "irban")
    done(act(supervisor, case_id, "acknowledge"))

    done(
        act(
            supervisor,
            case_id,
            "propose_rejection",
            reason="no_evidence",
            public_note=f"Laporan belum memuat bukti awal. {reason}",
            note=why,
        )
    )
    refused(
        act(supervisor, case_id, "approve"),
        400,
        "Another supervisor must decide on your own proposal.",
    )
    case = case_row(app, case_id)
    assert (case.status, case.outcome, case.rejection_reason) == ("triage", None, None)
    check_reporter(reporter, "triage", never=(reason, why))

    done(act(second_supervisor, case_id, "approve"))
    case = case_row(app, case_id)
    # Statistics read these plain fields.
    assert (case.status, case.outcome, case.rejection_reason) == (
        "rejected",
        "rejected",
        "no_evidence",
    )
    check_reporter(reporter, "rejected", sees=(reason,), never=(why,))


def test_a_declined_proposal_changes_nothing_the_reporter_sees(
    app: Flask, init_result: InitResult
) -> None:
    new_staff(app, init_result, "verifikator", {"intake"})
    reason = marker("REASON")
    reporter, case_id = reporter_files(app, "Pungutan di loket perizinan setiap hari.")
    intake = officer(app, "verifikator")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    done(act(intake, case_id, "acknowledge"))
    done(
        act(
            intake,
            case_id,
            "propose_rejection",
            reason="duplicate",
            public_note=reason,
        )
    )
    refused(
        act(intake, case_id, "propose_rejection", reason="other", public_note="lagi"),
        400,
        "A proposal is already waiting for approval.",
    )
    done(act(supervisor, case_id, "decline"))
    case = case_row(app, case_id)
    assert (case.status, case.outcome, case.rejection_reason) == ("triage", None, None)
    check_reporter(reporter, "triage", never=(reason,))
    # Declined: a new proposal may be made.
    done(act(intake, case_id, "propose_rejection", reason="other", public_note="lagi"))


def test_forwarded_case_records_the_destination_and_a_supervisor_can_reopen_it(
    app: Flask, init_result: InitResult
) -> None:
    new_staff(app, init_result, "verifikator", {"intake"})
    new_staff(app, init_result, "irban", {"supervisor"})
    public, why, reopen_why = marker("FWD"), marker("WHY"), marker("REOPEN")
    reporter, case_id = reporter_files(app, "Dugaan kerugian negara miliaran rupiah.")
    intake = officer(app, "verifikator")
    supervisor = officer(app, "irban")
    done(act(intake, case_id, "acknowledge"))
    refused(
        act(intake, case_id, "forward", public_note="x"), 400, "Choose where the case is forwarded."
    )
    done(
        act(
            intake,
            case_id,
            "forward",
            destination="kpk",
            public_note=f"Laporan Anda kami limpahkan. {public}",
            note=why,
        )
    )
    case = case_row(app, case_id)
    assert (case.status, case.forwarded_to, case.outcome) == ("forwarded", "kpk", "forwarded")
    assert "KPK (state loss of Rp1 billion or more)" in case_page(intake, case_id)
    check_reporter(reporter, "forwarded", sees=(public,), never=(why,))

    done(act(supervisor, case_id, "close"))
    check_reporter(reporter, "closed", sees=(public,), never=(why,))

    # Only a supervisor reopens, and only with a reason.
    refused(act(intake, case_id, "reopen", note=reopen_why), 400, "Your role does not allow")
    refused(act(supervisor, case_id, "reopen"), 400, "Write a note explaining why.")
    assert case_row(app, case_id).status == "closed"
    done(act(supervisor, case_id, "reopen", note=reopen_why))
    case = case_row(app, case_id)
    assert (case.status, case.forwarded_to, case.outcome, case.closed_on) == (
        "triage",
        None,
        None,
        None,
    )
    assert case.due_on is not None
    check_reporter(reporter, "triage", never=(why, reopen_why))


def test_the_reporter_is_told_where_his_report_was_forwarded(
    app: Flask, init_result: InitResult
) -> None:
    reporter, case_id = reporter_files(app, "Dugaan kerugian negara miliaran rupiah.")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    done(act(supervisor, case_id, "acknowledge"))
    done(act(supervisor, case_id, "forward", destination="kpk", public_note="Dilimpahkan."))
    assert "KPK" in reporter_page(reporter)


def test_the_approved_recommendation_stays_on_the_case_page(
    app: Flask, init_result: InitResult
) -> None:
    new_staff(app, init_result, "irban", {"supervisor"})
    recommendation = marker("RECOMMEND")
    _reporter, case_id = reporter_files(app, "Pungutan liar di loket puskesmas.")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    done(act(supervisor, case_id, "acknowledge"))
    done(act(supervisor, case_id, "investigate"))
    done(
        act(
            supervisor,
            case_id,
            "propose_conclusion",
            outcome="substantiated",
            severity="ringan",
            recommendation=recommendation,
            public_note="Terbukti.",
        )
    )
    done(act(officer(app, "irban"), case_id, "approve"))
    # The follow-up is about carrying out this recommendation (DOMAIN.md, tindak lanjut).
    assert recommendation in case_page(supervisor, case_id)


def test_an_action_the_status_does_not_allow_is_refused_and_changes_nothing(
    app: Flask, init_result: InitResult
) -> None:
    reporter, case_id = reporter_files(app, "Pengadaan fiktif alat kesehatan.")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    done(act(supervisor, case_id, "acknowledge"))

    def snapshot() -> tuple[object, ...]:
        with database(app).session() as session:
            case = session.get_one(Case, case_id)
            events = session.scalar(
                select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
            )
            audits = session.scalar(select(func.count()).select_from(AuditEntry))
            return case.status, case.closed_on, case.due_on, case.outcome, events, audits

    before = snapshot()
    message = "This action is not possible in the case's current status."
    typed = marker("TYPED")
    response = act(supervisor, case_id, "close", public_note=typed)
    refused(response, 409, message)
    # The page is shown again with what the officer typed, so it is not lost.
    assert typed in response.get_data(as_text=True)
    refused(act(supervisor, case_id, "follow_up_done", note="x"), 409, message)
    refused(
        act(
            supervisor,
            case_id,
            "propose_conclusion",
            outcome="not_substantiated",
            recommendation="x",
            public_note="x",
        ),
        409,
        message,
    )
    refused(act(supervisor, case_id, "acknowledge"), 409, message)
    # The refused pages decrypted the case again (audited); nothing else changed.
    after = snapshot()
    assert after[:5] == before[:5]
    check_reporter(reporter, "triage", never=(typed,))
    # An unknown action is no action.
    assert act(supervisor, case_id, "delete").status_code == 404


# --- who sees what -------------------------------------------------------------------------


def _conflict(app: Flask, staff_id: int, agency_code: str) -> None:
    with database(app).session() as session:
        agency_id = session.scalars(select(Agency.id).where(Agency.code == agency_code)).one()
        session.add(StaffConflict(staff_id=staff_id, agency_id=agency_id, declared_at=now_utc()))


def test_an_officer_with_a_conflict_neither_sees_nor_can_take_the_case(
    app: Flask, init_result: InitResult
) -> None:
    conflicted_id = new_staff(
        app, init_result, "verifikator", {"intake", "investigator"}, display_name="Ada Konflik"
    )
    new_staff(app, init_result, "pemeriksa", {"investigator"}, display_name="Tanpa Konflik")
    _conflict(app, conflicted_id, "DINKES")
    _reporter, hidden_id = reporter_files(
        app, "Pungutan di dinas kesehatan setiap pagi.", agency="DINKES"
    )
    _reporter, other_id = reporter_files(
        app, "Pungutan di dinas pendidikan setiap bulan.", agency="DISDIK"
    )
    conflicted = officer(app, "verifikator")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)

    assert conflicted.get(f"/admin/cases/{hidden_id}").status_code == 404
    assert act(conflicted, hidden_id, "acknowledge").status_code == 404
    assert case_row(app, hidden_id).status == "received"
    listed = queue_ids(conflicted, "?status=")
    assert other_id in listed and hidden_id not in listed
    # Not even by searching for its reference.
    hidden_reference = case_reference(hidden_id, case_row(app, hidden_id).received_on)
    assert queue_ids(conflicted, f"?reference={hidden_reference}") == []
    # The agency is not offered as a filter either.
    assert "Dinas Kesehatan" not in conflicted.get("/admin/cases").get_data(as_text=True)

    page = case_page(supervisor, hidden_id)
    assert "Tanpa Konflik" in page and "Ada Konflik" not in page
    refused(
        act(supervisor, hidden_id, "assign", assignee=str(conflicted_id)),
        400,
        "This person cannot take the case",
    )
    assert case_row(app, hidden_id).assignee_id is None
    # The other agency's case can be his.
    assert "Ada Konflik" in case_page(supervisor, other_id)
    done(act(supervisor, other_id, "assign", assignee=str(conflicted_id)))


def test_an_investigator_sees_only_the_cases_assigned_to_him(
    app: Flask, init_result: InitResult
) -> None:
    investigator_id = new_staff(app, init_result, "pemeriksa", {"investigator"})
    _reporter, his_id = reporter_files(
        app, "Kasus pertama tentang pungutan loket.", evidence=(io.BytesIO(EVIDENCE), "a.pdf")
    )
    _reporter, other_id = reporter_files(
        app, "Kasus kedua tentang pungutan parkir.", evidence=(io.BytesIO(EVIDENCE), "b.pdf")
    )
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    done(act(supervisor, his_id, "assign", assignee=str(investigator_id)))
    investigator = officer(app, "pemeriksa")

    assert queue_ids(investigator, "?status=") == [his_id]
    assert queue_ids(investigator, "?assignee=me") == [his_id]
    assert "Kasus pertama tentang pungutan loket." in case_page(investigator, his_id)
    assert investigator.get(f"/admin/cases/{other_id}").status_code == 404
    with database(app).session() as session:
        from wbs.models import Attachment

        other_attachment = session.scalars(
            select(Attachment.id).where(Attachment.case_id == other_id)
        ).one()
    assert (
        investigator.get(f"/admin/cases/{other_id}/attachments/{other_attachment}").status_code
        == 404
    )
    # Nor a file of another case through his own case's address.
    assert (
        investigator.get(f"/admin/cases/{his_id}/attachments/{other_attachment}").status_code == 404
    )
    assert act(investigator, other_id, "note", note="x").status_code == 404
    # Triage is the intake officers' work, even on his own case.
    refused(act(investigator, his_id, "acknowledge"), 400, "Your role does not allow")


def test_an_account_without_key_access_sees_the_status_but_no_report_content(
    app: Flask, init_result: InitResult
) -> None:
    new_staff(app, init_result, "baru", {"intake"}, key_access=False)
    description = marker("DESC")
    _reporter, case_id = reporter_files(
        app, f"Uraian rahasia {description}", evidence=(io.BytesIO(EVIDENCE), "rahasia.pdf")
    )
    newcomer = officer(app, "baru")

    queue = newcomer.get("/admin/cases").get_data(as_text=True)
    assert "Your account has no access to report content yet" in html.unescape(queue)
    with database(app).session() as session:
        received_on = session.get_one(Case, case_id).received_on
    assert case_reference(case_id, received_on) in queue

    page = case_page(newcomer, case_id)
    assert "<dt>Status</dt><dd><strong>Received</strong></dd>" in page
    assert "You can see the case's status, but not what the reporter wrote." in page
    assert description not in page and "rahasia.pdf" not in page
    assert newcomer.get(f"/admin/cases/{case_id}/attachments/1").status_code == 404
    # Actions that write encrypted text cannot be done without the key.
    refused(
        act(newcomer, case_id, "note", note="x"),
        400,
        "Your account has no access to report content yet",
    )


# --- the queue -----------------------------------------------------------------------------


def insert_cases(app: Flask, settings: Settings, specs: list[dict[str, object]]) -> list[int]:
    """Cases written straight through wbs.intake (fast), then given the plain fields in
    ``spec`` (status, due_on, assignee_id, ...)."""
    ids = []
    with app.app_context():
        pepper = server_keys().tracking_pepper
    with database(app).session() as session:
        keys = load_intake_keys(session, pepper, FAST_ARGON2)
        for spec in specs:
            spec = dict(spec)
            content = ReportContent(
                category=str(spec.pop("category", "pungli")),
                agency=str(spec.pop("agency", "DINKES")),
                description="Laporan uji antrean.",
            )
            _code, code_keys = new_code(keys)
            case = insert_report(session, keys, code_keys, content, [], settings.today(), 10**7)
            for name, value in spec.items():
                setattr(case, name, value)
            session.flush()
            ids.append(case.id)
    return ids


def test_queue_shows_reference_due_date_and_the_overdue_flag(
    app: Flask, init_result: InitResult, settings: Settings
) -> None:
    _reporter, case_id = reporter_files(app, "Uang pelicin untuk izin usaha.")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    case = case_row(app, case_id)
    # Filing starts the acknowledge clock.
    assert case.due_on is not None and case.due_on >= settings.today()
    page = html.unescape(supervisor.get("/admin/cases").get_data(as_text=True))
    assert case_reference(case_id, case.received_on) in page
    assert format_date(case.due_on, "medium", locale="en") in page
    assert 'class="overdue"' not in page and '<strong class="flag">' not in page

    late = settings.today() - timedelta(days=3)
    with database(app).session() as session:
        session.get_one(Case, case_id).due_on = late
    page = html.unescape(supervisor.get("/admin/cases").get_data(as_text=True))
    assert format_date(late, "medium", locale="en") in page
    row = re.search(r'<tr class="overdue">(.*?)</tr>', page, re.S)
    assert row and case_reference(case_id, case.received_on) in row.group(1)
    assert '<strong class="flag">Overdue</strong>' in row.group(1)
    assert queue_ids(supervisor, "?overdue=1") == [case_id]


def test_queue_filters(app: Flask, init_result: InitResult, settings: Settings) -> None:
    me = admin_id(app)
    with database(app).session() as session:
        agency = dict(session.execute(select(Agency.code, Agency.id)).all())
        category = dict(session.execute(select(Category.code, Category.id)).all())
    today = settings.today()
    past, future = today - timedelta(days=2), today + timedelta(days=5)
    ids = insert_cases(
        app,
        settings,
        [
            {"status": "triage", "agency": "DINKES", "category": "suap", "due_on": past},
            {"status": "triage", "agency": "DISDIK", "category": "pungli", "due_on": future},
            {"status": "investigation", "agency": "DINKES", "category": "pungli",
             "due_on": future, "assignee_id": me},
            {"status": "received", "agency": "RSUD", "category": "suap", "due_on": past,
             "assignee_id": me},
            {"status": "closed", "agency": "DINKES", "category": "pungli", "due_on": None},
        ],
    )  # fmt: skip
    triage_late, triage_disdik, investigation_mine, received_mine, closed = ids
    supervisor = officer(app, "admin", ADMIN_PASSWORD)

    assert sorted(queue_ids(supervisor)) == sorted(ids[:4])  # open cases by default
    assert sorted(queue_ids(supervisor, "?status=")) == sorted(ids)
    assert queue_ids(supervisor, "?status=closed") == [closed]
    assert sorted(queue_ids(supervisor, "?status=triage")) == [triage_late, triage_disdik]
    assert sorted(queue_ids(supervisor, f"?agency={agency['DINKES']}")) == [
        triage_late,
        investigation_mine,
    ]
    assert sorted(queue_ids(supervisor, f"?category={category['suap']}")) == [
        triage_late,
        received_mine,
    ]
    assert sorted(queue_ids(supervisor, "?assignee=me")) == [investigation_mine, received_mine]
    assert sorted(queue_ids(supervisor, "?assignee=none")) == [triage_late, triage_disdik]
    assert sorted(queue_ids(supervisor, "?overdue=1")) == [triage_late, received_mine]
    assert sorted(queue_ids(supervisor, f"?due={today.isoformat()}")) == [
        triage_late,
        received_mine,
    ]
    assert sorted(queue_ids(supervisor, f"?due={future.isoformat()}")) == sorted(ids[:4])
    # Received on: every case here was received today.
    assert sorted(queue_ids(supervisor, f"?from={today.isoformat()}")) == sorted(ids[:4])
    assert queue_ids(supervisor, f"?until={(today - timedelta(days=1)).isoformat()}") == []
    # Filters combine.
    assert queue_ids(supervisor, f"?overdue=1&agency={agency['DINKES']}") == [triage_late]
    assert queue_ids(supervisor, "?status=investigation&assignee=me") == [investigation_mine]
    # Earliest due first.
    assert queue_ids(supervisor, "?status=triage") == [triage_late, triage_disdik]


def test_queue_pages_return_every_case_once_in_due_date_order(
    app: Flask, init_result: InitResult, settings: Settings
) -> None:
    today = settings.today()
    # 120 cases; many share a due date (ties are broken by id) and some have no clock.
    specs: list[dict[str, object]] = [
        {
            "status": "triage",
            "due_on": None if n % 9 == 0 else today + timedelta(days=(n * 7) % 13 - 4),
            "agency": ("DINKES", "DISDIK", "RSUD")[n % 3],
        }
        for n in range(120)
    ]
    ids = insert_cases(app, settings, specs)
    due = {case_id: spec["due_on"] for case_id, spec in zip(ids, specs, strict=True)}
    supervisor = officer(app, "admin", ADMIN_PASSWORD)

    def crawl(query: str) -> list[int]:
        seen: list[int] = []
        url: str | None = f"/admin/cases{query}"
        while url is not None:
            response = supervisor.get(url)
            assert response.status_code == 200
            text = response.get_data(as_text=True)
            seen.extend(int(found) for found in _CASE_LINK.findall(text))
            following = _NEXT_PAGE.search(text)
            url = html.unescape(following.group(1)) if following else None
            assert len(seen) <= len(ids), "the pages do not end"
        return seen

    def by_due(case_id: int) -> tuple[bool, date, int]:
        value = due[case_id]
        return (value is None, value or date.max, case_id)

    seen = crawl("")
    assert len(seen) == len(set(seen)) == 120
    assert seen == sorted(ids, key=by_due)
    assert crawl("?sort=received") == sorted(ids, reverse=True)
    with database(app).session() as session:
        dinkes = session.scalars(select(Agency.id).where(Agency.code == "DINKES")).one()
    wanted = [
        case_id for case_id, spec in zip(ids, specs, strict=True) if spec["agency"] == "DINKES"
    ]
    assert crawl(f"?agency={dinkes}") == sorted(wanted, key=by_due)


def test_a_tampered_page_cursor_shows_the_first_page(
    app: Flask, init_result: InitResult, settings: Settings
) -> None:
    ids = insert_cases(app, settings, [{"status": "triage"}, {"status": "triage"}])
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    first = queue_ids(supervisor)
    assert sorted(first) == ids
    for values in (["not-a-date", 1], ["2026-01-01", "abc"], [None, [1]], [5, 1], [None, 10**20]):
        cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        for sort in ("due", "received"):
            assert sorted(queue_ids(supervisor, f"?sort={sort}&after={cursor}")) == ids, values


def test_numbers_too_large_for_an_id_are_not_found_not_a_crash(
    app: Flask, init_result: InitResult
) -> None:
    _reporter, case_id = reporter_files(app, "Pungutan liar di loket kecamatan.")
    supervisor = officer(app, "admin", ADMIN_PASSWORD)
    huge = "9" * 20
    assert supervisor.get(f"/admin/cases/{huge}").status_code == 404
    assert supervisor.get(f"/admin/cases/{case_id}/attachments/{huge}").status_code == 404
    for query in (f"agency={huge}", f"category={huge}", f"assignee={huge}", f"reference={huge}"):
        response = supervisor.get(f"/admin/cases?{query}")
        assert response.status_code == 200, query
    refused = act(supervisor, case_id, "assign", assignee=huge)
    assert refused.status_code == 400
