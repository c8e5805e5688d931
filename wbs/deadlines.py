"""Case deadlines: which clocks run, when each falls due, and the working-day calendar.

Plain Python, no Flask and no SQLAlchemy (DESIGN.md, "Layout": rules are plain functions
that take plain values), so every clock is tested with hand-computed dates. The holiday
table and the `holidays` package are read in ``wbs.holiday_calendar``.

Defaults and sources (shared/DOMAIN.md, "WBS", "Deadlines", lines 37-45; every duration
is a setting, since each Pemda may set its own by Perbup/Perwali):

- acknowledge receipt: 7 days [D, EU Directive 2019/1937 art. 9] (DOMAIN.md l. 38-39);
- verification of completeness (4W1H): 5 working days [P, SP4N-LAPOR] (l. 40);
- telaah / confirmation: 14 days [R, Permenkumham 57/2016] (l. 41);
- feedback to the reporter: 3 months [D, EU Directive 2019/1937 art. 9] (l. 42);
- completion: 60 days after the file is complete [R, Perpres 76/2013] (l. 43-44);
- working days skip weekends and national holidays, a holiday table per year (l. 45).

Waiting for the reporter pauses every clock (issue: "waiting for the reporter pauses the
clock"): while a case waits (``paused_since`` set) no clock runs, and once it resumes
every due date moves back by the days spent waiting (``paused_days``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from dateutil.relativedelta import relativedelta


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here.

    `pybabel extract` knows ``N_`` by default; this module has no Flask, so whoever
    shows a label translates it with ``gettext(deadline.label)``.
    """
    return message


ACKNOWLEDGE = "acknowledge"
VERIFICATION = "verification"
TELAAH = "telaah"
FEEDBACK = "feedback"
COMPLETION = "completion"

# English msgids; the Indonesian catalogue carries the Bahasa Indonesia labels.
LABELS: dict[str, str] = {
    ACKNOWLEDGE: N_("Acknowledge receipt"),
    VERIFICATION: N_("Verify completeness"),
    TELAAH: N_("Finish the assessment (telaah)"),
    FEEDBACK: N_("First feedback to the reporter"),
    COMPLETION: N_("Complete the examination"),
}

# Telaah runs until the file is complete (investigation began) or the case leaves
# triage for forwarded or rejected; a question to the reporter keeps it (paused).
_TELAAH_STATUSES = frozenset({"triage", "need_info"})
# Completion runs from the complete file until the conclusion; need_info pauses it.
_COMPLETION_STATUSES = frozenset({"investigation", "need_info"})
_CLOSED = "closed"


class DeadlineSettings(Protocol):
    """The fields of ``wbs.settings.Settings`` the rules are read from (typing only)."""

    @property
    def deadline_acknowledge_days(self) -> int: ...
    @property
    def deadline_verification_working_days(self) -> int: ...
    @property
    def deadline_telaah_days(self) -> int: ...
    @property
    def deadline_feedback_months(self) -> int: ...
    @property
    def deadline_completion_days(self) -> int: ...
    @property
    def deadline_warning_days(self) -> int: ...


