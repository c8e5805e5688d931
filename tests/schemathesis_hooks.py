"""Schemathesis hooks for API v1 (issue 6): rules the OpenAPI description states in
words because JSON Schema cannot (relations between fields, today's date, the tracking
code's Damm check digit).

Positive cases are brought within those rules, so that ``positive_data_acceptance``
tests what the description promises; negative cases are left alone. Loaded by
tests/test_schemathesis.py in process, and by ``schemathesis run`` through
``SCHEMATHESIS_HOOKS=tests.schemathesis_hooks``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import schemathesis
from schemathesis import Case, GenerationMode, HookContext
from stdnum import damm

MAX_RANGE_DAYS = 3650  # under wbs.stats_periods.MAX_RANGE_YEARS


def _today() -> date:
    # A day before UTC's today is not in the future in any Indonesian time zone.
    return datetime.now(UTC).date() - timedelta(days=1)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _day(value: object) -> date | None:
    return None if _blank(value) else date.fromisoformat(str(value).strip())


def _tracking_code(body: dict[str, object]) -> None:
    digits = re.sub(r"[\s-]", "", str(body["tracking_code"]))
    body["tracking_code"] = digits[:15] + str(damm.calc_check_digit(digits[:15]))


def _report_dates(body: dict[str, object], today: date) -> None:
    first, last = _day(body.get("incident_from")), _day(body.get("incident_until"))
    first = min(first, today) if first else None
    last = min(last, today) if last else None
    if first is None:
        last = None
    if first and last and last < first:
        first, last = last, first
    for name, value in (("incident_from", first), ("incident_until", last)):
        if name in body:
            body[name] = value.isoformat() if value else None


def _stats_period(query: dict[str, object]) -> None:
    first, last = _day(query.get("from")), _day(query.get("until"))
    if not _blank(query.get("period")) or not (first and last):
        # A named period, or none: never together with a range, never half a range.
        query.pop("from", None)
        query.pop("until", None)
        return
    first, last = min(first, last), max(first, last)
    if (last - first).days >= MAX_RANGE_DAYS:
        last = first
    query["from"], query["until"] = first.isoformat(), last.isoformat()


def keep_to_the_described_rules(case: Case, today: date) -> None:
    operation = case.operation.definition.raw.get("operationId")
    if operation == "reportStatus" and isinstance(case.body, dict):
        _tracking_code(case.body)
    elif operation == "fileReport" and isinstance(case.body, dict):
        _report_dates(case.body, today)
    elif operation == "getStatistics" and isinstance(case.query, dict):
        _stats_period(case.query)


@schemathesis.hook
def map_case(_context: HookContext, case: Case) -> Case:
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
        keep_to_the_described_rules(case, _today())
    return case
