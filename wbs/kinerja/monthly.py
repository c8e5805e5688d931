"""The month of e-Kinerja: days reported per ASN, output realised against the monthly plan.

Each ASN (*aparatur sipil negara*, civil servant) records daily activities: an activity,
an output quantity and its unit, optionally linked to an output target (a *target key*
such as "ind:123" for an indicator of the e-SAKIP performance tree or "sub:45" for a sub
kegiatan). Each ASN also plans, per month, the output quantity per (target key, unit).
A supervisor approves or returns each day's entries; only approved entries are
*realisasi* (realised output). This module turns the entries and the plan of one month
into the figures shown to the ASN, the supervisor and the agency.

Plain Python, no Flask and no database: frozen dataclasses in, frozen dataclasses out.
Quantities are ``Decimal``; percentages are exact fractions rounded once, to 2 decimals,
half up (as every percentage of e-SAKIP, ``wbs.sakip.achievement.round2``).

Choices made here (ours, not a regulation's):

- **Reported day.** A due working day is reported when it holds at least one entry that
  is submitted or approved. A day whose entries were all returned is *not* reported until
  an entry is submitted again: the supervisor sent it back, so the report is not there.
- **Approved day.** A due working day holding at least one approved entry.
- **Due day.** A working day of the month up to and including ``min(today, month end)``;
  today is due, so a report not yet written today shows as missing.
- **Weekend and holiday entries** are allowed and shown (``weekend_or_holiday_entries``
  counts the submitted and approved ones); their output counts, but they never fill a
  missing working day.
- **Entries dated after today** (within the month) count as output like any other, but
  not as reported days, since those days are not due yet.
- **Returned entries count nowhere**: not as output (neither realised nor pending), not as
  a reported day, and they do not create an output line of their own (their target or
  unit may be exactly what the supervisor returned them for).
- **Units** are compared case-insensitively after stripping spaces: "Dokumen " and
  "dokumen" are one unit. A line is shown with the plan's spelling; an unplanned line
  with the spelling of its earliest entry. Plan lines of one ASN that name the same
  (target key, unit) are added together.
- **Output percent of an ASN** is the mean of the *capaian* (percent) of its planned
  lines, each capped at 100 for the mean, so one over-achieved line cannot hide a missed
  one; the lines themselves show the raw percent (150 % stays 150 %). A line planned at 0
  has no percent and does not enter the mean; with no such line the mean is None.
- **Agency output percent** is the mean of the ASNs' output percents that are not None;
  agency attendance is the sum of reported days over the sum of due days.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Final

from wbs.deadlines import WorkingCalendar

SUBMITTED: Final = "submitted"
APPROVED: Final = "approved"
RETURNED: Final = "returned"
STATES: Final = frozenset({SUBMITTED, APPROVED, RETURNED})

HUNDRED: Final = Decimal(100)

# (target key, normalised unit): the identity of an output line.
OutputKey = tuple[str | None, str]


class KinerjaInputError(ValueError):
    """An entry or plan line no rule can be applied to.

    ``reason`` is a stable code for the caller ("unknown_state", "negative_quantity",
    "not_finite", "blank_unit", "outside_month"); the text is for logs.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


def _check_quantity(value: Decimal, name: str) -> None:
    # A float is refused: Decimal(0.1) is not the 0.1 someone typed. bool is not a Decimal.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise KinerjaInputError("not_finite", f"{name} must be a finite number, not {value}")
    if value < 0:
        raise KinerjaInputError("negative_quantity", f"{name} must not be negative: {value}")


def _check_unit(unit: str) -> None:
    if not unit.strip():
        raise KinerjaInputError("blank_unit", "the unit must not be blank")


def unit_key(unit: str) -> str:
    """The unit as compared: stripped and case-folded ("Dokumen " and "dokumen" agree)."""
    return unit.strip().casefold()


@dataclass(frozen=True)
class EntryLine:
    """One daily activity entry of an ASN, with the review state of its day."""

    asn_id: int
    day: date
    target_key: str | None
    unit: str
    quantity: Decimal
    state: str

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise KinerjaInputError("unknown_state", f"unknown entry state {self.state!r}")
        _check_quantity(self.quantity, "quantity")
        _check_unit(self.unit)


@dataclass(frozen=True)
class PlanLine:
    """The planned output of an ASN for the month, for one (target key, unit)."""

    asn_id: int
    target_key: str | None
    unit: str
    planned: Decimal

    def __post_init__(self) -> None:
        _check_quantity(self.planned, "planned")
        _check_unit(self.unit)


