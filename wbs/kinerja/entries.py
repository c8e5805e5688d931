"""Writing an ASN's own e-Kinerja (issue 7): the entries of his days and the rules of
which days are open. The web layer (wbs/kinerja/web/asn_views.py) parses the request
and phrases the problems; the rules and the writes are here. Photos are stored by
wbs/kinerja/photo_store.py, plan lines written by wbs/kinerja/plans.py. No Flask: each
function takes the SQLAlchemy session and plain values, and never commits.

Choices made here:

- **An approved day is closed.** Adding, editing or deleting an entry of an approved
  day raises ``DayApproved``: what the atasan approved is what counts.
- **A returned day goes back to "submitted"** on any change (add, edit, delete): the
  ASN answered the atasan's comment, which stays shown until the next review.
- **A day that loses its last entry is removed** (it is no longer reported).
- **The day's agency** is the profile's agency when the day is first written, and stays
  so (a transfer does not move past days; wbs/models/kinerja.py).
- **Which days are open** (``MAX_DAYS_BACK``): never a day in the future (in the
  deployment's zone), and not more than a month back, except a returned day, which may
  be corrected whenever the atasan returned it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wbs.kinerja.refusals import FieldProblem, FieldsRefused
from wbs.models import (
    ActivityDay,
    ActivityEntry,
    ActivityPhoto,
    ActivityPhotoChunk,
    AsnProfile,
    Indicator,
    PerformanceNode,
)
from wbs.sakip.numbers_input import NumberError, parse_number

# A day may be written up to one month back. Long enough to catch up after leave, a
# trip without signal or a dead phone; short enough that an entry is still written from
# the day's own notes and photos (the photo's age is flagged separately), and that the
# past month's figures, on which the monthly performance allowance (TPP) is computed
# early in the next month, settle. A returned day is exempt (see the module docstring).
MAX_DAYS_BACK: Final = 31

# Field limits (wbs/models/kinerja.py): quantity NUMERIC(14, 2).
QUANTITY_PLACES: Final = 2
QUANTITY_INTEGER_DIGITS: Final = 12  # below 10^12
ACTIVITY_MIN: Final = 3
ACTIVITY_MAX: Final = 2000
UNIT_MAX: Final = 60
PLACE_MAX: Final = 300
COORDINATE_PLACES: Final = 6  # NUMERIC(9, 6): about 0.1 m

_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
# A coordinate as a phone or a map gives it: decimal degrees, a point or a comma
# before the decimals, never thousands separators.
_COORDINATE = re.compile(r"([+\-−]?)(\d{1,3})(?:[.,](\d{1,15}))?")
_TARGET = re.compile(r"(ind|node):([1-9]\d{0,17})")

SUB_KEGIATAN: Final = "sub_kegiatan"


# --- errors ----------------------------------------------------------------------------


class KinerjaRefused(Exception):
    """A change the rules do not allow; ``reason`` is a stable code for the web layer."""

    reason = "refused"


class DayApproved(KinerjaRefused):
    """The day was approved by the atasan: its entries can no longer change."""

    reason = "approved"


class DayNotOpen(KinerjaRefused):
    """The day is in the future or more than MAX_DAYS_BACK days back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "future" or "too_old"
        self.reason = reason


# --- typed values ----------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFields:
    """An entry as typed, every value a string (blank when not given)."""

    activity: str = ""
    quantity: str = ""
    unit: str = ""
    target_key: str = ""
    place: str = ""
    latitude: str = ""
    longitude: str = ""
    started_at: str = ""


@dataclass(frozen=True)
class CheckedEntry:
    activity: str
    quantity: Decimal
    unit: str
    target_key: str
    place: str
    latitude: Decimal | None
    longitude: Decimal | None
    started_at: str


def check_quantity(text: str, field: str, problems: list[FieldProblem]) -> Decimal | None:
    """A positive quantity with at most 2 decimals, below 10^12. Codes: "required",
    "format", "places", "size", "not_positive"."""
    if not text.strip():
        problems.append(FieldProblem(field, "required"))
        return None
    try:
        value = parse_number(text, places=QUANTITY_PLACES, integer_digits=QUANTITY_INTEGER_DIGITS)
    except NumberError as error:
        problems.append(
            FieldProblem(field, error.reason if error.reason != "empty" else "required")
        )
        return None
    if value <= 0:
        problems.append(FieldProblem(field, "not_positive"))
        return None
    return value


