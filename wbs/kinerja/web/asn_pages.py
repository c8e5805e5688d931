"""What the ASN's own e-Kinerja pages (issue 7) share: the clock, his profile, the day
and month in the address, the evidence rules and uploads of a request, and how a
stored time reads. How a photo flag reads is in flag_words.py."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import abort, request
from flask_babel import format_date
from werkzeug.datastructures import FileStorage

from wbs.app_context import settings
from wbs.installation import now_utc
from wbs.kinerja import entries
from wbs.kinerja.photo_evidence import EvidenceRules
from wbs.kinerja.web import access
from wbs.models import AsnProfile
from wbs.staff_auth import Officer

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def clock() -> tuple[datetime, date]:
    """Now (naive UTC) and today in the deployment's zone."""
    now = now_utc()
    return now, entries.local_today(now, settings().timezone)


def own_profile_or_404(officer: Officer) -> AsnProfile:
    profile = access.own_profile(officer)
    if profile is None:
        abort(404)
    return profile


def day_or_404(iso: str) -> date:
    if not _ISO_DAY.fullmatch(iso):
        abort(404)
    try:
        found = date.fromisoformat(iso)
    except ValueError:
        abort(404)
    if not 2000 <= found.year <= 2100:  # as chosen_month; also keeps day ± 1 in range
        abort(404)
    return found


def chosen_month(today: date) -> tuple[int, int]:
    """?month=YYYY-MM, this month when absent or not a month."""
    match = _MONTH.fullmatch(request.args.get("month", ""))
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= number <= 12:
            return year, number
    return today.year, today.month


def month_text(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def shift_month(month: tuple[int, int], step: int) -> tuple[int, int]:
    index = month[0] * 12 + month[1] - 1 + step
    return index // 12, index % 12 + 1


def evidence_rules() -> EvidenceRules:
    return EvidenceRules(timezone=settings().timezone)


def uploads() -> list[FileStorage]:
    return [f for f in request.files.getlist("photos") if f and f.filename]


def local_time(moment: datetime) -> str:
    """A stored naive UTC time in the deployment's zone, as "7 Dec 2026 08:30 WIB"."""
    zone = ZoneInfo(settings().timezone)
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    return f"{format_date(local.date(), 'medium')} {local:%H:%M} {local.tzname()}"
