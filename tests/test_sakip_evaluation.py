"""The yearly SAKIP evaluation through its pages (issue 5): scores typed by the
evaluator, total and predicate (PermenPANRB 88/2021), finalise and reopen, LHE findings,
the Pemda's result from KemenPANRB, the year-over-year change, the WBS findings in the
evaluation record, the risk register, and who may do what. Every figure is worked out by
hand in the comments.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from werkzeug.test import TestResponse

from tests.sakip_helpers import agency_account, agency_id, staff_account
from tests.staff_helpers import csrf_token
from tests.test_sakip_integrity import add_cases, substantiated
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import AuditEntry, EvaluationScore, RiskEntry, SakipEvaluation
from wbs.sakip.data.evaluations import band_ranges, risk_level

NOW = datetime(2026, 11, 23, 9, 0)

# PermenPANRB 88/2021, in LKE order: perencanaan 6 / 9 / 15, pengukuran 6 / 9 / 15,
# pelaporan 3 / 4.5 / 7.5, evaluasi internal 5 / 7.5 / 12.5.
# 2026: 5 + 6.5 + 10 = 21.5; 4.5 + 6 + 9.5 = 20; 2.5 + 3 + 5 = 10.5;
# 3 + 4.53 + 8 = 15.53. Total 21.5 + 20 + 10.5 + 15.53 = 67.53 → B (above 60, up to 70).
# Typed as Indonesians write them (decimal comma) and as spreadsheets do (point).
SCORES_2026 = ["5", "6,5", "10", "4.5", "6", "9,5", "2,5", "3", "5", "3", "4,53", "8"]
# 2025: the same but evaluasi internal 3 + 4.45 + 6 = 13.45, total 65.45 → B.
SCORES_2025 = ["5", "6.5", "10", "4.5", "6", "9.5", "2.5", "3", "5", "3", "4.45", "6"]
# Full marks except perencanaan.pemanfaatan 0 (−15) and pengukuran.pemanfaatan 10 (−5):
# exactly 80.00, which is BB (the lower bound of A is excluded); 10.01 makes 80.01, A.
SCORES_80 = ["6", "9", "0", "6", "9", "10", "3", "4,5", "7,5", "5", "7,5", "12,5"]


def text(page: str | TestResponse) -> str:
    if isinstance(page, TestResponse):
        page = page.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> TestResponse:
    """POST with the CSRF token of the client's session (read from the e-SAKIP home)."""
    return client.post(
        path, data={"csrf_token": csrf_token(client, "/admin/account"), **(data or {})}
    )


def scores(values: list[str], notes: dict[int, str] | None = None) -> dict[str, str]:
    data = {f"score_{index}": value for index, value in enumerate(values)}
    for index, note in (notes or {}).items():
        data[f"note_{index}"] = note
    return data


