"""How a photo flag (wbs/kinerja/photo_evidence.py) reads, in one wording for the ASN's
day page and his atasan's review page: both must read the same sentence about the same
photo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from wbs.i18n import date_text, decimal_text
from wbs.kinerja import data
from wbs.kinerja.photo_evidence import (
    DUPLICATE,
    NO_LOCATION,
    NO_TIME,
    OTHER_DAY,
    TAKEN_AFTER_UPLOAD,
    TOO_FAR,
    TOO_OLD,
    PhotoFlag,
)
from wbs.models import ActivityPhoto


def distance_text(metres: float) -> str:
    """A distance as "850 m" or "1.2 km"."""
    if metres >= 1000:
        return _("%(km)s km", km=decimal_text(metres / 1000, "#,##0.#"))
    return _("%(m)s m", m=decimal_text(round(metres), "#,##0"))


def _span(hours: float) -> str:
    if hours >= 48:
        return _("%(days)d days", days=int(hours // 24))
    if hours >= 2:
        return _("%(hours)d hours", hours=int(hours))
    return _("%(minutes)d min", minutes=int(hours * 60))


# Whose entry the earlier photo of a duplicate is in: none (no longer stored), the same
# ASN's, another ASN's; by (the same picture to the bit, whose).
_GONE, _OWN, _OTHERS = "gone", "own", "others"
_DUPLICATE_TEXTS = {
    (True, _GONE): _l("Same picture as photo #%(id)d (no longer stored)"),
    (False, _GONE): _l("Nearly the same picture as photo #%(id)d (no longer stored)"),
    (True, _OWN): _l("Same picture as photo #%(id)d (entry of %(day)s)"),
    (False, _OWN): _l("Nearly the same picture as photo #%(id)d (entry of %(day)s)"),
    (True, _OTHERS): _l("Same picture as photo #%(id)d (another ASN's entry of %(day)s)"),
    (False, _OTHERS): _l(
        "Nearly the same picture as photo #%(id)d (another ASN's entry of %(day)s)"
    ),
}


def flag_text(flag: PhotoFlag, staff_id: int, photo_days: dict[int, tuple[int, date]]) -> str:
    """A flag of a photo of ``staff_id`` as a sentence. ``photo_days`` holds (staff id,
    day) of the earlier photos the duplicate flags name (data.photo_days)."""
    if flag.kind == NO_TIME:
        return _("No capture time in the photo")
    if flag.kind == NO_LOCATION:
        return _("No location in the photo")
    if flag.kind == TOO_OLD and flag.hours is not None:
        return _("Taken %(span)s before the upload", span=_span(flag.hours))
    if flag.kind == TAKEN_AFTER_UPLOAD and flag.hours is not None:
        return _(
            "Taken %(span)s after the upload: the phone's clock is wrong or the time was edited",
            span=_span(flag.hours),
        )
    if flag.kind == OTHER_DAY and flag.day is not None:
        return _("Taken on %(day)s, not on the day of the activity", day=date_text(flag.day))
    if flag.kind == TOO_FAR and flag.metres is not None:
        return _("%(distance)s from the stated place", distance=distance_text(flag.metres))
    if flag.kind == DUPLICATE and flag.photo_id is not None:
        earlier = photo_days.get(flag.photo_id)
        if earlier is None:
            whose, day_text = _GONE, ""
        else:
            whose = _OWN if earlier[0] == staff_id else _OTHERS
            day_text = date_text(earlier[1])
        message = _DUPLICATE_TEXTS[flag.bits == 0, whose]
        return str(message) % {"id": flag.photo_id, "day": day_text}
    return _("Something to check: %(kind)s", kind=flag.kind)


def photo_flag_texts(
    session: Session, staff_id: int, photos: Iterable[ActivityPhoto]
) -> dict[int, tuple[str, ...]]:
    """The flags of each photo of ``staff_id`` as sentences, by photo id; one query for
    the earlier photos the duplicate flags name."""
    flags = {photo.id: data.parse_flags(photo.flags) for photo in photos}
    referenced = [
        flag.photo_id for found in flags.values() for flag in found if flag.photo_id is not None
    ]
    photo_days = data.photo_days(session, referenced)
    return {
        photo_id: tuple(flag_text(flag, staff_id, photo_days) for flag in found)
        for photo_id, found in flags.items()
    }