@dataclass(frozen=True)
class OutputLine:
    """Planned against realised output for one (target key, unit).

    ``planned`` is None for unplanned output; ``realised`` sums approved entries,
    ``pending`` submitted ones awaiting review; ``percent`` (the *capaian*) is
    realised / planned × 100 to 2 decimals, None with no plan or a plan of 0.
    """

    target_key: str | None
    unit: str
    planned: Decimal | None
    realised: Decimal
    pending: Decimal
    percent: Decimal | None


@dataclass(frozen=True)
class AsnMonth:
    """The month of one ASN. ``missing_days`` are the due working days not reported."""

    asn_id: int
    working_days: int
    due_days: int
    reported_days: int
    approved_days: int
    missing_days: tuple[date, ...]
    weekend_or_holiday_entries: int
    outputs: tuple[OutputLine, ...]
    attendance_percent: Decimal | None
    output_percent: Decimal | None


@dataclass(frozen=True)
class AgencyMonth:
    """The month of an agency: its ASNs (by asn_id) and their totals."""

    month: tuple[int, int]
    asns: tuple[AsnMonth, ...]
    asn_count: int
    total_due_days: int
    total_reported_days: int
    total_missing_days: int
    attendance_percent: Decimal | None
    output_percent: Decimal | None
    outputs: tuple[OutputLine, ...]


# --- numbers ---------------------------------------------------------------------------------