def start(client: FlaskClient, agency: int, year: int, template: str = "88/2021") -> int:
    """Open the agency's evaluation for the year; the evaluation's id."""
    response = post(
        client, f"/sakip/agencies/{agency}/evaluation", {"year": str(year), "template": template}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.search(r"/sakip/evaluations/(\d+)/scores", response.headers["Location"])
    assert found
    return int(found.group(1))


def evaluate(client: FlaskClient, agency: int, year: int, values: list[str]) -> int:
    evaluation = start(client, agency, year)
    assert (
        post(client, f"/sakip/evaluations/{evaluation}/scores", scores(values)).status_code == 303
    )
    assert post(client, f"/sakip/evaluations/{evaluation}/finalise").status_code == 303
    return evaluation


def stored(app: Flask, evaluation: int) -> tuple[Decimal | None, str | None, str]:
    with database(app).session() as session:
        found = session.get(SakipEvaluation, evaluation)
        assert found is not None
        return found.score, found.predicate, found.status


def actions(app: Flask) -> list[str]:
    with database(app).session() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# --- scores, total, predicate, finalise and reopen ----------------------------------------------


def test_the_evaluator_scores_an_agency_and_reads_total_and_predicate(
    app: Flask, init_result: InitResult
) -> None:
    dinkes = agency_id(app, "DINKES")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "No SAKIP evaluation of this agency for 2026 yet." in page
    evaluation = start(sakip, dinkes, 2026)
    form = sakip.get(f"/sakip/evaluations/{evaluation}/scores").get_data(as_text=True)
    assert "Score (0 to 4.5)" in form and "Pemanfaatan" in form

    # A draft with one sub-component left empty: no total, no predicate, the gap named.
    draft = SCORES_2026[:-1] + [""]
    saved = post(
        sakip,
        f"/sakip/evaluations/{evaluation}/scores",
        scores(draft, {0: "Renstra lengkap", 11: "Belum ada evaluasi"}),
    )
    assert saved.status_code == 303
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "Draft: 1 of 12 sub-components have no score yet" in page
    assert "Evaluasi Akuntabilitas Kinerja Internal – Pemanfaatan" in page
    assert "Renstra lengkap" in page and "Belum ada evaluasi" in page
    assert "Predicate: B" not in page
    # Component scores: perencanaan 21.50, evaluasi internal has none yet.
    assert "Perencanaan Kinerja 30 21.50" in page

    # Finalising a draft with a missing score is refused, and nothing is stored.
    refused = post(sakip, f"/sakip/evaluations/{evaluation}/finalise")
    assert refused.status_code == 400
    assert "1 sub-components have no score yet" in text(refused)
    assert stored(app, evaluation) == (None, None, "draft")

    # The last score: 67.53, predicate B, not final until finalised.
    assert (
        post(sakip, f"/sakip/evaluations/{evaluation}/scores", scores(SCORES_2026)).status_code
        == 303
    )
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "Total score: 67.53 · Predicate: B (Baik)" in page
    assert "Not final yet" in page
    assert "Evaluasi Akuntabilitas Kinerja Internal 25 15.53" in page
    assert post(sakip, f"/sakip/evaluations/{evaluation}/finalise").status_code == 303
    assert stored(app, evaluation) == (Decimal("67.53"), "B", "final")
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "Status: final" in page and "Total score: 67.53 · Predicate: B (Baik)" in page

    # Final: the scores cannot change without reopening.
    assert sakip.get(f"/sakip/evaluations/{evaluation}/scores").status_code == 303
    changed = post(sakip, f"/sakip/evaluations/{evaluation}/scores", scores(SCORES_80))
    assert changed.status_code == 303
    assert "This evaluation is final. Reopen it" in text(sakip.get(changed.headers["Location"]))
    assert stored(app, evaluation) == (Decimal("67.53"), "B", "final")

    # Reopening is explicit and audited; the draft has no official result until finalised.
    assert post(sakip, f"/sakip/evaluations/{evaluation}/reopen").status_code == 303
    assert stored(app, evaluation) == (None, None, "draft")
    assert (
        post(sakip, f"/sakip/evaluations/{evaluation}/scores", scores(SCORES_80)).status_code == 303
    )
    assert post(sakip, f"/sakip/evaluations/{evaluation}/finalise").status_code == 303
    assert stored(app, evaluation) == (Decimal("80.00"), "BB", "final")
    trail = actions(app)
    for action in (
        "sakip.evaluation_created",
        "sakip.evaluation_scores_saved",
        "sakip.evaluation_finalised",
        "sakip.evaluation_reopened",
    ):
        assert action in trail
    assert trail.count("sakip.evaluation_finalised") == 2
    with database(app).session() as session:
        details = list(
            session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action.like("sakip.evaluation%"))
            )
        )
    assert all("Renstra" not in detail for detail in details)


def test_80_00_is_bb_and_80_01_is_a_on_the_page(app: Flask, init_result: InitResult) -> None:
    dinkes = agency_id(app, "DINKES")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    evaluation = start(sakip, dinkes, 2026)
    post(sakip, f"/sakip/evaluations/{evaluation}/scores", scores(SCORES_80))
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "Total score: 80.00 · Predicate: BB (Sangat Baik)" in page
    above = SCORES_80[:5] + ["10,01"] + SCORES_80[6:]
    post(sakip, f"/sakip/evaluations/{evaluation}/scores", scores(above))
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "Total score: 80.01 · Predicate: A (Memuaskan)" in page
    # The scale is shown with its excluded lower bounds.
    assert "A above 80.00 (Memuaskan)" in page


