"""The month of e-Kinerja: days reported per ASN, output realised against the monthly plan.

Each ASN (*aparatur sipil negara*, civil servant) records daily activities: an activity,
an output quantity and its unit, optionally linked to an output target (a *target key*
such as "ind:123" for an indicator of the e-SAKIP performance tree or "sub:45" for a sub
kegiatan). Each ASN also plans, per month, the output quantity per (target key, unit).
A supervisor approves or returns each day's entries; only approved entries are
*realisasi* (realised output). This module turns the entries and the plan of one month
into the figures shown to the ASN, the supervisor and the agency.

Plain Python, no Flask and no database: frozen dataclasses and named tuples in, frozen
dataclasses out. Quantities are ``Decimal``; percentages are rounded once, to 2 decimals,
half up (as every percentage of e-SAKIP, ``wbs.sakip.achievement.round2``).

The input is pre-aggregated, so that an agency of 5,000 ASN costs Python work in
proportion to ASN, not to entries or days: one ``StateDays`` per ASN and state (the days
holding entries in that state, and how many entries each holds) and one ``OutputSum``
per ASN, target key, unit spelling and state (their total quantity, count and earliest
day) -- what a SQL GROUP BY gives.
``aggregate`` makes them from single entries (``EntryLine``), and ``month_summary``
takes entries as before; ``summarise`` takes the aggregates. Every rule below is
applied here and only here, on either input.

Choices made here (ours, not a regulation's):

- **Reported day.** A due working day is reported when it holds at least one entry that
  is submitted or approved. A day whose entries were all returned is *not* reported until
  an entry is submitted again: the supervisor sent it back, so the report is not there.
- **Approved day.** A due working day holding at least one approved entry.
- **Due day.** A working day of the month before ``today``, and today itself once it is
  reported: the day is not over, so an ASN who has not written today's report yet is
  not shown as missing it (at 07:00 he could not have), but one who has is counted.
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
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import Final, NamedTuple

from wbs.deadlines import WorkingCalendar

SUBMITTED: Final = "submitted"
APPROVED: Final = "approved"
RETURNED: Final = "returned"
STATES: Final = frozenset({SUBMITTED, APPROVED, RETURNED})

HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")
# The arithmetic of percents and means: 60 digits, so that a quotient is either exact or
# rounded some 40 places below the cent, where it cannot cross a half cent (a quotient
# of quantities of 14 digits that is not a half cent lies at least ~1e-30 from one): the
# result is that of exact fractions. Independent of the thread's decimal context.
_EXACT: Final = Context(prec=60, rounding=ROUND_HALF_UP)

# (target key, normalised unit): the identity of an output line.
OutputKey = tuple[str | None, str]


class KinerjaInputError(ValueError):
    """An entry or plan line no rule can be applied to.

    ``reason`` is a stable code for the caller ("unknown_state", "negative_quantity",
    "not_finite", "blank_unit", "outside_month", "no_entries"); the text is for logs.
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


class PlanLine(NamedTuple):
    """The planned output of an ASN for the month, for one (target key, unit). A named
    tuple (an agency's month holds thousands): checked by ``summarise``, as an
    EntryLine's quantity and unit are."""

    asn_id: int
    target_key: str | None
    unit: str
    planned: Decimal


class StateDays(NamedTuple):
    """The days of one ASN in one review state that hold entries: ``entries[i]`` entries
    on ``days[i]``.

    From the database, one per ASN and state (ActivityDay.state: every entry of a day
    shares it), each day once. Several states on one day (``aggregate`` of entries whose
    states differ) count as their entries would. A named tuple of two sequences, not a
    line per day: an agency's month holds ASN × days of them, and the rules below take a
    whole set of days at once. Checked by ``summarise``.
    """

    asn_id: int
    state: str
    days: Sequence[date]
    entries: Sequence[int]


class OutputSum(NamedTuple):
    """The entries of one ASN for one (target key, unit as spelt, state): their total
    quantity, how many they are and the earliest day among them (which spells an
    unplanned line). Checked by ``summarise``."""

    asn_id: int
    target_key: str | None
    unit: str
    state: str
    quantity: Decimal
    entries: int
    first_day: date