def _round2(value: Fraction) -> Decimal:
    """A non-negative exact fraction to 2 decimals, half up (0.125 → 0.13)."""
    cents = floor(value * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


def _percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole × 100 to 2 decimals; None when whole is 0 (no percent of nothing)."""
    if whole == 0:
        return None
    return _round2(Fraction(part) * 100 / Fraction(whole))


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    return _round2(sum((Fraction(v) for v in values), Fraction(0)) / len(values))


# --- days ------------------------------------------------------------------------------------


def month_days(month: tuple[int, int]) -> tuple[date, date]:
    """The first and last day of ``month`` given as (year, month)."""
    year, number = month
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


def working_days(month: tuple[int, int], calendar: WorkingCalendar) -> tuple[date, ...]:
    """The working days of ``month``, in order."""
    first, last = month_days(month)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(day for day in days if calendar.is_working_day(day))


# --- output lines ----------------------------------------------------------------------------


def _line_order(key: OutputKey) -> tuple[bool, str, str]:
    # Targeted lines first, by target key; activities linked to no target last.
    target_key, unit = key
    return (target_key is None, target_key or "", unit)


def _output_lines(
    counting: Sequence[EntryLine], plans: Sequence[PlanLine]
) -> tuple[OutputLine, ...]:
    planned: dict[OutputKey, Decimal] = defaultdict(Decimal)
    plan_spelling: dict[OutputKey, str] = {}
    for plan in plans:
        key = (plan.target_key, unit_key(plan.unit))
        planned[key] += plan.planned
        spelling = plan.unit.strip()
        plan_spelling[key] = min(plan_spelling.get(key, spelling), spelling)

    realised: dict[OutputKey, Decimal] = defaultdict(Decimal)
    pending: dict[OutputKey, Decimal] = defaultdict(Decimal)
    # The earliest entry's spelling; on one day the smallest, so the order of the input
    # never changes what is shown.
    entry_spelling: dict[OutputKey, tuple[date, str]] = {}
    for entry in counting:
        key = (entry.target_key, unit_key(entry.unit))
        if entry.state == APPROVED:
            realised[key] += entry.quantity
        else:
            pending[key] += entry.quantity
        candidate = (entry.day, entry.unit.strip())
        entry_spelling[key] = min(entry_spelling.get(key, candidate), candidate)

    lines: list[OutputLine] = []
    for key in sorted(planned.keys() | entry_spelling.keys(), key=_line_order):
        plan = planned[key] if key in planned else None
        done = realised[key]
        lines.append(
            OutputLine(
                target_key=key[0],
                unit=plan_spelling[key] if key in plan_spelling else entry_spelling[key][1],
                planned=plan,
                realised=done,
                pending=pending[key],
                percent=None if plan is None else _percent(done, plan),
            )
        )
    return tuple(lines)


def _agency_lines(asns: Sequence[AsnMonth]) -> tuple[OutputLine, ...]:
    """Each (target key, unit) summed over the ASNs; the lowest asn_id's plan spells it."""
    planned: dict[OutputKey, Decimal] = {}
    realised: dict[OutputKey, Decimal] = defaultdict(Decimal)
    pending: dict[OutputKey, Decimal] = defaultdict(Decimal)
    plan_spelling: dict[OutputKey, str] = {}
    any_spelling: dict[OutputKey, str] = {}
    for asn in asns:  # sorted by asn_id
        for line in asn.outputs:
            key = (line.target_key, unit_key(line.unit))
            if line.planned is not None:
                planned[key] = planned.get(key, Decimal(0)) + line.planned
                plan_spelling.setdefault(key, line.unit)
            realised[key] += line.realised
            pending[key] += line.pending
            any_spelling.setdefault(key, line.unit)
    lines: list[OutputLine] = []
    for key in sorted(any_spelling, key=_line_order):
        plan = planned.get(key)
        lines.append(
            OutputLine(
                target_key=key[0],
                unit=plan_spelling.get(key, any_spelling[key]),
                planned=plan,
                realised=realised[key],
                pending=pending[key],
                percent=None if plan is None else _percent(realised[key], plan),
            )
        )
    return tuple(lines)


# --- the month -------------------------------------------------------------------------------


def _asn_month(
    asn_id: int,
    entries: Sequence[EntryLine],
    plans: Sequence[PlanLine],
    working: tuple[date, ...],
    due: tuple[date, ...],
    calendar: WorkingCalendar,
) -> AsnMonth:
    counting = [entry for entry in entries if entry.state != RETURNED]
    due_set = frozenset(due)
    reported = {entry.day for entry in counting if entry.day in due_set}
    approved = {entry.day for entry in counting if entry.day in due_set and entry.state == APPROVED}
    outputs = _output_lines(counting, plans)
    return AsnMonth(
        asn_id=asn_id,
        working_days=len(working),
        due_days=len(due),
        reported_days=len(reported),
        approved_days=len(approved),
        missing_days=tuple(day for day in due if day not in reported),
        weekend_or_holiday_entries=sum(
            1 for entry in counting if not calendar.is_working_day(entry.day)
        ),
        outputs=outputs,
        attendance_percent=_percent(len(reported), len(due)),
        output_percent=_mean(
            [min(line.percent, HUNDRED) for line in outputs if line.percent is not None]
        ),
    )


def month_summary(
    entries: Iterable[EntryLine],
    plans: Iterable[PlanLine],
    *,
    month: tuple[int, int],
    calendar: WorkingCalendar,
    today: date,
    asn_ids: Iterable[int] = (),
) -> AgencyMonth:
    """The month (year, month) of an agency from its entries and plan lines.

    ``asn_ids`` is the agency's list of ASN: each appears even with neither plan nor
    entries (every due day missing); an ASN found only in ``entries`` or ``plans``
    appears too. Entries must lie in the month (KinerjaInputError "outside_month");
    plan lines are taken to be the month's.
    """
    first, last = month_days(month)
    entry_list = tuple(entries)
    plan_list = tuple(plans)
    for entry in entry_list:
        if not first <= entry.day <= last:
            raise KinerjaInputError(
                "outside_month", f"entry of {entry.day.isoformat()} is not in {first:%Y-%m}"
            )

    working = working_days(month, calendar)
    due = tuple(day for day in working if day <= today)

    entries_of: dict[int, list[EntryLine]] = defaultdict(list)
    for entry in entry_list:
        entries_of[entry.asn_id].append(entry)
    plans_of: dict[int, list[PlanLine]] = defaultdict(list)
    for plan in plan_list:
        plans_of[plan.asn_id].append(plan)

    everyone = sorted(set(asn_ids) | entries_of.keys() | plans_of.keys())
    asns = tuple(
        _asn_month(asn_id, entries_of[asn_id], plans_of[asn_id], working, due, calendar)
        for asn_id in everyone
    )
    total_due = sum(asn.due_days for asn in asns)
    total_reported = sum(asn.reported_days for asn in asns)
    return AgencyMonth(
        month=month,
        asns=asns,
        asn_count=len(asns),
        total_due_days=total_due,
        total_reported_days=total_reported,
        total_missing_days=sum(len(asn.missing_days) for asn in asns),
        attendance_percent=_percent(total_reported, total_due),
        output_percent=_mean(
            [asn.output_percent for asn in asns if asn.output_percent is not None]
        ),
        outputs=_agency_lines(asns),
    )