def test_bad_scores_are_refused_with_everything_typed_kept(
    app: Flask, init_result: InitResult
) -> None:
    dinkes = agency_id(app, "DINKES")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    evaluation = start(sakip, dinkes, 2026)
    typed = scores(["7", "abc", "4,555"] + SCORES_2026[3:], {0: "Catatan evaluator"})
    response = post(sakip, f"/sakip/evaluations/{evaluation}/scores", typed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a score from 0 to 6." in page  # perencanaan.pemenuhan weighs 6
    assert "Enter a number, for example 4,5." in page
    assert "Use at most two decimals." in page
    assert 'value="abc"' in page and "Catatan evaluator" in page and 'value="4,53"' in page
    with database(app).session() as session:
        assert session.scalars(select(EvaluationScore)).first() is None


def test_the_legacy_12_2015_template_is_kept_for_older_years(
    app: Flask, init_result: InitResult
) -> None:
    dinkes = agency_id(app, "DINKES")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    evaluation = start(sakip, dinkes, 2019, "12/2015")
    form = text(sakip.get(f"/sakip/evaluations/{evaluation}/scores"))
    assert "Capaian Kinerja" in form and "Kinerja yang Dilaporkan (Outcome)" in form
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2019"))
    assert "PermenPANRB 12/2015 (legacy template)" in page
    assert "Draft: 17 of 17 sub-components have no score yet" in page


# --- years ---------------------------------------------------------------------------------------


def test_year_over_year_on_the_agency_page_and_for_every_agency(
    app: Flask, init_result: InitResult
) -> None:
    dinkes, disdik = agency_id(app, "DINKES"), agency_id(app, "DISDIK")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    evaluate(sakip, dinkes, 2025, SCORES_2025)
    evaluate(sakip, dinkes, 2026, SCORES_2026)
    started = start(sakip, disdik, 2026)
    post(sakip, f"/sakip/evaluations/{started}/scores", scores(SCORES_2026[:4]))
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    # 67.53 − 65.45 = +2.08; B both years.
    assert "2026 67.53 B (Baik) 65.45 → 67.53 (+2.08), B → B: predicate unchanged" in page
    assert "2025 65.45 B (Baik) no result the year before" in page

    leader = staff_account(app, init_result, "bupati", {"leadership"})
    overview = text(leader.get("/sakip/evaluations?year=2026"))
    assert "Dinas Kesehatan final 67.53 B (Baik) 65.45 → 67.53 (+2.08), B → B" in overview
    assert "Dinas Pendidikan dan Kebudayaan draft (4 of 12 scored) — —" in overview
    assert "Sekretariat Daerah not started" in overview
    assert "Pemda (evaluated by KemenPANRB) not recorded" in overview


def test_the_pemda_wide_page_takes_a_few_queries_whatever_the_number_of_agencies(
    app: Flask, init_result: InitResult
) -> None:
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    evaluate(sakip, agency_id(app, "DINKES"), 2026, SCORES_2026)

    def statements() -> int:
        with counted(app) as count:
            assert sakip.get("/sakip/evaluations?year=2026").status_code == 200
        return count[0]

    few = statements()
    for code in ("DISDIK", "SETDA", "RSUD", "BPKAD"):
        evaluate(sakip, agency_id(app, code), 2025, SCORES_2025)
        evaluate(sakip, agency_id(app, code), 2026, SCORES_2026)
    assert statements() == few


@contextmanager
def counted(app: Flask) -> Iterator[list[int]]:
    count = [0]
    engine = database(app).engine

    def on_execute(*_args: object) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def test_the_pemda_result_from_kemenpanrb_is_entered_with_its_predicate(
    app: Flask, init_result: InitResult
) -> None:
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    assert "No result from KemenPANRB recorded for 2026." in text(
        sakip.get("/sakip/pemda/evaluation?year=2026")
    )
    assert (
        post(
            sakip,
            "/sakip/pemda/evaluation/result?year=2025",
            {"score": "65,45", "template": "88/2021"},
        ).status_code
        == 303
    )
    refused = post(
        sakip, "/sakip/pemda/evaluation/result?year=2026", {"score": "100,5", "template": "88/2021"}
    )
    assert refused.status_code == 400 and "Enter a score from 0 to 100." in text(refused)
    assert 'value="100,5"' in refused.get_data(as_text=True)
    saved = post(
        sakip,
        "/sakip/pemda/evaluation/result?year=2026",
        {"score": "67.53", "template": "88/2021", "summary": "LHE KemenPANRB 2026"},
    )
    assert saved.status_code == 303
    page = text(sakip.get("/sakip/pemda/evaluation?year=2026"))
    assert "Total score: 67.53 · Predicate: B (Baik)" in page and "LHE KemenPANRB 2026" in page
    assert "2026 67.53 B (Baik) 65.45 → 67.53 (+2.08), B → B: predicate unchanged" in page
    # A correction replaces the result (audited), never adds a second one.
    post(sakip, "/sakip/pemda/evaluation/result?year=2026", {"score": "80", "template": "88/2021"})
    with database(app).session() as session:
        rows = session.execute(
            select(
                SakipEvaluation.score, SakipEvaluation.predicate, SakipEvaluation.evaluator
            ).where(SakipEvaluation.agency_id.is_(None), SakipEvaluation.year == 2026)
        ).all()
    assert rows == [(Decimal("80.00"), "BB", "kemenpanrb")]
    assert actions(app).count("sakip.pemda_result_saved") == 3
    overview = text(sakip.get("/sakip/evaluations?year=2026"))
    assert (
        "Pemda (evaluated by KemenPANRB) final 80.00 BB (Sangat Baik) 65.45 → 80.00 (+14.55), B → BB"
        in overview
    )
    # KemenPANRB's LHE findings are tracked the same way.
    with database(app).session() as session:
        pemda_id = session.scalars(
            select(SakipEvaluation.id).where(
                SakipEvaluation.agency_id.is_(None), SakipEvaluation.year == 2026
            )
        ).one()
    added = post(
        sakip,
        f"/sakip/evaluations/{pemda_id}/findings/new",
        {"finding": "Cascading belum sampai individu", "follow_up": "open"},
    )
    assert added.status_code == 303
    assert "Cascading belum sampai individu" in text(sakip.get("/sakip/pemda/evaluation?year=2026"))
    leader = staff_account(app, init_result, "bupati", {"leadership"})
    assert leader.get("/sakip/pemda/evaluation?year=2026").status_code == 200
    assert leader.get("/sakip/pemda/evaluation/result?year=2026").status_code == 403


# --- LHE findings --------------------------------------------------------------------------------


def test_lhe_findings_with_recommendation_and_follow_up(
    app: Flask, init_result: InitResult
) -> None:
    dinkes = agency_id(app, "DINKES")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    evaluation = evaluate(sakip, dinkes, 2026, SCORES_2026)
    missing = post(
        sakip,
        f"/sakip/evaluations/{evaluation}/findings/new",
        {"recommendation": "Susun ulang IKU"},
    )
    assert missing.status_code == 400 and "Describe the finding." in text(missing)
    assert "Susun ulang IKU" in missing.get_data(as_text=True)
    added = post(
        sakip,
        f"/sakip/evaluations/{evaluation}/findings/new",
        {
            "finding": "IKU belum selaras dengan Renstra",
            "recommendation": "Susun ulang IKU",
            "follow_up": "open",
            "due_on": "2020-03-31",
        },
    )
    assert added.status_code == 303
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "IKU belum selaras dengan Renstra Susun ulang IKU open 2020-03-31 past due" in page
    finding = re.search(
        rf"/sakip/evaluations/{evaluation}/findings/(\d+)",
        sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026").get_data(as_text=True),
    )
    assert finding
    # Follow-up is updated after the evaluation is final, without reopening it.
    done = post(
        sakip,
        finding.group(0),
        {
            "finding": "IKU belum selaras dengan Renstra",
            "recommendation": "Susun ulang IKU",
            "follow_up": "done",
            "follow_up_note": "IKU baru ditetapkan",
            "due_on": "2020-03-31",
        },
    )
    assert done.status_code == 303
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "done IKU baru ditetapkan 2020-03-31" in page and "past due" not in page
    assert stored(app, evaluation)[2] == "final"
    assert {"sakip.finding_added", "sakip.finding_saved"} <= set(actions(app))
    # Another evaluation's finding id does not open here.
    other = evaluate(sakip, agency_id(app, "DISDIK"), 2026, SCORES_2026)
    assert sakip.get(f"/sakip/evaluations/{other}/findings/{finding.group(1)}").status_code == 404


# --- WBS findings in the evaluation record --------------------------------------------------------


def test_substantiated_wbs_findings_appear_as_protected_aggregates(
    app: Flask, init_result: InitResult
) -> None:
    """DINKES, reports received in 2026: substantiated ringan 3 (2 with follow-up done),
    sedang 1 (done), berat 0: 4 substantiated, 3 done (75 %). Plus one not substantiated
    and one from 2025, which do not count.

    Protection (threshold 3): sedang 1 is "< 3"; the severities add up to 4, so ringan
    (the smallest shown non-zero) is hidden too ("x"); 4 and 3 are shown."""
    add_cases(
        app,
        [
            substantiated("DINKES", "2026-02-03", "ringan", done=True),
            substantiated("DINKES", "2026-03-09", "ringan", done=True),
            substantiated("DINKES", "2026-05-20", "ringan"),
            substantiated("DINKES", "2026-07-14", "sedang", done=True),
            {
                "agency": "DINKES",
                "received_on": "2026-08-01",
                "status": "closed",
                "outcome": "not_substantiated",
            },
            substantiated("DINKES", "2025-12-30", "berat"),
        ],
    )
    dinkes = agency_id(app, "DINKES")
    head = agency_account(app, init_result, "kadinkes", {"agency_head"}, "DINKES")
    page = text(head.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026"))
    assert "Substantiated WBS reports, severity Light (ringan) x Follow up under PP 94/2021" in page
    assert (
        "Substantiated WBS reports, severity Moderate (sedang) < 3 Follow up under PP 94/2021"
        in page
    )
    assert "Substantiated WBS reports, severity Severe (berat) 0" in page
    assert (
        "All substantiated WBS reports 4 Follow-up (tindak lanjut): done for 3 (75 %) · in progress"
        in page
    )
    # Nothing of a case crosses: no date, no reference, no content.
    raw = head.get(f"/sakip/agencies/{dinkes}/evaluation?year=2026").get_data(as_text=True)
    for date_text in ("2026-02-03", "2026-05-20", "2026-07-14", "2026-08-01"):
        assert date_text not in raw
    # 2025: the one berat case is "< 3".
    page = text(head.get(f"/sakip/agencies/{dinkes}/evaluation?year=2025"))
    assert "severity Severe (berat) < 3" in page
    assert "All substantiated WBS reports < 3 Follow-up (tindak lanjut): done for 0" in page


# --- risk register -------------------------------------------------------------------------------


def test_risk_levels_and_bands() -> None:
    # Level = likelihood × impact; bands 1-4 low, 5-9 medium, 10-16 high, 17-25 extreme.
    assert [(r.level, r.band) for r in (risk_level(1, 4), risk_level(1, 5), risk_level(3, 3))] == [
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
    ]
    assert (risk_level(2, 5).level, risk_level(2, 5).band) == (10, "high")
    assert (risk_level(4, 4).level, risk_level(4, 4).band) == (16, "high")
    assert (risk_level(4, 5).level, risk_level(4, 5).band) == (20, "extreme")
    assert band_ranges() == [("low", 1, 4), ("medium", 5, 9), ("high", 10, 16), ("extreme", 17, 25)]
    for bad in ((0, 3), (3, 6)):
        try:
            risk_level(*bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")


RISK = {
    "risk": "Keterlambatan pengadaan obat",
    "cause": "Katalog elektronik belum tayang",
    "likelihood": "4",
    "impact": "5",
    "mitigation": "Pengadaan dini di triwulan I",
    "owner": "Kepala Bidang Farmasi",
    "status": "open",
}


def test_agency_staff_keep_their_risk_register_and_the_head_reads_it(
    app: Flask, init_result: InitResult
) -> None:
    dinkes = agency_id(app, "DINKES")
    staff = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    base = f"/sakip/agencies/{dinkes}/risks"
    missing = post(staff, f"{base}/new?year=2026", {**RISK, "risk": ""})
    assert missing.status_code == 400 and "Describe the risk." in text(missing)
    assert "Katalog elektronik belum tayang" in missing.get_data(as_text=True)
    assert post(staff, f"{base}/new?year=2026", RISK).status_code == 303
    page = text(staff.get(f"{base}?year=2026"))
    # 4 × 5 = 20: extreme.
    assert (
        "Keterlambatan pengadaan obat Katalog elektronik belum tayang 4 – likely 5 – severe 20 extreme"
        in page
    )
    assert "low 1–4; medium 5–9; high 10–16; extreme 17–25" in page
    with database(app).session() as session:
        risk_id = session.scalars(select(RiskEntry.id)).one()
    # Mitigated: 2 × 2 = 4, low.
    edited = post(
        staff,
        f"{base}/{risk_id}",
        {**RISK, "likelihood": "2", "impact": "2", "status": "mitigated"},
    )
    assert edited.status_code == 303
    assert "2 – unlikely 2 – minor 4 low" in text(staff.get(f"{base}?year=2026"))
    assert "No risk recorded for 2025." in text(staff.get(f"{base}?year=2025"))

    head = agency_account(app, init_result, "kadinkes", {"agency_head"}, "DINKES")
    assert "4 low" in text(head.get(f"{base}?year=2026"))
    assert head.get(f"{base}/new?year=2026").status_code == 403
    assert post(head, f"{base}/{risk_id}/delete").status_code == 403
    other = agency_account(app, init_result, "operator2", {"agency_staff"}, "DISDIK")
    assert other.get(f"{base}?year=2026").status_code == 404
    assert post(other, f"{base}/{risk_id}", RISK).status_code == 404
    assert post(other, f"{base}/{risk_id}/delete").status_code == 404
    # A risk opens under its own agency only.
    disdik = agency_id(app, "DISDIK")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    assert sakip.get(f"/sakip/agencies/{disdik}/risks/{risk_id}").status_code == 404
    leader = staff_account(app, init_result, "bupati", {"leadership"})
    assert leader.get(f"{base}?year=2026").status_code == 200
    assert leader.get(f"{base}/new?year=2026").status_code == 403
    intake = staff_account(app, init_result, "verifikator", {"intake"})
    assert intake.get(f"{base}?year=2026").status_code == 403
    # SAKIP officers keep every register.
    assert post(sakip, f"{base}/{risk_id}/delete").status_code == 303
    with database(app).session() as session:
        assert session.scalars(select(RiskEntry)).first() is None
    assert {"sakip.risk_added", "sakip.risk_saved", "sakip.risk_deleted"} <= set(actions(app))


# --- who may do what -----------------------------------------------------------------------------


def test_evaluation_pages_are_reached_by_role_and_agency(
    app: Flask, init_result: InitResult
) -> None:
    dinkes, disdik = agency_id(app, "DINKES"), agency_id(app, "DISDIK")
    sakip = staff_account(app, init_result, "evaluator", {"sakip"})
    evaluation = evaluate(sakip, dinkes, 2026, SCORES_2026)
    page = f"/sakip/agencies/{dinkes}/evaluation?year=2026"

    head = agency_account(app, init_result, "kadinkes", {"agency_head"}, "DINKES")
    assert "Total score: 67.53" in text(head.get(page))
    staff = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    assert staff.get(page).status_code == 200
    for client in (head, staff):
        # Their own agency, but evaluating is the Inspektorat's.
        assert (
            post(
                client,
                f"/sakip/agencies/{dinkes}/evaluation",
                {"year": "2027", "template": "88/2021"},
            ).status_code
            == 403
        )
        assert post(client, f"/sakip/evaluations/{evaluation}/reopen").status_code == 403
        assert client.get(f"/sakip/evaluations/{evaluation}/findings/new").status_code == 403
        # Pages of the whole Pemda do not exist for them.
        assert client.get("/sakip/evaluations?year=2026").status_code == 404
        assert client.get("/sakip/pemda/evaluation?year=2026").status_code == 404
    other = agency_account(app, init_result, "kadisdik", {"agency_head"}, "DISDIK")
    assert other.get(page).status_code == 404
    assert other.get(f"/sakip/agencies/{disdik}/evaluation?year=2026").status_code == 200
    assert post(other, f"/sakip/evaluations/{evaluation}/reopen").status_code == 404
    assert other.get(f"/sakip/evaluations/{evaluation}/scores").status_code == 404
    assert post(other, f"/sakip/evaluations/{evaluation}/finalise").status_code == 404

    for role in ("leadership", "supervisor", "admin"):
        reader = staff_account(app, init_result, f"reader_{role}", {role})
        assert reader.get(page).status_code == 200
        assert reader.get("/sakip/evaluations?year=2026").status_code == 200
        assert reader.get(f"/sakip/evaluations/{evaluation}/scores").status_code == 403
        assert post(reader, f"/sakip/evaluations/{evaluation}/reopen").status_code == 403
        assert post(reader, f"/sakip/evaluations/{evaluation}/finalise").status_code == 403
    intake = staff_account(app, init_result, "verifikator", {"intake"})
    for path in (page, "/sakip/evaluations?year=2026", "/sakip/pemda/evaluation?year=2026"):
        assert intake.get(path).status_code == 403
    assert post(intake, f"/sakip/evaluations/{evaluation}/reopen").status_code == 403
    assert sakip.get("/sakip/agencies/999999/evaluation?year=2026").status_code == 404
    assert stored(app, evaluation) == (Decimal("67.53"), "B", "final")