class OutputLine(NamedTuple):
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


class AsnMonth(NamedTuple):
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


def _round2(value: Decimal) -> Decimal:
    """To 2 decimals, half up (0.125 → 0.13)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_EXACT)


@lru_cache(maxsize=8192)
def _percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole × 100 to 2 decimals; None when whole is 0 (no percent of nothing).

    Remembered: an agency's month asks for the same few hundred pairs thousands of times
    (reported of due days, realised of planned). Equal pairs give equal results whatever
    their spelling (20 and Decimal("20.0")): the result is quantized to the cent."""
    if whole == 0:
        return None
    return _round2(_EXACT.divide(_EXACT.multiply(Decimal(part), HUNDRED), Decimal(whole)))


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    """The mean to 2 decimals, half up; None of nothing."""
    if not values:
        return None
    total = Decimal(0)
    for value in values:
        total = _EXACT.add(total, value)
    return _round2(_EXACT.divide(total, Decimal(len(values))))


# An ASN's output percent, the mean of his few line percents: remembered, as _percent,
# since the ASN of an agency share the same few combinations.
_line_mean = lru_cache(maxsize=4096)(_mean)


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

ZERO: Final = Decimal(0)


def _line_order(key: OutputKey) -> tuple[bool, str, str]:
    # Targeted lines first, by target key; activities linked to no target last.
    target_key, unit = key
    return (target_key is None, target_key or "", unit)


class _Line:
    """One output line of an ASN while its plan and entries are added up."""

    __slots__ = ("first_seen", "pending", "plan_spelling", "planned", "realised")

    def __init__(self) -> None:
        self.planned: Decimal | None = None
        self.plan_spelling: str | None = None
        self.realised = ZERO
        self.pending = ZERO
        # (earliest day, smallest spelling that day) of the counting entries: the order
        # of the input never changes what is shown.
        self.first_seen: tuple[date, str] | None = None

    def plan(self, planned: Decimal, spelling: str) -> None:
        self.planned = (ZERO if self.planned is None else self.planned) + planned
        if self.plan_spelling is None or spelling < self.plan_spelling:
            self.plan_spelling = spelling

    def count(self, approved: bool, quantity: Decimal, first_day: date, spelling: str) -> None:
        if approved:
            self.realised += quantity
        else:
            self.pending += quantity
        seen = (first_day, spelling)
        if self.first_seen is None or seen < self.first_seen:
            self.first_seen = seen


# The output lines of one ASN being added up, by (target key, unit key).
_Lines = dict[OutputKey, _Line]


class _LineBook:
    """The output lines of every ASN while they are added up, and each unit spelling
    compared and trimmed once."""

    def __init__(self) -> None:
        self.lines_of: dict[int, _Lines] = {}
        self._spelt: dict[str, tuple[str, str]] = {}

    def spelling(self, unit: str) -> tuple[str, str]:
        """(unit key, unit as shown) of a unit as spelt; a blank unit is refused."""
        found = self._spelt.get(unit)
        if found is None:
            _check_unit(unit)
            found = self._spelt[unit] = (unit_key(unit), unit.strip())
        return found

    def line(self, asn_id: int, target_key: str | None, key_of_unit: str) -> _Line:
        lines = self.lines_of.get(asn_id)
        if lines is None:
            lines = self.lines_of[asn_id] = {}
        line = lines.get((target_key, key_of_unit))
        if line is None:
            line = lines[(target_key, key_of_unit)] = _Line()
        return line


def _output_lines(lines: _Lines) -> tuple[OutputLine, ...]:
    result: list[OutputLine] = []
    for key in sorted(lines, key=_line_order):
        line = lines[key]
        shown = line.plan_spelling
        if shown is None and line.first_seen is not None:
            shown = line.first_seen[1]
        planned = line.planned
        result.append(
            OutputLine(
                key[0],
                shown or "",
                planned,
                line.realised,
                line.pending,
                None if planned is None else _percent(line.realised, planned),
            )
        )
    return tuple(result)