def _coordinate(text: str, limit: int, field: str, problems: list[FieldProblem]) -> Decimal | None:
    """Decimal degrees within ±limit, rounded to 6 places. Codes: "format", "range"."""
    match = _COORDINATE.fullmatch(text.strip())
    if match is None:
        problems.append(FieldProblem(field, "format"))
        return None
    sign, whole, fraction = match.groups()
    try:
        value = Decimal(f"{'-' if sign in ('-', '−') else ''}{whole}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern lets digits only through
        problems.append(FieldProblem(field, "format"))
        return None
    value = value.quantize(Decimal(1).scaleb(-COORDINATE_PLACES), rounding=ROUND_HALF_EVEN)
    if abs(value) > limit:
        problems.append(FieldProblem(field, "range"))
        return None
    return value


def started_at_text(text: str) -> str | None:
    """ "8:05", "08:05" or "08.05" (as Indonesian writes times) as "08:05"; None when it
    is not a time of day."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def check_entry(fields: EntryFields, allowed_targets: Iterable[str]) -> CheckedEntry:
    """The entry the typed ``fields`` make, or FieldsRefused with every problem found.

    Codes by field: activity "required", "too_short", "too_long"; quantity as
    ``check_quantity``; unit "required", "too_long"; target_key "unknown"; place
    "too_long"; latitude/longitude "format", "range", "pair" (one without the other);
    started_at "format".
    """
    problems: list[FieldProblem] = []
    activity = fields.activity.strip()
    if not activity:
        problems.append(FieldProblem("activity", "required"))
    elif len(activity) < ACTIVITY_MIN:
        problems.append(FieldProblem("activity", "too_short"))
    elif len(activity) > ACTIVITY_MAX:
        problems.append(FieldProblem("activity", "too_long"))
    quantity = check_quantity(fields.quantity, "quantity", problems)
    unit = check_unit(fields.unit, problems)
    target_key = fields.target_key.strip()
    if target_key and target_key not in set(allowed_targets):
        problems.append(FieldProblem("target_key", "unknown"))
    place = fields.place.strip()
    if len(place) > PLACE_MAX:
        problems.append(FieldProblem("place", "too_long"))
    latitude = longitude = None
    lat_text, lon_text = fields.latitude.strip(), fields.longitude.strip()
    if lat_text or lon_text:
        if not lat_text:
            problems.append(FieldProblem("latitude", "pair"))
        else:
            latitude = _coordinate(lat_text, 90, "latitude", problems)
        if not lon_text:
            problems.append(FieldProblem("longitude", "pair"))
        else:
            longitude = _coordinate(lon_text, 180, "longitude", problems)
    started_at = ""
    if fields.started_at.strip():
        started_at = started_at_text(fields.started_at) or ""
        if not started_at:
            problems.append(FieldProblem("started_at", "format"))
    if problems or quantity is None:  # no problem means a quantity was read
        raise FieldsRefused(problems)
    return CheckedEntry(
        activity=activity,
        quantity=quantity,
        unit=unit,
        target_key=target_key,
        place=place,
        latitude=latitude,
        longitude=longitude,
        started_at=started_at,
    )


def check_unit(text: str, problems: list[FieldProblem]) -> str:
    unit = " ".join(text.split())
    if not unit:
        problems.append(FieldProblem("unit", "required"))
    elif len(unit) > UNIT_MAX:
        problems.append(FieldProblem("unit", "too_long"))
    return unit


# --- days ------------------------------------------------------------------------------


def local_today(now: datetime, zone: str) -> date:
    """The date in the deployment's zone ``zone`` at ``now`` (naive UTC, or aware)."""
    aware = now if now.utcoffset() is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).date()


def day_problem(day: date, today: date) -> str | None:
    """Why ``day`` cannot be written (ignoring its review state): "future" or
    "too_old"; None when it can."""
    if day > today:
        return "future"
    if day < today - timedelta(days=MAX_DAYS_BACK):
        return "too_old"
    return None


def find_day(session: Session, staff_id: int, day: date) -> ActivityDay | None:
    return session.get(ActivityDay, (staff_id, day))


