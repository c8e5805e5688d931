"""The integrity link page (issue 5; DOMAIN.md, "Integrity link" [D]): WBS findings
weighted by severity, follow-up rate and cases past deadline beside the official SAKIP
score, and the integrity-adjusted ranking with its formula and inputs. Every WBS count is
small-cell protected; the figures are worked out by hand in the fixture's docstring.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from werkzeug.test import TestResponse

from tests.sakip_helpers import agency_account, agency_id, staff_account
from tests.staff_helpers import csrf_token
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, AgencyYear, AuditEntry, Case, Category, SakipEvaluation, UnitKey

NOW = datetime(2026, 11, 23, 9, 0)


def text(page: str | TestResponse) -> str:
    if isinstance(page, TestResponse):
        page = page.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> TestResponse:
    return client.post(
        path, data={"csrf_token": csrf_token(client, "/admin/account"), **(data or {})}
    )


def substantiated(
    agency: str, received: str, severity: str, *, done: bool = False
) -> dict[str, Any]:
    """A substantiated case, closed once its follow-up is done (else in follow-up)."""
    received_on = date.fromisoformat(received)
    return {
        "agency": agency,
        "received_on": received,
        "status": "closed" if done else "follow_up",
        "outcome": "substantiated",
        "severity": severity,
        "follow_up_done_on": received_on + timedelta(days=60) if done else None,
    }


def open_case(agency: str, due: str) -> dict[str, Any]:
    """An open case under investigation, received in 2025, due on ``due``."""
    return {"agency": agency, "received_on": "2025-06-02", "status": "investigation", "due_on": due}


def add_cases(app: Flask, cases: list[dict[str, Any]]) -> None:
    """Cases with plain metadata only: the integrity link reads nothing else (no sealed
    key, no body)."""
    with database(app).session() as session:
        agencies = dict(session.execute(select(Agency.code, Agency.id)).all())
        category = session.scalars(select(Category.id)).first()
        unit_key = session.scalars(select(UnitKey.id)).first()
        rows = []
        for case in cases:
            row = {key: value for key, value in case.items() if key != "agency"}
            row["received_on"] = date.fromisoformat(case["received_on"])
            if isinstance(row.get("due_on"), str):
                row["due_on"] = date.fromisoformat(row["due_on"])
            rows.append(
                {
                    "agency_id": agencies[case["agency"]],
                    "category_id": category,
                    "unit_key_id": unit_key,
                    "paused_days": 0,
                    **row,
                }
            )
        session.execute(insert(Case), rows)


def official(app: Flask, code: str, year: int, score: str | None, predicate: str | None) -> None:
    with database(app).session() as session:
        session.add(
            SakipEvaluation(
                agency_id=agency_id(app, code),
                year=year,
                template="88/2021",
                evaluator="inspektorat",
                score=None if score is None else Decimal(score),
                predicate=predicate,
                status="draft" if score is None else "final",
                summary="",
                updated_at=NOW,
            )
        )


def integrity_fixture(app: Flask) -> None:
    """Reports received in 2026, substantiated:

    - DINKES: ringan 4 (2 done), sedang 3 (2 done): 7, follow-up done 4 (57.1 %);
      weighted 4 × 1 + 3 × 3 = 13.
    - DISDIK: ringan 1, berat 1: 2, none done: "< 3".
    - RSUD: ringan 3, all done.

    The substantiated column adds up to 12 (published on the dashboard); DISDIK's "< 3"
    would be 12 − 7 − 3 = 2, so RSUD's 3 (the smallest shown) is hidden too: "x".

    Open cases past their deadline (received 2025): DINKES 1 ("< 3"), DISDIK 3, hidden
    ("x") because the total 4 would give DINKES's 1 back; DINKES's case due in 2099 is
    not late.

    Official 2026 scores: DINKES 67.53 B, BAPPEDA 72.00 BB, DISDIK 70.10 BB, SETDA 75.00
    BB (final); DISDUKCAPIL a draft; RSUD none.
    """
    add_cases(
        app,
        [
            *(
                substantiated("DINKES", f"2026-0{m}-10", "ringan", done=m <= 2)
                for m in (1, 2, 3, 4)
            ),
            *(substantiated("DINKES", f"2026-0{m}-20", "sedang", done=m <= 2) for m in (1, 2, 3)),
            substantiated("DISDIK", "2026-04-01", "ringan"),
            substantiated("DISDIK", "2026-05-01", "berat"),
            *(substantiated("RSUD", f"2026-0{m}-05", "ringan", done=True) for m in (6, 7, 8)),
            open_case("DINKES", "2020-01-01"),
            open_case("DINKES", "2099-01-01"),
            *(open_case("DISDIK", "2020-01-01") for _ in range(3)),
        ],
    )
    official(app, "DINKES", 2026, "67.53", "B")
    official(app, "BAPPEDA", 2026, "72.00", "BB")
    official(app, "DISDIK", 2026, "70.10", "BB")
    official(app, "SETDA", 2026, "75.00", "BB")
    official(app, "DISDUKCAPIL", 2026, None, None)


def staff_counts(client: FlaskClient, app: Flask, counts: dict[str, str]) -> TestResponse:
    data = {f"staff_{agency_id(app, code)}": value for code, value in counts.items()}
    return post(client, "/sakip/integrity/staff?year=2026", data)


def test_the_integrity_ranking_shows_formula_inputs_and_the_official_score_unchanged(
    app: Flask, init_result: InitResult
) -> None:
    integrity_fixture(app)
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    # Staff counts as typed: "2.600" is two thousand six hundred in Indonesian.
    saved = staff_counts(
        sakip, app, {"DINKES": "2.600", "BAPPEDA": "300", "DISDIK": "1000", "RSUD": "900"}
    )
    assert saved.status_code == 303
    with database(app).session() as session:
        found = session.get(AgencyYear, (agency_id(app, "DINKES"), 2026))
        assert found is not None and found.staff_count == 2600

    page = text(sakip.get("/sakip/integrity?year=2026"))
    assert (
        "Integrity-adjusted score = SAKIP score − min(10, findings per 1,000 staff × 2)"
        " × (1 − follow-up rate ÷ 2)." in page
    )
    assert "(ringan 1, sedang 3, berat 5)" in page
    # BAPPEDA: no substantiated case, no penalty: 72.00 stays 72.00, rank 1.
    assert (
        "1 Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah 72.00 BB 0 300"
        " 0.00 — 0.00 72.00" in page
    )
    # DINKES: 13 × 1,000 ÷ 2,600 = 5.00 per 1,000 staff; × 2 = 10, the cap; follow-up
    # 4 ÷ 7 = 57.1 %; penalty 10 × (1 − (4/7) ÷ 2) = 10 × 5/7 = 7.14;
    # 67.53 − 7.142857… = 60.39. The official 67.53 B is shown as it is.
    assert "2 Dinas Kesehatan 67.53 B 13 2,600 5.00 57.1 % 7.14 60.39" in page
    # DISDIK's counts are "< 3": no adjusted score, since it would give them back.
    assert (
        "— Dinas Pendidikan dan Kebudayaan 70.10 BB x 1,000 — — — not shown: a WBS count is hidden"
        in page
    )
    assert "— Rumah Sakit Umum Daerah — — x 900 — — — not shown: no final SAKIP score" in page
    assert "— Sekretariat Daerah 75.00 BB 0 missing — — — not shown: no staff count" in page
    assert (
        "Dinas Kependudukan dan Pencatatan Sipil — — 0 missing — — — not shown: no final SAKIP score"
        in page
    )
    assert "would give the hidden count back" in page
    # The WBS table: substantiated, ringan, sedang, berat, follow-up done, past deadline.
    assert "Dinas Kesehatan 7 4 3 0 4 < 3" in page
    assert "Dinas Pendidikan dan Kebudayaan < 3 < 3 0 < 3 0 x" in page
    assert "Rumah Sakit Umum Daerah x 3 0 0 3 0" in page
    # Never changed: the stored official score.
    with database(app).session() as session:
        scores = dict(
            session.execute(
                select(SakipEvaluation.agency_id, SakipEvaluation.score).where(
                    SakipEvaluation.year == 2026
                )
            ).all()
        )
    assert scores[agency_id(app, "DINKES")] == Decimal("67.53")
    assert scores[agency_id(app, "BAPPEDA")] == Decimal("72.00")
    # Without DINKES's staff count, DINKES drops out of the ranking.
    staff_counts(sakip, app, {"DINKES": "", "BAPPEDA": "300", "DISDIK": "1000", "RSUD": "900"})
    page = text(sakip.get("/sakip/integrity?year=2026"))
    assert "— Dinas Kesehatan 67.53 B 13 missing — 57.1 % — not shown: no staff count" in page


def test_staff_counts_are_entered_by_sakip_officers_only(
    app: Flask, init_result: InitResult
) -> None:
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    form = text(sakip.get("/sakip/integrity/staff?year=2026"))
    assert "Dinas Kesehatan" in form and "Kecamatan Utara" in form
    refused = staff_counts(
        sakip, app, {"DINKES": "banyak", "DISDIK": "0", "BAPPEDA": "12,5", "RSUD": "900"}
    )
    assert refused.status_code == 400
    assert text(refused).count("Enter a whole number of staff, for example 1.250.") == 3
    assert 'value="banyak"' in refused.get_data(as_text=True)
    with database(app).session() as session:
        assert session.scalars(select(AgencyYear)).first() is None
    assert staff_counts(sakip, app, {"RSUD": "900"}).status_code == 303
    assert 'value="900"' in sakip.get("/sakip/integrity/staff?year=2026").get_data(as_text=True)
    with database(app).session() as session:
        assert "sakip.staff_counts_saved" in session.scalars(select(AuditEntry.action)).all()
    for roles in ({"leadership"}, {"supervisor"}, {"admin"}):
        reader = staff_account(app, init_result, f"reader_{min(roles)}", roles)
        assert reader.get("/sakip/integrity/staff?year=2026").status_code == 403
        assert reader.get("/sakip/integrity?year=2026").status_code == 200
    staff = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    assert staff.get("/sakip/integrity/staff?year=2026").status_code == 403
    assert staff_counts(staff, app, {"DINKES": "5000"}).status_code == 403


def test_agency_accounts_see_their_own_row_only(app: Flask, init_result: InitResult) -> None:
    integrity_fixture(app)
    head = agency_account(app, init_result, "kadinkes", {"agency_head"}, "DINKES")
    page = text(head.get("/sakip/integrity?year=2026"))
    assert "Dinas Kesehatan 67.53 B 13 missing" in page
    assert "Dinas Kesehatan 7 4 3 0 4 < 3" in page
    assert "Pendidikan" not in page and "Badan Perencanaan" not in page
    assert "Rank" not in page
    other = agency_account(app, init_result, "kadisdik", {"agency_staff"}, "DISDIK")
    page = text(other.get("/sakip/integrity?year=2026"))
    assert "Dinas Pendidikan dan Kebudayaan < 3 < 3 0 < 3 0 x" in page
    assert "Dinas Kesehatan" not in page
    # An agency account without an agency sees nothing; case roles no e-SAKIP at all.
    orphan = staff_account(app, init_result, "operator", {"agency_staff"})
    assert orphan.get("/sakip/integrity?year=2026").status_code == 404
    intake = staff_account(app, init_result, "verifikator", {"intake"})
    assert intake.get("/sakip/integrity?year=2026").status_code == 403
    investigator = staff_account(app, init_result, "pemeriksa", {"investigator"})
    assert investigator.get("/sakip/integrity?year=2026").status_code == 403