def _agency_lines(asns: Sequence[AsnMonth]) -> tuple[OutputLine, ...]:
    """Each (target key, unit) summed over the ASNs; the lowest asn_id's plan spells it."""
    planned: dict[OutputKey, Decimal] = {}
    realised: dict[OutputKey, Decimal] = defaultdict(Decimal)
    pending: dict[OutputKey, Decimal] = defaultdict(Decimal)
    plan_spelling: dict[OutputKey, str] = {}
    any_spelling: dict[OutputKey, str] = {}
    unit_keys: dict[str, str] = {}  # each spelling compared once
    for asn in asns:  # sorted by asn_id
        for line in asn.outputs:
            key_of_unit = unit_keys.get(line.unit)
            if key_of_unit is None:
                key_of_unit = unit_keys[line.unit] = unit_key(line.unit)
            key = (line.target_key, key_of_unit)
            if line.planned is not None:
                planned[key] = planned.get(key, ZERO) + line.planned
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
    reported: set[date],
    approved: set[date],
    weekend_or_holiday_entries: int,
    output_lines: _Lines,
    working: tuple[date, ...],
    due: tuple[date, ...],
    today: date,
) -> AsnMonth:
    lines = _output_lines(output_lines) if output_lines else ()
    # ``reported`` holds days of ``due`` and today (when a working day) only.
    due_days = len(due) + (today in reported)
    missing = () if len(reported) == due_days else tuple(d for d in due if d not in reported)
    return AsnMonth(
        asn_id,
        len(working),
        due_days,
        len(reported),
        len(approved),
        missing,
        weekend_or_holiday_entries,
        lines,
        _percent(len(reported), due_days),
        _line_mean(tuple(min(line.percent, HUNDRED) for line in lines if line.percent is not None)),
    )


def _outside(day: date, first: date) -> KinerjaInputError:
    return KinerjaInputError("outside_month", f"entry of {day.isoformat()} is not in {first:%Y-%m}")


def _check_state(state: str) -> None:
    if state not in STATES:
        raise KinerjaInputError("unknown_state", f"unknown entry state {state!r}")


def _check_count(entries: int) -> None:
    if type(entries) is not int or entries < 1:
        raise KinerjaInputError("no_entries", f"a line stands for 1 entry or more, not {entries!r}")


def _check_counts(days: Sequence[date], entries: Sequence[int]) -> None:
    """One count per day, each an int of 1 or more (bool is not a count)."""
    if len(days) != len(entries):
        raise KinerjaInputError(
            "no_entries", f"{len(days)} days with {len(entries)} counts of entries"
        )
    if entries and (min(entries) < 1 or not set(map(type, entries)) <= {int}):
        for count in entries:
            _check_count(count)