def check_day_open(day_row: ActivityDay | None, day: date, today: date) -> None:
    """DayApproved, DayNotOpen, or nothing when the day's entries may change."""
    if day_row is not None and day_row.state == "approved":
        raise DayApproved("approved")
    if day_row is not None and day_row.state == "returned" and day <= today:
        return  # the atasan asked for a correction: open whatever its age
    reason = day_problem(day, today)
    if reason is not None:
        raise DayNotOpen(reason)


def _touch_day(
    session: Session, profile: AsnProfile, day: date, day_row: ActivityDay | None, now: datetime
) -> ActivityDay:
    if day_row is None:
        day_row = ActivityDay(
            staff_id=profile.staff_id,
            day=day,
            agency_id=profile.agency_id,
            state="submitted",
            comment="",
            updated_at=now,
        )
        session.add(day_row)
    else:
        if day_row.state == "returned":
            day_row.state = "submitted"
        day_row.updated_at = now
    return day_row


# --- entries ---------------------------------------------------------------------------


def add_entry(
    session: Session,
    profile: AsnProfile,
    day: date,
    fields: EntryFields,
    allowed_targets: Iterable[str],
    today: date,
    now: datetime,
) -> ActivityEntry:
    """A new entry on ``day`` (flushed, so it has its id); the day is created or goes
    back to "submitted". Raises DayApproved, DayNotOpen or FieldsRefused."""
    day_row = find_day(session, profile.staff_id, day)
    check_day_open(day_row, day, today)
    checked = check_entry(fields, allowed_targets)
    day_row = _touch_day(session, profile, day, day_row, now)
    entry = ActivityEntry(
        staff_id=profile.staff_id, day=day, agency_id=day_row.agency_id, created_at=now
    )
    _apply(entry, checked)
    session.add(entry)
    session.flush()
    return entry


def own_entry(session: Session, staff_id: int, entry_id: int) -> ActivityEntry | None:
    """The entry when it is ``staff_id``'s own; None otherwise (the view answers 404)."""
    entry = session.get(ActivityEntry, entry_id)
    if entry is None or entry.staff_id != staff_id:
        return None
    return entry


def edit_entry(
    session: Session,
    profile: AsnProfile,
    entry: ActivityEntry,
    fields: EntryFields,
    allowed_targets: Iterable[str],
    today: date,
    now: datetime,
    remove_photo_ids: Iterable[int] = (),
) -> ActivityEntry:
    """Change an own entry, and remove the listed photos of it. The entry's current
    target stays allowed even when it was deactivated since. Raises DayApproved,
    DayNotOpen or FieldsRefused."""
    if entry.staff_id != profile.staff_id:
        raise KinerjaRefused("not_own")
    day_row = find_day(session, entry.staff_id, entry.day)
    check_day_open(day_row, entry.day, today)
    checked = check_entry(fields, [*allowed_targets, entry.target_key])
    _apply(entry, checked)
    removing = set(remove_photo_ids)
    if removing:
        owned = session.scalars(
            select(ActivityPhoto.id).where(
                ActivityPhoto.entry_id == entry.id, ActivityPhoto.id.in_(removing)
            )
        ).all()
        _delete_photos(session, list(owned))
    _touch_day(session, profile, entry.day, day_row, now)
    session.flush()
    return entry


def delete_entry(
    session: Session, profile: AsnProfile, entry: ActivityEntry, today: date, now: datetime
) -> None:
    """Delete an own entry with its photos and their chunks; a day left without any
    entry is removed. Raises DayApproved or DayNotOpen."""
    if entry.staff_id != profile.staff_id:
        raise KinerjaRefused("not_own")
    day_row = find_day(session, entry.staff_id, entry.day)
    check_day_open(day_row, entry.day, today)
    photo_ids = session.scalars(
        select(ActivityPhoto.id).where(ActivityPhoto.entry_id == entry.id)
    ).all()
    _delete_photos(session, list(photo_ids))
    day = entry.day
    session.delete(entry)
    session.flush()
    left = session.scalar(
        select(func.count())
        .select_from(ActivityEntry)
        .where(ActivityEntry.staff_id == profile.staff_id, ActivityEntry.day == day)
    )
    if day_row is not None:
        if left:
            _touch_day(session, profile, day, day_row, now)
        else:
            session.delete(day_row)
    session.flush()


