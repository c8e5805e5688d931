"""e-Kinerja month of an agency (issue 7): the figures per ASN and the agency's totals, worked
out by hand; the SQL aggregation gives what month_summary gives from every entry; who may
read the page; the box on the agency's e-SAKIP page. Data is written through the ORM."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import and_, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.kinerja_helpers import text
from tests.sakip_helpers import agency_account, agency_id, build_tree, logged_in, staff_account
from tests.staff_helpers import create_officer
from wbs.app_context import database, settings
from wbs.deadlines import WorkingCalendar
from wbs.installation import InitResult
from wbs.kinerja import data
from wbs.kinerja.monthly import EntryLine, PlanLine, month_summary
from wbs.models import (
    ActivityDay,
    ActivityEntry,
    ActivityPlan,
    AsnProfile,
    PerformanceNode,
)

MONTH = (2026, 11)
NOW = datetime(2026, 12, 1, 9, 0)
# November 2026 has no national holiday: the working days are 2-6, 9-13, 16-20, 23-27
# and 30, that is 21, all of them due once the month is over.
AFTER_THE_MONTH = date(2026, 12, 7)


def row(page: str, label: str) -> list[str]:
    """The cells of the table row that holds ``label``, as text."""
    for found in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        if label in text(found):
            return [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found, re.S)]
    raise AssertionError(f"no row with {label!r}")


def add_entries(
    session: Session,
    staff_id: int,
    agency: int,
    day: date,
    state: str,
    lines: list[tuple[str, str, str]],
) -> None:
    """A day in ``state`` with one entry per (quantity, unit, target key)."""
    session.add(
        ActivityDay(
            staff_id=staff_id, day=day, agency_id=agency, state=state, comment="", updated_at=NOW
        )
    )
    for quantity, unit, target_key in lines:
        session.add(
            ActivityEntry(
                staff_id=staff_id,
                day=day,
                agency_id=agency,
                activity="Kegiatan harian",
                quantity=Decimal(quantity),
                unit=unit,
                target_key=target_key,
                created_at=NOW,
            )
        )


def plan(session: Session, staff_id: int, target_key: str, unit: str, planned: str) -> None:
    session.add(
        ActivityPlan(
            staff_id=staff_id,
            year=MONTH[0],
            month=MONTH[1],
            target_key=target_key,
            unit=unit,
            planned=Decimal(planned),
            updated_at=NOW,
        )
    )


def hand_worked_agency(app: Flask, init_result: InitResult) -> dict[str, int]:
    """DINKES in November 2026 (21 due working days), indicator X "Cakupan imunisasi" and
    sub kegiatan N "1.02.02.2.01.01 Pelaksanaan imunisasi":

    - Ani (Pengelola Data), plan X 10 Dokumen. Approved: 2 Nov 3 Dokumen, 3 Nov 2, Saturday
      7 Nov 1 (counts as output, not as a day). Submitted: 4 Nov 1 Dokumen X and 4
      "Kegiatan" linked to nothing. Returned: 5 Nov 5 Dokumen (counts nowhere).
      Reported 2, 3, 4 Nov = 3; approved 2; missing 18; attendance 3/21 = 14.29 %;
      X realised 6 of 10 = 60 %, 1 pending; output 60 %.
    - Budi (Pengawas Lapangan), plan N 8 Kali and X 5 Dokumen. Approved 2-6 Nov, 2 Kali N
      each: reported 5, approved 5, missing 16, attendance 5/21 = 23.81 %; N 10 of 8 =
      125 % (100 in the mean), X 0 of 5 = 0 %: output (100 + 0) / 2 = 50 %.
    - Citra, no plan and no entry: 21 missing, attendance 0 %, no output percent.
    - Dodi of DISDIK with an approved day is not on DINKES's page.

    Agency: 3 ASN, due 63, reported 8, missing 55, approved 7, attendance 8/63 =
    12.70 %, output (60 + 50) / 2 = 55 %. Per target: X planned 15, realised 6, pending 1,
    40 %; N planned 8, realised 10, 125 %; unlinked Kegiatan: not planned, pending 4.
    """
    ids = build_tree(app)
    for name in ("ani", "budi", "citra", "dodi"):
        ids[name] = create_officer(app, init_result, name, {"asn"})
    dinkes, disdik = ids["agency"], agency_id(app, "DISDIK")
    x = f"ind:{ids['Cakupan imunisasi']}"
    with database(app).session() as session:
        node = PerformanceNode(
            agency_id=dinkes,
            parent_id=ids["program"],
            level="sub_kegiatan",
            code="1.02.02.2.01.01",
            name="Pelaksanaan imunisasi",
        )
        session.add(node)
        session.flush()
        ids["node"] = node.id
        n = f"node:{node.id}"
        for name, agency, position in [
            ("ani", dinkes, "Pengelola Data"),
            ("budi", dinkes, "Pengawas Lapangan"),
            ("citra", dinkes, "Analis"),
            ("dodi", disdik, "Guru"),
        ]:
            session.add(AsnProfile(staff_id=ids[name], agency_id=agency, position=position))
        ani, budi = ids["ani"], ids["budi"]
        plan(session, ani, x, "Dokumen", "10")
        add_entries(session, ani, dinkes, date(2026, 11, 2), "approved", [("3", "Dokumen", x)])
        add_entries(session, ani, dinkes, date(2026, 11, 3), "approved", [("2", "Dokumen", x)])
        add_entries(session, ani, dinkes, date(2026, 11, 7), "approved", [("1", "dokumen", x)])
        add_entries(
            session,
            ani,
            dinkes,
            date(2026, 11, 4),
            "submitted",
            [("1", "Dokumen", x), ("4", "Kegiatan", "")],
        )
        add_entries(session, ani, dinkes, date(2026, 11, 5), "returned", [("5", "Dokumen", x)])
        plan(session, budi, n, "Kali", "8")
        plan(session, budi, x, "Dokumen", "5")
        for day in range(2, 7):
            add_entries(session, budi, dinkes, date(2026, 11, day), "approved", [("2", "Kali", n)])
        add_entries(session, ids["dodi"], disdik, date(2026, 11, 2), "approved", [("9", "Jam", "")])
        plan(session, ids["dodi"], "", "Jam", "9")
    return ids


def test_the_agency_month_shows_the_hand_worked_figures(
    app: Flask, init_result: InitResult
) -> None:
    ids = hand_worked_agency(app, init_result)
    client = staff_account(app, init_result, "sakip", {"sakip"})
    response = client.get(f"/kinerja/agency/{ids['agency']}?month=2026-11")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Dinas Kesehatan" in text(page) and "November 2026" in text(page)
    # Name and position; working days, due, reported, missing, approved, attendance, output.
    assert row(page, "Ani") == ["Ani Pengelola Data", "21", "21", "3", "18", "2", "14.29 %", "60 %"]
    assert row(page, "Budi") == [
        "Budi Pengawas Lapangan",
        "21",
        "21",
        "5",
        "16",
        "5",
        "23.81 %",
        "50 %",
    ]
    assert row(page, "Citra") == ["Citra Analis", "21", "21", "0", "21", "0", "0 %", "—"]
    assert "Dodi" not in text(page)
    assert row(page, "Agency (3 ASN)") == [
        "Agency (3 ASN)",
        "",
        "63",
        "8",
        "55",
        "7",
        "12.7 %",
        "55 %",
    ]
    # Output per target, with the indicator's and the sub kegiatan's names.
    assert row(page, "Cakupan imunisasi") == [
        "1.02.02 · Cakupan imunisasi (%)",
        "Dokumen",
        "15",
        "6",
        "1",
        "40 %",
    ]
    assert row(page, "Pelaksanaan imunisasi") == [
        "1.02.02.2.01.01 Pelaksanaan imunisasi",
        "Kali",
        "8",
        "10",
        "0",
        "125 %",
    ]
    assert row(page, "Not linked to a target") == [
        "Not linked to a target",
        "Kegiatan",
        "not planned",
        "0",
        "4",
        "—",
    ]
    # The month chooser is a plain GET form holding the month shown.
    assert re.search(r'<form method="get"', page) and 'value="2026-11"' in page


def test_the_month_defaults_to_this_month_and_refuses_nonsense(
    app: Flask, init_result: InitResult
) -> None:
    ids = hand_worked_agency(app, init_result)
    client = staff_account(app, init_result, "sakip", {"sakip"})
    today = settings_today(app)
    this_month = f"{today.year:04d}-{today.month:02d}"
    default = client.get(f"/kinerja/agency/{ids['agency']}")
    assert default.status_code == 200 and f'value="{this_month}"' in default.get_data(as_text=True)
    for nonsense in ("2026-13", "November", "1999-01"):
        refused = client.get(f"/kinerja/agency/{ids['agency']}?month={nonsense}")
        assert refused.status_code == 400
        assert "is not a month written as YYYY-MM" in text(refused)
        assert f'value="{this_month}"' in refused.get_data(as_text=True)


def settings_today(app: Flask) -> date:
    with app.app_context():
        return settings().today()


def test_who_reads_the_agency_month(app: Flask, init_result: InitResult) -> None:
    ids = hand_worked_agency(app, init_result)
    path = f"/kinerja/agency/{ids['agency']}?month=2026-11"
    head = agency_account(app, init_result, "kadis", {"agency_head"}, "DINKES")
    assert head.get(path).status_code == 200
    leader = staff_account(app, init_result, "bupati", {"leadership"})
    assert leader.get(path).status_code == 200
    for client in (
        agency_account(app, init_result, "kadis2", {"agency_head"}, "DISDIK"),
        agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES"),
        logged_in(app, "ani"),
    ):
        assert client.get(path).status_code == 404
    assert leader.get("/kinerja/agency/999999").status_code == 404


def test_the_esakip_page_shows_this_month_of_e_kinerja(app: Flask, init_result: InitResult) -> None:
    ids = hand_worked_agency(app, init_result)
    today = settings_today(app)
    # Budi plans 8 and has 2 approved this month: 25 %.
    with database(app).session() as session:
        session.add(
            ActivityPlan(
                staff_id=ids["budi"],
                year=today.year,
                month=today.month,
                target_key="",
                unit="Kali",
                planned=Decimal(8),
                updated_at=NOW,
            )
        )
        add_entries(
            session,
            ids["budi"],
            ids["agency"],
            today.replace(day=1),
            "approved",
            [("2", "Kali", "")],
        )
    head = agency_account(app, init_result, "kadis", {"agency_head"}, "DINKES")
    page = head.get(f"/sakip/agencies/{ids['agency']}").get_data(as_text=True)
    found = re.search(r'<section class="kinerja-box".*?</section>', page, re.S)
    assert found, "no e-Kinerja box"
    box = text(found.group(0))
    assert "e-Kinerja this month" in box and "output against plan: 25 %" in box
    assert "Reporting rate:" in box and "(3 ASN)" in box
    assert f'href="/kinerja/agency/{ids["agency"]}"' in page
    # The agency's operator reads the e-SAKIP page and the box, without the link to a
    # page he may not open.
    operator = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    page = operator.get(f"/sakip/agencies/{ids['agency']}").get_data(as_text=True)
    assert "e-Kinerja this month" in page and "/kinerja/agency/" not in page
    # An agency without ASN shows no box.
    sakip = staff_account(app, init_result, "sakip", {"sakip"})
    other = sakip.get(f"/sakip/agencies/{agency_id(app, 'DISHUB')}").get_data(as_text=True)
    assert "e-Kinerja this month" not in other


# --- the aggregation gives the per-entry figures ------------------------------------------


def per_entry_lines(session: Session, agency: int) -> list[EntryLine]:
    """One EntryLine per entry, its state that of its day: what month_summary was
    written for."""
    first, last = date(*MONTH, 1), date(*MONTH, 30)
    rows = session.execute(
        select(ActivityEntry, ActivityDay.state)
        .join(
            ActivityDay,
            and_(
                ActivityDay.staff_id == ActivityEntry.staff_id, ActivityDay.day == ActivityEntry.day
            ),
        )
        .where(ActivityDay.agency_id == agency, ActivityDay.day.between(first, last))
    )
    return [
        EntryLine(
            entry.staff_id,
            entry.day,
            entry.target_key or None,
            entry.unit,
            entry.quantity,
            state,
        )
        for entry, state in rows
    ]


def per_entry_plans(session: Session, agency: int) -> list[PlanLine]:
    members = select(AsnProfile.staff_id).where(AsnProfile.agency_id == agency)
    return [
        PlanLine(line.staff_id, line.target_key or None, line.unit, line.planned)
        for line in session.scalars(
            select(ActivityPlan).where(
                ActivityPlan.staff_id.in_(members),
                ActivityPlan.year == MONTH[0],
                ActivityPlan.month == MONTH[1],
            )
        )
    ]


def random_month(app: Flask, init_result: InitResult, seed: int) -> tuple[int, WorkingCalendar]:
    """Eight ASN of DINKES with entries drawn at random: several per day and per group,
    on weekends and on a holiday of the table, units spelt differently, every state."""
    rng = random.Random(seed)
    agency = agency_id(app, "DINKES")
    holiday = date(2026, 11, 10)
    calendar = WorkingCalendar(frozenset({holiday}))
    staff = [create_officer(app, init_result, f"asn{n}", {"asn"}) for n in range(8)]
    keys = ["", "ind:1", "ind:2", "node:7"]
    units = ["Dokumen", "dokumen ", "Kali", "Jam"]
    with database(app).session() as session:
        for staff_id in staff[:7]:  # the eighth has neither plan nor entry
            session.add(AsnProfile(staff_id=staff_id, agency_id=agency))
            for key in rng.sample(keys, 2):
                plan(session, staff_id, key, rng.choice(units), str(rng.randint(0, 30)))
            for offset in rng.sample(range(30), rng.randint(0, 20)):
                day = date(2026, 11, 1) + timedelta(days=offset)
                lines = [
                    (f"{rng.randint(0, 500) / 100:.2f}", rng.choice(units), rng.choice(keys))
                    for _ in range(rng.randint(1, 4))
                ]
                # Sometimes the same group twice, on weekends too.
                if rng.random() < 0.4:
                    lines.append(lines[0])
                state = rng.choice(["submitted", "approved", "approved", "returned"])
                add_entries(session, staff_id, agency, day, state, lines)
        session.add(AsnProfile(staff_id=staff[7], agency_id=agency))
    return agency, calendar


def test_the_aggregated_input_gives_the_per_entry_figures(
    app: Flask, init_result: InitResult
) -> None:
    agency, calendar = random_month(app, init_result, seed=7)
    with database(app).session() as session:
        aggregated = data.agency_month_input(session, agency, MONTH, calendar)
        entries = per_entry_lines(session, agency)
        plans = per_entry_plans(session, agency)
    # The aggregation does group: fewer lines than entries.
    assert len(aggregated.outputs) < len(entries)
    for today in (date(2026, 11, 14), AFTER_THE_MONTH):
        expected = month_summary(
            entries,
            plans,
            month=MONTH,
            calendar=calendar,
            today=today,
            asn_ids=aggregated.asn_ids,
        )
        assert aggregated.summary(today) == expected
    # Weekend entries are counted one by one, not one per group.
    assert sum(asn.weekend_or_holiday_entries for asn in expected.asns) > 0


def test_the_hand_worked_month_is_the_per_entry_month(app: Flask, init_result: InitResult) -> None:
    ids = hand_worked_agency(app, init_result)
    with database(app).session() as session:
        calendar = WorkingCalendar()
        aggregated = data.agency_month_input(session, ids["agency"], MONTH, calendar)
        expected = month_summary(
            per_entry_lines(session, ids["agency"]),
            per_entry_plans(session, ids["agency"]),
            month=MONTH,
            calendar=calendar,
            today=AFTER_THE_MONTH,
            asn_ids=[ids["ani"], ids["budi"], ids["citra"]],
        )
        assert aggregated.summary(AFTER_THE_MONTH) == expected
        # One ASN's month, as his own pages use it.
        ani = data.asn_month(session, ids["ani"], MONTH, AFTER_THE_MONTH, calendar)
        assert ani == expected.asns[0]
        assert (ani.reported_days, ani.approved_days, ani.weekend_or_holiday_entries) == (3, 2, 1)
        assert ani.attendance_percent == Decimal("14.29") and ani.output_percent == Decimal("60.00")


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_month_takes_a_fixed_number_of_queries(app: Flask, init_result: InitResult) -> None:
    agency, _ = random_month(app, init_result, seed=11)
    with database(app).session() as session:
        with counted_statements(database(app).engine) as statements:
            summary, people = data.agency_month(session, agency, MONTH, AFTER_THE_MONTH)
        assert summary.asn_count == 8 and len(people) == 8
        # Profiles, entries grouped per day, entries grouped per output, plans, the
        # holiday table, names: whatever the number of ASN and entries.
        assert len(statements) <= 6
        assert not any(
            "activity_entry" in sql and "GROUP BY" not in sql.upper() for sql in statements
        )