def summarise(
    days: Iterable[StateDays],
    outputs: Iterable[OutputSum],
    plans: Iterable[PlanLine],
    *,
    month: tuple[int, int],
    calendar: WorkingCalendar,
    today: date,
    asn_ids: Iterable[int] = (),
) -> AgencyMonth:
    """The month (year, month) of an agency from its days per state, output sums and plan
    lines.

    ``asn_ids`` is the agency's list of ASN: each appears even with neither plan nor
    entries (every due day missing); an ASN found only in the other inputs appears too.
    Days must lie in the month (KinerjaInputError "outside_month"), states be known
    ("unknown_state"), each day have a count of 1 or more ("no_entries"), quantities
    (planned too) and units be as an EntryLine's (a float is a TypeError); plan lines are
    taken to be the month's.
    """
    first, last = month_days(month)
    working = working_days(month, calendar)
    due = tuple(day for day in working if day < today)  # and today, once reported
    of_month = frozenset(first + timedelta(days=n) for n in range(last.day))
    # The days a report counts on: the due days, and today when it is a working day.
    countable = frozenset(day for day in working if day <= today)
    days_off = of_month.difference(working)

    # One pass per ASN and state; the days of each are taken as a set, so that the
    # cost is set operations in C, not a Python step per day.
    reported_of: dict[int, set[date]] = {}
    approved_of: dict[int, set[date]] = {}
    off_entries: dict[int, int] = {}
    for asn_id, state, held_days, entries in days:
        held = set(held_days)
        if not held <= of_month:
            raise _outside(min(held - of_month), first)
        _check_state(state)
        _check_counts(held_days, entries)
        reported = reported_of.get(asn_id)
        if reported is None:  # listed, even with returned entries only
            reported = reported_of[asn_id] = set()
        if state == RETURNED:
            continue
        counted = held & countable
        reported |= counted
        if state == APPROVED and counted:
            approved_of.setdefault(asn_id, set()).update(counted)
        if not held.isdisjoint(days_off):
            off_entries[asn_id] = off_entries.get(asn_id, 0) + sum(
                count for day, count in zip(held_days, entries, strict=True) if day in days_off
            )

    # One pass over the plans and one over the output sums (ASN × targets × units ×
    # states), each added straight into its ASN's line.
    book = _LineBook()
    for asn_id, target_key, unit, planned in plans:
        _check_quantity(planned, "planned")
        key_of_unit, shown = book.spelling(unit)
        book.line(asn_id, target_key, key_of_unit).plan(planned, shown)
    seen: set[int] = set()
    for asn_id, target_key, unit, state, quantity, count, first_day in outputs:
        if not first <= first_day <= last:
            raise _outside(first_day, first)
        if state not in STATES or type(count) is not int or count < 1:
            _check_state(state)
            _check_count(count)
        _check_quantity(quantity, "quantity")
        key_of_unit, shown = book.spelling(unit)
        seen.add(asn_id)
        if state != RETURNED:
            book.line(asn_id, target_key, key_of_unit).count(
                state == APPROVED, quantity, first_day, shown
            )
    lines_of = book.lines_of

    # An ASN with only returned entries appears (as he did from single entries).
    nothing: set[date] = set()
    everyone = sorted(set(asn_ids) | reported_of.keys() | seen | lines_of.keys())
    asns = tuple(
        _asn_month(
            asn_id,
            reported_of.get(asn_id, nothing),
            approved_of.get(asn_id, nothing),
            off_entries.get(asn_id, 0),
            lines_of.get(asn_id, {}),
            working,
            due,
            today,
        )
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


def aggregate(entries: Iterable[EntryLine]) -> tuple[list[StateDays], list[OutputSum]]:
    """Single entries as ``summarise`` takes them: what the GROUP BY of the database gives
    (one StateDays per ASN and state, its days in order; one OutputSum per ASN, target
    key, unit as spelt and state, in the order first met)."""
    day_counts: dict[tuple[int, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    sums: dict[tuple[int, str | None, str, str], tuple[Decimal, int, date]] = {}
    for entry in entries:
        day_counts[(entry.asn_id, entry.state)][entry.day] += 1
        key = (entry.asn_id, entry.target_key, entry.unit, entry.state)
        if key in sums:
            total, count, first_day = sums[key]
            sums[key] = (total + entry.quantity, count + 1, min(first_day, entry.day))
        else:
            sums[key] = (entry.quantity, 1, entry.day)
    days = [
        StateDays(asn_id, state, sorted(counts), [counts[day] for day in sorted(counts)])
        for (asn_id, state), counts in day_counts.items()
    ]
    outputs = [
        OutputSum(asn_id, target_key, unit, state, total, count, first_day)
        for (asn_id, target_key, unit, state), (total, count, first_day) in sums.items()
    ]
    return days, outputs


def month_summary(
    entries: Iterable[EntryLine],
    plans: Iterable[PlanLine],
    *,
    month: tuple[int, int],
    calendar: WorkingCalendar,
    today: date,
    asn_ids: Iterable[int] = (),
) -> AgencyMonth:
    """``summarise`` of single entries (``aggregate``): for a caller holding entries, and
    the reference the aggregated input is tested against. Entries must lie in the month
    (KinerjaInputError "outside_month")."""
    days, outputs = aggregate(entries)
    return summarise(
        days, outputs, plans, month=month, calendar=calendar, today=today, asn_ids=asn_ids
    )