@dataclass(frozen=True)
class DeadlineRules:
    """The durations of DOMAIN.md "Deadlines"; the defaults are its defaults."""

    acknowledge_days: int = 7
    verification_working_days: int = 5
    telaah_days: int = 14
    feedback_months: int = 3
    completion_days: int = 60
    # Officers are warned this many days before a case falls due.
    warning_days: int = 3

    @classmethod
    def from_settings(cls, settings: DeadlineSettings) -> DeadlineRules:
        return cls(
            acknowledge_days=settings.deadline_acknowledge_days,
            verification_working_days=settings.deadline_verification_working_days,
            telaah_days=settings.deadline_telaah_days,
            feedback_months=settings.deadline_feedback_months,
            completion_days=settings.deadline_completion_days,
            warning_days=settings.deadline_warning_days,
        )


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days: Monday to Friday, except the given holidays (DOMAIN.md l. 45).

    ``holidays`` holds national holidays and local days off (cuti bersama); Saturdays
    and Sundays are never working days whether listed or not.
    """

    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself never counts).

        n = 0 gives ``start`` back unchanged.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


@dataclass(frozen=True)
class Milestones:
    """The plain dates of a case that the clocks read (wbs/models/case.py)."""

    status: str
    received_on: date
    acknowledged_on: date | None = None
    triage_started_on: date | None = None
    verified_on: date | None = None
    complete_on: date | None = None
    first_feedback_on: date | None = None
    concluded_on: date | None = None
    closed_on: date | None = None
    paused_since: date | None = None
    paused_days: int = 0


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_on: date

    @property
    def label(self) -> str:
        """English msgid naming the deadline; translate it where it is shown."""
        return LABELS[self.kind]


def open_deadlines(
    m: Milestones, rules: DeadlineRules, calendar: WorkingCalendar
) -> list[Deadline]:
    """Every clock still running for the case, earliest due first.

    Empty for a closed case and while the case waits for the reporter (paused).
    """
    if m.status == _CLOSED or m.paused_since is not None:
        return []
    shift = timedelta(days=m.paused_days)
    found: list[Deadline] = []
    if m.acknowledged_on is None:
        found.append(
            Deadline(ACKNOWLEDGE, m.received_on + timedelta(rules.acknowledge_days) + shift)
        )
    if m.triage_started_on is not None and m.verified_on is None:
        counted = calendar.add_working_days(m.triage_started_on, rules.verification_working_days)
        # A working-day clock pushed back by calendar days may land on a weekend or a
        # holiday: it then falls due on the next working day.
        found.append(Deadline(VERIFICATION, calendar.next_working_day(counted + shift)))
    if m.triage_started_on is not None and m.complete_on is None and m.status in _TELAAH_STATUSES:
        found.append(Deadline(TELAAH, m.triage_started_on + timedelta(rules.telaah_days) + shift))
    if m.first_feedback_on is None:
        # Calendar months: 30 Nov + 3 months = 28 Feb (relativedelta clips to month end).
        months = relativedelta(months=rules.feedback_months)
        found.append(Deadline(FEEDBACK, m.received_on + months + shift))
    if m.complete_on is not None and m.concluded_on is None and m.status in _COMPLETION_STATUSES:
        found.append(Deadline(COMPLETION, m.complete_on + timedelta(rules.completion_days) + shift))
    return sorted(found, key=lambda deadline: deadline.due_on)


def due_date(m: Milestones, rules: DeadlineRules, calendar: WorkingCalendar) -> date | None:
    """The due date of the earliest open deadline; None when no clock runs."""
    deadlines = open_deadlines(m, rules, calendar)
    return deadlines[0].due_on if deadlines else None


def is_overdue(due_on: date | None, today: date) -> bool:
    """Past due once the due day itself has gone by; the due day is still in time."""
    return due_on is not None and due_on < today


def is_due_soon(due_on: date | None, today: date, rules: DeadlineRules) -> bool:
    """Within the warning window (``warning_days`` before the due day, up to that day)."""
    return due_on is not None and today <= due_on <= today + timedelta(rules.warning_days)


def pause(m: Milestones, today: date) -> tuple[date | None, int]:
    """(paused_since, paused_days) once the case starts waiting for the reporter.

    Pausing a case that already waits keeps the first day, so no waiting day is lost.
    """
    if m.paused_since is not None:
        return m.paused_since, m.paused_days
    return today, m.paused_days


def resume(m: Milestones, today: date) -> tuple[date | None, int]:
    """(paused_since, paused_days) once the wait is over: the days waited are added."""
    if m.paused_since is None:
        return None, m.paused_days
    return None, m.paused_days + max(0, (today - m.paused_since).days)
