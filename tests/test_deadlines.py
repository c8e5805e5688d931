"""Case deadlines (DOMAIN.md "Deadlines") and the working-day calendar.

Every due date below is counted by hand on a calendar; the comments show the count.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from wbs.app_context import database
from wbs.deadlines import (
    ACKNOWLEDGE,
    COMPLETION,
    FEEDBACK,
    TELAAH,
    VERIFICATION,
    DeadlineRules,
    Milestones,
    WorkingCalendar,
    due_date,
    is_due_soon,
    is_overdue,
    open_deadlines,
    pause,
    resume,
)
from wbs.holiday_calendar import (
    add_holiday,
    list_holidays,
    load_national_holidays,
    national_holidays,
    refresh_due,
    remove_holiday,
    working_calendar,
)
from wbs.models import Case, Holiday
from wbs.settings import Settings

RULES = DeadlineRules()
NO_HOLIDAYS = WorkingCalendar()
CHRISTMAS_2026 = date(2026, 12, 25)  # a Friday
# The `holidays` package's (estimated) Idul Fitri 2027 and Nyepi 2027.
NYEPI_2027 = date(2027, 3, 8)  # Monday
IDUL_FITRI_2027 = (date(2027, 3, 10), date(2027, 3, 11))  # Wednesday, Thursday


def due_by_kind(m: Milestones, calendar: WorkingCalendar = NO_HOLIDAYS) -> dict[str, date]:
    return {deadline.kind: deadline.due_on for deadline in open_deadlines(m, RULES, calendar)}


# --- rules -----------------------------------------------------------------------------


def test_default_rules_are_the_domain_defaults() -> None:
    settings = Settings(
        instance_path=Path("/nonexistent"), database_url="sqlite://", secret_key="x"
    )
    assert DeadlineRules.from_settings(settings) == RULES
    assert (RULES.acknowledge_days, RULES.verification_working_days, RULES.telaah_days) == (
        7,
        5,
        14,
    )
    assert (RULES.feedback_months, RULES.completion_days) == (3, 60)


def test_rules_follow_the_settings() -> None:
    base = Settings(instance_path=Path("/nonexistent"), database_url="sqlite://", secret_key="x")
    settings = replace(
        base,
        deadline_acknowledge_days=3,
        deadline_verification_working_days=2,
        deadline_telaah_days=10,
        deadline_feedback_months=1,
        deadline_completion_days=30,
        deadline_warning_days=1,
    )
    rules = DeadlineRules.from_settings(settings)
    assert rules == DeadlineRules(3, 2, 10, 1, 30, 1)
    m = Milestones(status="received", received_on=date(2026, 1, 31))
    found = {d.kind: d.due_on for d in open_deadlines(m, rules, NO_HOLIDAYS)}
    # 31 Jan + 3 days; 31 Jan + 1 month = 28 Feb (2026 is no leap year).
    assert found == {ACKNOWLEDGE: date(2026, 2, 3), FEEDBACK: date(2026, 2, 28)}


# --- working days ----------------------------------------------------------------------


def test_weekends_are_never_working_days() -> None:
    assert NO_HOLIDAYS.is_working_day(date(2026, 9, 4))  # Friday
    assert not NO_HOLIDAYS.is_working_day(date(2026, 9, 5))  # Saturday
    assert not NO_HOLIDAYS.is_working_day(date(2026, 9, 6))  # Sunday
    assert not WorkingCalendar(frozenset({CHRISTMAS_2026})).is_working_day(CHRISTMAS_2026)


def test_working_days_skip_the_weekend() -> None:
    # Wed 2 Sep 2026: Thu 3, Fri 4, (Sat, Sun), Mon 7, Tue 8, Wed 9.
    assert NO_HOLIDAYS.add_working_days(date(2026, 9, 2), 5) == date(2026, 9, 9)
    # From a Saturday the count starts on Monday: Mon 7 is the first working day.
    assert NO_HOLIDAYS.add_working_days(date(2026, 9, 5), 1) == date(2026, 9, 7)
    assert NO_HOLIDAYS.add_working_days(date(2026, 9, 2), 0) == date(2026, 9, 2)
    with pytest.raises(ValueError):
        NO_HOLIDAYS.add_working_days(date(2026, 9, 2), -1)


def test_working_days_skip_christmas() -> None:
    calendar = WorkingCalendar(frozenset({CHRISTMAS_2026}))
    # Mon 21 Dec 2026: Tue 22, Wed 23, Thu 24, (Fri 25 Christmas, Sat, Sun), Mon 28, Tue 29.
    assert calendar.add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 29)
    assert NO_HOLIDAYS.add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 28)


def test_working_days_skip_idul_fitri_from_the_holidays_package() -> None:
    national = national_holidays([2027])
    for day in (NYEPI_2027, *IDUL_FITRI_2027):
        assert day in national, f"the holidays package no longer lists {day} (estimate moved?)"
    calendar = WorkingCalendar(frozenset(national))
    # Fri 5 Mar 2027: (Mon 8 Nyepi) Tue 9, (Wed 10, Thu 11 Idul Fitri) Fri 12, Mon 15,
    # Tue 16, Wed 17.
    assert calendar.add_working_days(date(2027, 3, 5), 5) == date(2027, 3, 17)
    m = Milestones(
        status="triage",
        received_on=date(2027, 3, 4),
        acknowledged_on=date(2027, 3, 5),
        triage_started_on=date(2027, 3, 5),
    )
    assert due_by_kind(m, calendar)[VERIFICATION] == date(2027, 3, 17)


# --- each clock ------------------------------------------------------------------------


def test_a_new_report_must_be_acknowledged_within_7_days() -> None:
    m = Milestones(status="received", received_on=date(2026, 9, 2))
    # 2 Sep + 7 days; feedback 2 Sep + 3 months.
    assert due_by_kind(m) == {ACKNOWLEDGE: date(2026, 9, 9), FEEDBACK: date(2026, 12, 2)}
    assert due_date(m, RULES, NO_HOLIDAYS) == date(2026, 9, 9)
    acknowledged = replace(m, status="triage", acknowledged_on=date(2026, 9, 3))
    assert ACKNOWLEDGE not in due_by_kind(acknowledged)


def test_feedback_within_3_calendar_months_clipped_to_month_end() -> None:
    m = Milestones(status="received", received_on=date(2026, 11, 30))
    # 30 Nov 2026 + 3 months: there is no 30 Feb 2027, so the last day of February.
    assert due_by_kind(m)[FEEDBACK] == date(2027, 2, 28)
    assert due_by_kind(replace(m, received_on=date(2027, 11, 30)))[FEEDBACK] == date(2028, 2, 29)
    answered = replace(m, acknowledged_on=date(2026, 12, 1), first_feedback_on=date(2026, 12, 1))
    assert FEEDBACK not in due_by_kind(answered)


def test_verification_within_5_working_days_of_triage() -> None:
    m = Milestones(
        status="triage",
        received_on=date(2026, 9, 1),
        acknowledged_on=date(2026, 9, 2),
        triage_started_on=date(2026, 9, 2),
    )
    found = due_by_kind(m)
    assert found[VERIFICATION] == date(2026, 9, 9)
    # Verification due first, before telaah (2 Sep + 14 = 16 Sep) and feedback (1 Dec).
    assert found == {
        VERIFICATION: date(2026, 9, 9),
        TELAAH: date(2026, 9, 16),
        FEEDBACK: date(2026, 12, 1),
    }
    assert due_date(m, RULES, NO_HOLIDAYS) == date(2026, 9, 9)
    verified = replace(m, verified_on=date(2026, 9, 4))
    assert VERIFICATION not in due_by_kind(verified)
    assert due_date(verified, RULES, NO_HOLIDAYS) == date(2026, 9, 16)


def test_telaah_runs_until_investigation_or_forwarding() -> None:
    m = Milestones(
        status="triage",
        received_on=date(2026, 9, 1),
        acknowledged_on=date(2026, 9, 2),
        triage_started_on=date(2026, 9, 2),
        verified_on=date(2026, 9, 3),
        first_feedback_on=date(2026, 9, 3),
    )
    assert due_by_kind(m) == {TELAAH: date(2026, 9, 16)}
    for status in ("forwarded", "rejected"):
        assert due_by_kind(replace(m, status=status)) == {}
        assert due_date(replace(m, status=status), RULES, NO_HOLIDAYS) is None
    investigating = replace(m, status="investigation", complete_on=date(2026, 9, 10))
    assert TELAAH not in due_by_kind(investigating)


def test_completion_within_60_days_of_the_complete_file() -> None:
    m = Milestones(
        status="investigation",
        received_on=date(2026, 9, 1),
        acknowledged_on=date(2026, 9, 2),
        triage_started_on=date(2026, 9, 2),
        verified_on=date(2026, 9, 3),
        complete_on=date(2026, 10, 1),
        first_feedback_on=date(2026, 9, 3),
    )
    # 1 Oct + 60 days: 31 Oct is day 30, 30 Nov is day 60.
    assert due_by_kind(m) == {COMPLETION: date(2026, 11, 30)}
    concluded = replace(m, status="concluded", concluded_on=date(2026, 11, 2))
    assert due_date(concluded, RULES, NO_HOLIDAYS) is None
    assert due_date(replace(concluded, status="follow_up"), RULES, NO_HOLIDAYS) is None


def test_a_closed_case_has_no_due_date() -> None:
    # Never acknowledged and no feedback, yet closed: no clock runs any more.
    m = Milestones(
        status="closed",
        received_on=date(2026, 9, 1),
        triage_started_on=date(2026, 9, 2),
        closed_on=date(2026, 9, 20),
    )
    assert open_deadlines(m, RULES, NO_HOLIDAYS) == []
    assert due_date(m, RULES, NO_HOLIDAYS) is None


def test_each_deadline_has_a_label() -> None:
    m = Milestones(status="received", received_on=date(2026, 9, 2))
    labels = {d.kind: d.label for d in open_deadlines(m, RULES, NO_HOLIDAYS)}
    assert labels == {
        ACKNOWLEDGE: "Acknowledge receipt",
        FEEDBACK: "First feedback to the reporter",
    }


# --- waiting for the reporter ----------------------------------------------------------


def triage_case() -> Milestones:
    return Milestones(
        status="triage",
        received_on=date(2026, 9, 4),
        acknowledged_on=date(2026, 9, 7),
        triage_started_on=date(2026, 9, 7),
    )


def test_waiting_for_the_reporter_stops_every_clock() -> None:
    m = triage_case()
    since, days = pause(m, date(2026, 9, 8))
    waiting = replace(m, status="need_info", verified_on=date(2026, 9, 8), paused_since=since)
    assert (since, days) == (date(2026, 9, 8), 0)
    assert open_deadlines(waiting, RULES, NO_HOLIDAYS) == []
    assert due_date(waiting, RULES, NO_HOLIDAYS) is None
    # A case far past its dates is not overdue while it waits.
    assert not is_overdue(due_date(waiting, RULES, NO_HOLIDAYS), date(2027, 6, 1))


def test_resuming_pushes_every_due_date_back_by_the_days_waited() -> None:
    m = triage_case()
    before = due_by_kind(m)
    # Mon 7 Sep + 5 working days = Mon 14 Sep; + 14 days = 21 Sep; 4 Sep + 3 months.
    assert before == {
        VERIFICATION: date(2026, 9, 14),
        TELAAH: date(2026, 9, 21),
        FEEDBACK: date(2026, 12, 4),
    }
    since, days = pause(m, date(2026, 9, 8))
    waiting = replace(m, status="need_info", paused_since=since, paused_days=days)
    # Asked on 8 Sep, answered on 18 Sep: 10 days waited.
    since, days = resume(waiting, date(2026, 9, 18))
    assert (since, days) == (None, 10)
    back = replace(waiting, status="triage", paused_since=since, paused_days=days)
    assert due_by_kind(back) == {
        # 14 Sep + 10 days = Thu 24 Sep, a working day.
        VERIFICATION: date(2026, 9, 24),
        TELAAH: date(2026, 10, 1),
        FEEDBACK: date(2026, 12, 14),
    }


def test_a_shifted_working_day_deadline_lands_on_a_working_day() -> None:
    # Verification due Mon 14 Sep; 5 days waited make Sat 19 Sep, so Mon 21 Sep.
    m = replace(triage_case(), paused_days=5)
    assert due_by_kind(m)[VERIFICATION] == date(2026, 9, 21)


def test_waits_add_up_and_a_second_pause_keeps_its_first_day() -> None:
    m = replace(triage_case(), paused_days=3)
    since, days = pause(m, date(2026, 9, 10))
    assert pause(replace(m, paused_since=since), date(2026, 9, 12)) == (date(2026, 9, 10), 3)
    assert resume(replace(m, paused_since=since, paused_days=days), date(2026, 9, 14)) == (
        None,
        7,
    )
    # Resuming a case that does not wait changes nothing.
    assert resume(m, date(2026, 9, 14)) == (None, 3)


# --- overdue ---------------------------------------------------------------------------


def test_overdue_only_after_the_due_day() -> None:
    due = date(2026, 9, 16)
    assert not is_overdue(due, date(2026, 9, 15))
    assert not is_overdue(due, date(2026, 9, 16))
    assert is_overdue(due, date(2026, 9, 17))
    assert not is_overdue(None, date(2026, 9, 17))


def test_due_soon_within_the_warning_days() -> None:
    due = date(2026, 9, 16)
    assert not is_due_soon(due, date(2026, 9, 12), RULES)
    assert is_due_soon(due, date(2026, 9, 13), RULES)
    assert is_due_soon(due, date(2026, 9, 16), RULES)
    assert not is_due_soon(due, date(2026, 9, 17), RULES)
    assert not is_due_soon(None, date(2026, 9, 16), RULES)


def test_refresh_due_sets_the_case_column() -> None:
    case = Case(
        status="triage",
        received_on=date(2026, 12, 18),
        acknowledged_on=date(2026, 12, 21),
        triage_started_on=date(2026, 12, 21),
    )
    calendar = WorkingCalendar(frozenset({CHRISTMAS_2026}))
    assert refresh_due(case, RULES, calendar) == date(2026, 12, 29)
    assert case.due_on == date(2026, 12, 29)
    case.status, case.closed_on = "closed", date(2026, 12, 22)
    refresh_due(case, RULES, calendar)
    assert case.due_on is None


# --- the holiday table (both databases) ------------------------------------------------


def test_calendar_joins_national_holidays_and_the_table(app: Flask) -> None:
    with database(app).session() as session:
        add_holiday(session, date(2026, 12, 24), "Cuti Bersama Hari Raya Natal")
    with database(app).session() as session:
        calendar = working_calendar(session, [2026, 2027])
    assert not calendar.is_working_day(CHRISTMAS_2026)  # national, from the package
    assert not calendar.is_working_day(date(2026, 12, 24))  # cuti bersama, from the table
    assert not calendar.is_working_day(date(2027, 1, 1))  # next year's New Year
    # Mon 21 Dec: Tue 22, Wed 23, (Thu 24, Fri 25, weekend) Mon 28, Tue 29, Wed 30.
    assert calendar.add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 30)
    with database(app).session() as session:
        assert remove_holiday(session, date(2026, 12, 24))
        assert not remove_holiday(session, date(2026, 12, 24))
        calendar = working_calendar(session, [2026])
    assert calendar.is_working_day(date(2026, 12, 24))
    assert calendar.add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 29)


def test_table_rows_of_other_years_stay_out(app: Flask) -> None:
    with database(app).session() as session:
        add_holiday(session, date(2025, 12, 24), "Cuti Bersama 2025")
        add_holiday(session, date(2026, 12, 24), "Cuti Bersama 2026")
        calendar = working_calendar(session, [2026])
        assert [row.day for row in list_holidays(session, 2026)] == [date(2026, 12, 24)]
    assert date(2026, 12, 24) in calendar.holidays
    assert date(2025, 12, 24) not in calendar.holidays


def test_loading_national_holidays_is_idempotent_and_keeps_edits(app: Flask) -> None:
    expected = national_holidays([2027])
    with database(app).session() as session:
        assert load_national_holidays(session, 2027) == len(expected)
    with database(app).session() as session:
        rows = {row.day: row.name for row in list_holidays(session, 2027)}
        assert rows == expected
        assert rows[IDUL_FITRI_2027[0]].startswith("Hari Raya Idul Fitri")
        add_holiday(session, IDUL_FITRI_2027[0], "Hari Raya Idul Fitri 1448 H")
    with database(app).session() as session:
        assert load_national_holidays(session, 2027) == 0
        count = session.scalar(select(func.count()).select_from(Holiday))
        assert count == len(expected)
        assert session.get(Holiday, IDUL_FITRI_2027[0]).name == "Hari Raya Idul Fitri 1448 H"
        # Cuti bersama are copied only on request, and only the missing days.
        cuti = national_holidays([2027], cuti_bersama=True).keys() - expected.keys()
        assert cuti, "the holidays package lists no cuti bersama for 2027"
        assert load_national_holidays(session, 2027, cuti_bersama=True) == len(cuti)


def test_a_holiday_needs_a_name(app: Flask) -> None:
    with database(app).session() as session, pytest.raises(ValueError):
        add_holiday(session, date(2026, 12, 24), "  ")


# --- the CLI ---------------------------------------------------------------------------


def test_cli_load_and_list(app: Flask) -> None:
    runner = app.test_cli_runner()
    expected = national_holidays([2027])
    listed = runner.invoke(args=["holidays", "list", "--year", "2027"])
    assert listed.exit_code == 0, listed.output
    assert "2027-03-10  Wed  national  Hari Raya Idul Fitri" in listed.output
    assert f"{len(expected)} national holidays are not in the table" in listed.output

    loaded = runner.invoke(args=["holidays", "load", "--year", "2027"])
    assert loaded.exit_code == 0, loaded.output
    assert f"{len(expected)} holidays added for 2027" in loaded.output
    again = runner.invoke(args=["holidays", "load", "--year", "2027"])
    assert again.exit_code == 0, again.output
    assert "0 holidays added for 2027" in again.output

    listed = runner.invoke(args=["holidays", "list", "--year", "2027"])
    assert listed.exit_code == 0, listed.output
    assert "2027-03-10  Wed  table     Hari Raya Idul Fitri" in listed.output
    assert "not in the table" not in listed.output
    with database(app).session() as session:
        assert {row.day for row in list_holidays(session, 2027)} == expected.keys()


def test_cli_add_and_remove(app: Flask) -> None:
    runner = app.test_cli_runner()
    added = runner.invoke(args=["holidays", "add", "2027-03-09", "Cuti Bersama Idul Fitri"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["holidays", "list", "--year", "2027"])
    assert "2027-03-09  Tue  table     Cuti Bersama Idul Fitri" in listed.output
    with database(app).session() as session:
        assert not working_calendar(session, [2027]).is_working_day(date(2027, 3, 9))

    removed = runner.invoke(args=["holidays", "remove", "2027-03-09"])
    assert removed.exit_code == 0, removed.output
    with database(app).session() as session:
        assert working_calendar(session, [2027]).is_working_day(date(2027, 3, 9))
    missing = runner.invoke(args=["holidays", "remove", "2027-03-09"])
    assert missing.exit_code == 1
    assert "not in the holiday table" in missing.output
    bad = runner.invoke(args=["holidays", "add", "2027-02-30", "Nope"])
    assert bad.exit_code == 2
    assert "is not a date" in bad.output
