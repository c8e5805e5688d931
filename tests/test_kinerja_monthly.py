"""e-Kinerja: the month of each ASN and of the agency (wbs/kinerja/monthly.py).

Every expected figure of the fixture is counted by hand in the comment above it; the
properties then check the same rules over random months. The entries go through
``aggregate`` into ``summarise`` (days per ASN and state, and output sums, as the
database's GROUP BY gives them); ``month_summary`` is that composition.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from random import Random

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from wbs.deadlines import WorkingCalendar
from wbs.kinerja.monthly import (
    APPROVED,
    RETURNED,
    SUBMITTED,
    AgencyMonth,
    AsnMonth,
    EntryLine,
    KinerjaInputError,
    OutputLine,
    OutputSum,
    PlanLine,
    StateDays,
    aggregate,
    month_summary,
    summarise,
    unit_key,
    working_days,
)

D = Decimal
NOVEMBER = (2026, 11)

# November 2026 (checked with `python -m calendar 2026 11`; it has no national holiday):
#
#     Mo Tu We Th Fr Sa Su
#                        1
#      2  3  4  5  6  7  8
#      9 10 11 12 13 14 15
#     16 17 18 19 20 21 22
#     23 24 25 26 27 28 29
#     30
#
# A made-up holiday on Wednesday 11. Working days: 2-6 (5), 9-13 without 11 (4),
# 16-20 (5), 23-27 (5), 30 (1) = 20.
# today = Tuesday 17: due working days before today 2 3 4 5 6 | 9 10 12 13 | 16 = 10;
# today is due only for an ASN who has reported it (ASN 20 has, ASN 10 has not).
HOLIDAY = date(2026, 11, 11)
CALENDAR = WorkingCalendar(holidays=frozenset({HOLIDAY}))
TODAY = date(2026, 11, 17)
DUE = [date(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 12, 13, 16)]


def nov(day: int) -> date:
    return date(2026, 11, day)


# The agency lists ASN 40, 30, 10 (not in order, and not 20: 20 has entries, so counts).
#
# ASN 10, plan: ind:1 "Dokumen" 10 | ind:2 "kegiatan" 4 | sub:5 "km" 0
# ASN 10, entries:
#   day        target  unit        qty  state       note
#   Mon  2     ind:1   dokumen       3  approved
#   Tue  3     ind:1   "Dokumen "    2  approved    same unit as the plan's "Dokumen"
#   Tue  3     ind:2   kegiatan      1  approved
#   Wed  4     ind:2   Kegiatan      2  returned    the whole day returned: not reported
#   Thu  5     ind:1   dokumen       1  submitted
#   Fri  6     -       laporan       1  approved    unplanned output, no target
#   Sat  7     ind:2   kegiatan      3  approved    weekend: output counts, no day filled
#   Mon  9     ind:2   kegiatan      2  approved
#   Wed 11     ind:1   dokumen       1  submitted   holiday: as the weekend
#   Thu 19     ind:1   dokumen       2  submitted   after today: output, not a due day
#
# ASN 20, no plan; entries:
#   Wed  4     ind:1   " dokumen"    2  returned    ... re-submitted the same day:
#   Wed  4     ind:1   dokumen       2  submitted   day 4 reported
#   Mon 16     ind:1   DOKUMEN       1  approved
#   Tue 17     sub:5   KM         12.5  approved
#
# ASN 30, plan: ind:1 "dokumen" 5; no entries.   ASN 40: nothing at all.
ENTRIES = [
    EntryLine(10, nov(2), "ind:1", "dokumen", D(3), APPROVED),
    EntryLine(10, nov(3), "ind:1", "Dokumen ", D(2), APPROVED),
    EntryLine(10, nov(3), "ind:2", "kegiatan", D(1), APPROVED),
    EntryLine(10, nov(4), "ind:2", "Kegiatan", D(2), RETURNED),
    EntryLine(10, nov(5), "ind:1", "dokumen", D(1), SUBMITTED),
    EntryLine(10, nov(6), None, "laporan", D(1), APPROVED),
    EntryLine(10, nov(7), "ind:2", "kegiatan", D(3), APPROVED),
    EntryLine(10, nov(9), "ind:2", "kegiatan", D(2), APPROVED),
    EntryLine(10, nov(11), "ind:1", "dokumen", D(1), SUBMITTED),
    EntryLine(10, nov(19), "ind:1", "dokumen", D(2), SUBMITTED),
    EntryLine(20, nov(4), "ind:1", " dokumen", D(2), RETURNED),
    EntryLine(20, nov(4), "ind:1", "dokumen", D(2), SUBMITTED),
    EntryLine(20, nov(16), "ind:1", "DOKUMEN", D(1), APPROVED),
    EntryLine(20, nov(17), "sub:5", "KM", D("12.5"), APPROVED),
]
PLANS = [
    PlanLine(10, "ind:1", "Dokumen", D(10)),
    PlanLine(10, "ind:2", "kegiatan", D(4)),
    PlanLine(10, "sub:5", "km", D(0)),
    PlanLine(30, "ind:1", "dokumen", D(5)),
]


def november(entries: list[EntryLine] = ENTRIES, plans: list[PlanLine] = PLANS) -> AgencyMonth:
    days, outputs = aggregate(entries)
    return summarise(
        days,
        outputs,
        plans,
        month=NOVEMBER,
        calendar=CALENDAR,
        today=TODAY,
        asn_ids=[40, 30, 10],
    )


def test_aggregate_counts_entries_per_day_and_sums_per_spelling() -> None:
    days, outputs = aggregate(ENTRIES)
    # ASN 20's day 4: one returned and one submitted entry, kept apart by state.
    assert StateDays(20, RETURNED, [nov(4)], [1]) in days
    assert StateDays(20, SUBMITTED, [nov(4)], [1]) in days
    # ASN 10 approved: days 2 (1 entry), 3 (2), 6, 7, 9 (1 each), in order.
    assert (
        StateDays(10, APPROVED, [nov(2), nov(3), nov(6), nov(7), nov(9)], [1, 2, 1, 1, 1]) in days
    )
    # ASN 10: approved, submitted, returned; ASN 20: returned, submitted, approved.
    assert len(days) == 6
    # ASN 10, ind:1 "dokumen" submitted: days 5, 11 and 19, 1 + 1 + 2, earliest day 5;
    # "Dokumen " is another spelling, so another sum.
    assert OutputSum(10, "ind:1", "dokumen", SUBMITTED, D(4), 3, nov(5)) in outputs
    assert OutputSum(10, "ind:1", "Dokumen ", APPROVED, D(2), 1, nov(3)) in outputs
    # ASN 10: 6 sums (ind:2 "kegiatan" approved on days 3, 7, 9 is one); ASN 20: 4.
    assert len(outputs) == 10


def test_one_line_per_state_as_the_database_gives_it() -> None:
    # ASN 10 as stored: two entries on Saturday 7 (a count of 2) count as 2 weekend
    # entries and fill no day; a returned day reports nothing; holiday 11 fills none.
    result = summarise(
        [
            StateDays(10, APPROVED, (nov(2), nov(7)), (3, 2)),
            StateDays(10, SUBMITTED, (nov(3), nov(11)), (1, 1)),
            StateDays(10, RETURNED, (nov(4),), (2,)),
        ],
        [OutputSum(10, "ind:1", "dokumen", APPROVED, D(9), 5, nov(2))],
        [PlanLine(10, "ind:1", "Dokumen", D(12))],
        month=NOVEMBER,
        calendar=CALENDAR,
        today=TODAY,
    )
    (only,) = result.asns
    assert (only.reported_days, only.approved_days) == (2, 1)
    assert only.weekend_or_holiday_entries == 3
    # 9 of 12 = 75.00 %.
    assert only.outputs == (OutputLine("ind:1", "Dokumen", D(12), D(9), D(0), D("75.00")),)


def asn(result: AgencyMonth, asn_id: int) -> AsnMonth:
    (found,) = [a for a in result.asns if a.asn_id == asn_id]
    return found


def test_fixture_calendar_is_the_one_counted_by_hand() -> None:
    days = working_days(NOVEMBER, CALENDAR)
    assert len(days) == 20
    assert [d for d in days if d < TODAY] == DUE
    assert nov(7).weekday() == 5 and HOLIDAY.weekday() == 2


def test_every_asn_appears_sorted_by_id() -> None:
    result = november()
    assert [a.asn_id for a in result.asns] == [10, 20, 30, 40]
    assert result.asn_count == 4
    assert all(a.working_days == 20 for a in result.asns)
    # Today counts as due for ASN 20 only, who reported it.
    assert [a.due_days for a in result.asns] == [10, 11, 10, 10]


def test_asn_with_plan_and_entries() -> None:
    # Reported (a submitted or approved entry on a due day): 2 3 5 6 9 = 5; day 4 holds
    # only a returned entry. Approved days: 2 3 6 9 = 4 (day 5 is only submitted).
    # Missing: 4 10 12 13 16 = 5 (5 + 5 = 10 due; today, 17, holds nothing: not yet due).
    # Sat 7 and Wed 11: 2 entries. Attendance 5 / 10 = 50.00.
    #
    # ind:1 Dokumen: planned 10, realised 3 + 2 = 5, pending 1 + 1 + 2 = 4, 50.00 %.
    # ind:2 kegiatan: planned 4, realised 1 + 3 + 2 = 6 (the returned 2 not counted),
    #   pending 0, 150.00 % shown raw.
    # sub:5 km: planned 0, nothing done: no percent.
    # no target, laporan: unplanned, realised 1; listed last.
    # Output percent: mean(50.00, min(150.00, 100)) = 75.00 (the 0-planned line has none).
    result = asn(november(), 10)
    assert result.reported_days == 5
    assert result.approved_days == 4
    assert result.due_days == 10
    assert result.missing_days == (nov(4), nov(10), nov(12), nov(13), nov(16))
    assert result.weekend_or_holiday_entries == 2
    assert result.attendance_percent == D("50.00")
    assert result.outputs == (
        OutputLine("ind:1", "Dokumen", D(10), D(5), D(4), D("50.00")),
        OutputLine("ind:2", "kegiatan", D(4), D(6), D(0), D("150.00")),
        OutputLine("sub:5", "km", D(0), D(0), D(0), None),
        OutputLine(None, "laporan", None, D(1), D(0), None),
    )
    assert result.output_percent == D("75.00")


def test_asn_with_entries_and_no_plan() -> None:
    # Reported: 4 (re-submitted after the return) 16 17 = 3; approved: 16 17 = 2.
    # Missing: 2 3 5 6 9 10 12 13 = 8. Attendance 3 / 11 = 27.2727... → 27.27.
    # ind:1: no plan; the returned " dokumen" gives no spelling, the earliest counting
    # entry (4, "dokumen") does; realised 1, pending 2. sub:5 "KM": realised 12.5.
    result = asn(november(), 20)
    assert (result.reported_days, result.approved_days) == (3, 2)
    assert result.missing_days == tuple(nov(d) for d in (2, 3, 5, 6, 9, 10, 12, 13))
    assert result.weekend_or_holiday_entries == 0
    assert result.attendance_percent == D("27.27")
    assert result.outputs == (
        OutputLine("ind:1", "dokumen", None, D(1), D(2), None),
        OutputLine("sub:5", "KM", None, D("12.5"), D(0), None),
    )
    assert result.output_percent is None


def test_asn_with_plan_and_no_entries_misses_every_due_day() -> None:
    # ASN 30: 0 of 10 reported → 0.00 %; ind:1 planned 5, realised 0 → 0.00 %.
    result = asn(november(), 30)
    assert (result.reported_days, result.approved_days) == (0, 0)
    assert result.missing_days == tuple(DUE)
    assert result.attendance_percent == D("0.00")
    assert result.outputs == (OutputLine("ind:1", "dokumen", D(5), D(0), D(0), D("0.00")),)
    assert result.output_percent == D("0.00")


def test_asn_with_nothing_is_counted() -> None:
    result = asn(november(), 40)
    assert result.missing_days == tuple(DUE)
    assert result.attendance_percent == D("0.00")
    assert result.outputs == ()
    assert result.output_percent is None


def test_agency_totals() -> None:
    # Due 10 + 11 + 10 + 10 = 41 (today for ASN 20 only); reported 5 + 3 + 0 + 0 = 8;
    # missing 5 + 8 + 10 + 10 = 33. Attendance 8 / 41 = 19.5121... → 19.51.
    # Output percent: mean of 75.00 (ASN 10) and 0.00 (ASN 30) = 37.50; 20 and 40 have none.
    # ind:1: planned 10 + 5 = 15, spelt as ASN 10's plan ("Dokumen"); realised 5 + 1 = 6;
    #   pending 4 + 2 = 6; 6 / 15 = 40.00 %.
    # ind:2: as ASN 10. sub:5: planned 0 (ASN 10), realised 12.5 (ASN 20): no percent.
    # no target, laporan: as ASN 10.
    result = november()
    assert result.month == NOVEMBER
    assert (result.total_due_days, result.total_reported_days) == (41, 8)
    assert result.total_missing_days == 33
    assert result.attendance_percent == D("19.51")
    assert result.output_percent == D("37.50")
    assert result.outputs == (
        OutputLine("ind:1", "Dokumen", D(15), D(6), D(6), D("40.00")),
        OutputLine("ind:2", "kegiatan", D(4), D(6), D(0), D("150.00")),
        OutputLine("sub:5", "km", D(0), D("12.5"), D(0), None),
        OutputLine(None, "laporan", None, D(1), D(0), None),
    )


def test_today_is_due_once_reported_and_never_missing() -> None:
    # Tuesday 17 is today. Without an entry it is neither due nor missing; a submitted
    # entry makes it due and reported; a returned one leaves it as without.
    def today_of(entries: list[EntryLine]) -> AsnMonth:
        return month_summary(
            entries, [], month=NOVEMBER, calendar=CALENDAR, today=TODAY, asn_ids=[1]
        ).asns[0]

    nothing = today_of([])
    assert (nothing.due_days, nothing.reported_days) == (10, 0)
    assert TODAY not in nothing.missing_days
    written = today_of([EntryLine(1, TODAY, None, "laporan", D(1), SUBMITTED)])
    assert (written.due_days, written.reported_days, len(written.missing_days)) == (11, 1, 10)
    assert written.attendance_percent == D("9.09")  # 1 of 11
    returned = today_of([EntryLine(1, TODAY, None, "laporan", D(1), RETURNED)])
    assert (returned.due_days, returned.reported_days) == (10, 0)


def test_percents_round_half_up() -> None:
    # 1 of 800 planned = 0.125 % → 0.13 (banker's rounding would give 0.12).
    result = month_summary(
        [EntryLine(1, nov(2), "ind:1", "dokumen", D(1), APPROVED)],
        [PlanLine(1, "ind:1", "dokumen", D(800))],
        month=NOVEMBER,
        calendar=CALENDAR,
        today=TODAY,
    )
    assert result.asns[0].outputs[0].percent == D("0.13")
    assert result.asns[0].output_percent == D("0.13")


def test_plan_lines_differing_only_in_unit_spelling_are_added() -> None:
    result = month_summary(
        [],
        [PlanLine(1, "ind:1", "dokumen", D(2)), PlanLine(1, "ind:1", " Dokumen", D(3))],
        month=NOVEMBER,
        calendar=CALENDAR,
        today=TODAY,
    )
    ((line,),) = [a.outputs for a in result.asns]
    assert (line.unit, line.planned) == ("Dokumen", D(5))


def test_month_not_begun_has_no_due_day() -> None:
    result = month_summary(
        [], [], month=NOVEMBER, calendar=CALENDAR, today=date(2026, 10, 31), asn_ids=[1]
    )
    (only,) = result.asns
    assert (only.working_days, only.due_days, only.missing_days) == (20, 0, ())
    assert only.attendance_percent is None
    assert result.attendance_percent is None


def test_month_past_makes_every_working_day_due() -> None:
    result = month_summary(
        [], [], month=NOVEMBER, calendar=CALENDAR, today=date(2027, 1, 4), asn_ids=[1]
    )
    assert result.asns[0].missing_days == working_days(NOVEMBER, CALENDAR)
    assert result.total_due_days == 20


@pytest.mark.parametrize(
    ("days", "outputs", "reason"),
    [
        ([StateDays(1, APPROVED, [nov(2), date(2026, 12, 1)], [1, 1])], [], "outside_month"),
        ([StateDays(1, "draft", [nov(2)], [1])], [], "unknown_state"),
        ([StateDays(1, APPROVED, [nov(2), nov(3)], [1, 0])], [], "no_entries"),
        ([StateDays(1, APPROVED, [nov(2), nov(3)], [1, True])], [], "no_entries"),
        ([StateDays(1, APPROVED, [nov(2), nov(3)], [1])], [], "no_entries"),
        ([], [OutputSum(1, None, "km", APPROVED, D(1), 1, date(2026, 10, 31))], "outside_month"),
        ([], [OutputSum(1, None, "km", APPROVED, D(-1), 1, nov(2))], "negative_quantity"),
        ([], [OutputSum(1, None, " ", APPROVED, D(1), 1, nov(2))], "blank_unit"),
        ([], [OutputSum(1, None, "km", "draft", D(1), 1, nov(2))], "unknown_state"),
    ],
)
def test_invalid_aggregates_are_refused(
    days: list[StateDays], outputs: list[OutputSum], reason: str
) -> None:
    with pytest.raises(KinerjaInputError) as error:
        summarise(days, outputs, [], month=NOVEMBER, calendar=CALENDAR, today=TODAY)
    assert error.value.reason == reason


def test_entry_outside_the_month_is_refused() -> None:
    with pytest.raises(KinerjaInputError) as error:
        month_summary(
            [EntryLine(1, date(2026, 12, 1), None, "dokumen", D(1), APPROVED)],
            [],
            month=NOVEMBER,
            calendar=CALENDAR,
            today=TODAY,
        )
    assert error.value.reason == "outside_month"


@pytest.mark.parametrize(
    ("quantity", "state", "unit", "reason"),
    [
        (D(1), "draft", "dokumen", "unknown_state"),
        (D(-1), APPROVED, "dokumen", "negative_quantity"),
        (D("NaN"), APPROVED, "dokumen", "not_finite"),
        (D(1), APPROVED, "  ", "blank_unit"),
    ],
)
def test_invalid_entries_are_refused(quantity: Decimal, state: str, unit: str, reason: str) -> None:
    with pytest.raises(KinerjaInputError) as error:
        EntryLine(1, nov(2), None, unit, quantity, state)
    assert error.value.reason == reason


def test_float_quantity_is_refused() -> None:
    with pytest.raises(TypeError):
        EntryLine(1, nov(2), None, "km", 0.1, APPROVED)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        summarise(
            [],
            [],
            [PlanLine(1, None, "km", 0.1)],  # type: ignore[arg-type]
            month=NOVEMBER,
            calendar=CALENDAR,
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("plan", "reason"),
    [
        (PlanLine(1, "ind:1", "dokumen", D(-1)), "negative_quantity"),
        (PlanLine(1, "ind:1", "dokumen", D("Infinity")), "not_finite"),
        (PlanLine(1, "ind:1", "  ", D(1)), "blank_unit"),
    ],
)
def test_invalid_plan_lines_are_refused(plan: PlanLine, reason: str) -> None:
    with pytest.raises(KinerjaInputError) as error:
        summarise([], [], [plan], month=NOVEMBER, calendar=CALENDAR, today=TODAY)
    assert error.value.reason == reason


# --- properties ------------------------------------------------------------------------------

NOVEMBER_DAYS = [nov(1) + timedelta(days=n) for n in range(30)]

entry_lines = st.builds(
    EntryLine,
    asn_id=st.integers(1, 3),
    day=st.sampled_from(NOVEMBER_DAYS),
    target_key=st.sampled_from([None, "ind:1", "sub:2"]),
    unit=st.sampled_from(["dokumen", "Dokumen ", "km"]),
    quantity=st.decimals(min_value=0, max_value=1000, places=2),
    state=st.sampled_from([SUBMITTED, APPROVED, RETURNED]),
)
plan_lines = st.builds(
    PlanLine,
    asn_id=st.integers(1, 4),
    target_key=st.sampled_from([None, "ind:1", "sub:2"]),
    unit=st.sampled_from(["dokumen", "DOKUMEN", "km"]),
    planned=st.decimals(min_value=0, max_value=1000, places=2),
)
months = st.fixed_dictionaries(
    {
        "entries": st.lists(entry_lines, max_size=40),
        "plans": st.lists(plan_lines, max_size=8),
        "holidays": st.frozensets(st.sampled_from(NOVEMBER_DAYS), max_size=5),
        "today": st.dates(min_value=date(2026, 10, 25), max_value=date(2026, 12, 5)),
    }
)
PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=200, deadline=None, derandomize=True, database=None
)


def summarise_case(case: dict, entries: list[EntryLine] | None = None) -> AgencyMonth:
    days, outputs = aggregate(case["entries"] if entries is None else entries)
    return summarise(
        days,
        outputs,
        case["plans"],
        month=NOVEMBER,
        calendar=WorkingCalendar(holidays=case["holidays"]),
        today=case["today"],
        asn_ids=[5],
    )


@PROPERTY_SETTINGS
@given(months)
def test_days_add_up_for_every_asn(case: dict) -> None:
    calendar = WorkingCalendar(holidays=case["holidays"])
    result = summarise_case(case)
    for month in result.asns:
        assert month.reported_days + len(month.missing_days) == month.due_days
        assert month.approved_days <= month.reported_days <= month.due_days <= month.working_days
        assert list(month.missing_days) == sorted(set(month.missing_days))
        assert all(calendar.is_working_day(d) and d <= case["today"] for d in month.missing_days)
        # A missing day holds no submitted or approved entry of that ASN.
        counted = {
            e.day for e in case["entries"] if e.asn_id == month.asn_id and e.state != RETURNED
        }
        assert not counted & set(month.missing_days)
    assert result.total_reported_days + result.total_missing_days == result.total_due_days


@PROPERTY_SETTINGS
@given(months)
def test_output_is_neither_lost_nor_invented(case: dict) -> None:
    result = summarise_case(case)
    approved = sum((e.quantity for e in case["entries"] if e.state == APPROVED), D(0))
    submitted = sum((e.quantity for e in case["entries"] if e.state == SUBMITTED), D(0))
    assert sum((line.realised for line in result.outputs), D(0)) == approved
    assert sum((line.pending for line in result.outputs), D(0)) == submitted
    # The agency line of each (target, unit) is the sum of the ASNs' lines.
    per_key: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    for month in result.asns:
        for line in month.outputs:
            per_key[(line.target_key, unit_key(line.unit))] += line.realised
        if month.output_percent is not None:
            assert D(0) <= month.output_percent <= D(100)
    assert {
        (line.target_key, unit_key(line.unit)): line.realised for line in result.outputs
    } == per_key


@PROPERTY_SETTINGS
@given(months, st.randoms(use_true_random=False))
def test_order_of_the_entries_does_not_matter(case: dict, rng: Random) -> None:
    shuffled = list(case["entries"])
    rng.shuffle(shuffled)
    assert summarise_case(case, shuffled) == summarise_case(case)