def _delete_photos(session: Session, photo_ids: list[int]) -> None:
    if not photo_ids:
        return
    session.execute(delete(ActivityPhotoChunk).where(ActivityPhotoChunk.photo_id.in_(photo_ids)))
    session.execute(
        delete(ActivityPhoto)
        .where(ActivityPhoto.id.in_(photo_ids))
        .execution_options(synchronize_session="fetch")
    )


def _apply(entry: ActivityEntry, checked: CheckedEntry) -> None:
    entry.activity = checked.activity
    entry.quantity = checked.quantity
    entry.unit = checked.unit
    entry.target_key = checked.target_key
    entry.place = checked.place
    entry.latitude = checked.latitude
    entry.longitude = checked.longitude
    entry.started_at = checked.started_at


# --- targets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetOption:
    """Something an activity's output counts towards: an indicator ("ind:<id>") or a
    sub kegiatan node ("node:<id>") of the agency's performance tree."""

    key: str
    label: str
    kind: str  # "ind" or "node"


def _allowed_nodes(session: Session, profile: AsnProfile) -> list[PerformanceNode]:
    nodes = list(
        session.scalars(
            select(PerformanceNode)
            .where(PerformanceNode.agency_id == profile.agency_id, PerformanceNode.active)
            .order_by(PerformanceNode.code)
        )
    )
    if profile.node_id is None:
        return nodes
    children: dict[int | None, list[PerformanceNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    inside: set[int] = set()
    stack = [node for node in nodes if node.id == profile.node_id]
    while stack:
        node = stack.pop()
        if node.id not in inside:
            inside.add(node.id)
            stack.extend(children.get(node.id, []))
    return [node for node in nodes if node.id in inside]


def target_options(session: Session, profile: AsnProfile) -> list[TargetOption]:
    """The active indicators and sub kegiatan nodes of the ASN's agency, within his node
    of the tree when his profile names one: indicators first, by node code."""
    nodes = _allowed_nodes(session, profile)
    by_id = {node.id: node for node in nodes}
    options: list[TargetOption] = []
    if by_id:
        indicators = session.scalars(
            select(Indicator)
            .where(Indicator.node_id.in_(list(by_id)), Indicator.active)
            .order_by(Indicator.sort_order, Indicator.id)
        ).all()
        for indicator in sorted(indicators, key=lambda i: by_id[i.node_id].code):
            node = by_id[indicator.node_id]
            options.append(
                TargetOption(
                    f"ind:{indicator.id}",
                    f"{node.code} · {indicator.name} ({indicator.unit})",
                    "ind",
                )
            )
    for node in nodes:
        if node.level == SUB_KEGIATAN:
            options.append(TargetOption(f"node:{node.id}", f"{node.code} {node.name}", "node"))
    return options


def target_labels(session: Session, keys: Iterable[str | None]) -> dict[str, str]:
    """A label for each target key that names an existing indicator or node, active or
    not (past entries keep their target): "ind:<id>" as "code · name (unit)" and
    "node:<id>" as "code name". Unknown keys, None and "" (no target) are left out."""
    indicator_ids: set[int] = set()
    node_ids: set[int] = set()
    for key in keys:
        match = _TARGET.fullmatch(key or "")
        if match is None:
            continue
        (indicator_ids if match.group(1) == "ind" else node_ids).add(int(match.group(2)))
    labels: dict[str, str] = {}
    if indicator_ids:
        rows = session.execute(
            select(Indicator.id, Indicator.name, Indicator.unit, PerformanceNode.code)
            .join(PerformanceNode, PerformanceNode.id == Indicator.node_id)
            .where(Indicator.id.in_(indicator_ids))
        )
        for row in rows:
            labels[f"ind:{row.id}"] = f"{row.code} · {row.name} ({row.unit})"
    if node_ids:
        rows = session.execute(
            select(PerformanceNode.id, PerformanceNode.code, PerformanceNode.name).where(
                PerformanceNode.id.in_(node_ids)
            )
        )
        for row in rows:
            labels[f"node:{row.id}"] = f"{row.code} {row.name}"
    return labels
