"""The photos of an ASN's e-Kinerja entries (issue 7): an upload stored as it came, in
chunks, with the facts and flags wbs/kinerja/photo_evidence.py reads from it; and the
stored bytes and flags read back. No Flask: each function takes the SQLAlchemy session
and plain values, and never commits.

Choices made here:

- **Photos are compared with all earlier photos of the same ASN** for the duplicate
  flag, not with the agency's: the flag names the earlier photo, and only photos the
  atasan may open make a flag he can check (another ASN's photo answers 404 to him
  when he is not that ASN's atasan, and naming it would tell him it exists). Reuse of
  one's own picture on another day is also the common case (the same site photo sent
  every day).
- **An upload that is not a JPEG, PNG or WebP photo refuses the whole entry** (the view
  rolls back): half an entry, without the evidence the ASN meant to attach, would be
  approved as if complete.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import IO, Final

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from wbs.attachments import safe_filename
from wbs.kinerja.entries import COORDINATE_PLACES
from wbs.kinerja.photo_evidence import (
    REJECT_UNSUPPORTED,
    EvidenceRules,
    PhotoClaim,
    PhotoFlag,
    PhotoRejected,
    flag_photo,
    read_photo_facts,
)
from wbs.models import ActivityEntry, ActivityPhoto, ActivityPhotoChunk

# Photos are copied into rows of at most this many bytes (ActivityPhotoChunk), one
# read at a time: a 5 MB upload never sits in memory whole.
CHUNK_SIZE: Final = 256 * 1024
# What a phone browser uploads and every browser shows. The media type comes from the
# format Pillow read, never from the name or the type the client sent. HEIF is not
# accepted: most browsers cannot show it to the atasan.
PHOTO_MEDIA_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoRefused(ValueError):
    """An upload that cannot be stored as a photo; ``reason`` is one of photo_evidence's
    REJECT_* codes ("broken", "too_large", "unsupported")."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


def signed_fingerprint(value: int) -> int:
    """A 64-bit fingerprint as the signed BIGINT both databases keep."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _naive_utc(moment: datetime, rules: EvidenceRules) -> datetime:
    # A time without an offset is the phone's local time: the deployment's zone, as
    # flag_photo reads it.
    aware = moment if moment.utcoffset() is not None else moment.replace(tzinfo=rules.zone)
    return aware.astimezone(UTC).replace(tzinfo=None)


def flag_record(flag: PhotoFlag) -> dict[str, object]:
    """A flag as stored in ActivityPhoto.flags: its kind and the details it has."""
    record: dict[str, object] = {"kind": flag.kind}
    if flag.hours is not None:
        record["hours"] = round(flag.hours, 1)
    if flag.day is not None:
        record["day"] = flag.day.isoformat()
    if flag.metres is not None:
        record["metres"] = round(flag.metres)
    if flag.photo_id is not None:
        record["photo_id"] = flag.photo_id
    if flag.bits is not None:
        record["bits"] = flag.bits
    return record


# Photos of the agency's other ASN are compared when their entry is dated at most this
# far from the new one's: a colleague's photo reused ("foto titipan") is caught, and an
# upload does not read years of the agency's photos.
COLLEAGUES_WINDOW: Final = timedelta(days=92)


def earlier_fingerprints(session: Session, entry: ActivityEntry) -> list[tuple[int, int]]:
    """(photo id, fingerprint) of the photos a new photo of ``entry`` is compared with, by
    id: every earlier photo of the same ASN, and those of entries kept under the same
    agency dated within COLLEAGUES_WINDOW of it (two indexed queries)."""
    own = session.execute(
        select(ActivityPhoto.id, ActivityPhoto.fingerprint).where(
            ActivityPhoto.staff_id == entry.staff_id
        )
    )
    colleagues = session.execute(
        select(ActivityPhoto.id, ActivityPhoto.fingerprint)
        .join(ActivityEntry, ActivityEntry.id == ActivityPhoto.entry_id)
        .where(
            ActivityEntry.agency_id == entry.agency_id,
            ActivityEntry.day.between(entry.day - COLLEAGUES_WINDOW, entry.day + COLLEAGUES_WINDOW),
            ActivityPhoto.staff_id != entry.staff_id,
        )
    )
    found = {photo_id: fingerprint for photo_id, fingerprint in [*own, *colleagues]}
    return sorted(found.items())


def store_photo(
    session: Session,
    entry: ActivityEntry,
    stream: IO[bytes],
    file_name: str,
    rules: EvidenceRules,
    max_pixels: int,
    now: datetime,
) -> ActivityPhoto:
    """Store an uploaded photo of ``entry`` as it came (EXIF kept: it is the evidence),
    in chunks of CHUNK_SIZE read one at a time, with its facts and flags.

    ``now`` is the upload time (naive UTC, or aware). Raises PhotoRefused when the
    stream is not a JPEG, PNG or WebP image within ``max_pixels``.
    """
    name = safe_filename(file_name)
    try:
        facts = read_photo_facts(stream, max_pixels)
    except PhotoRejected as error:
        raise PhotoRefused(name, error.reason) from None
    media_type = PHOTO_MEDIA_TYPES.get(facts.format)
    if media_type is None:
        raise PhotoRefused(name, REJECT_UNSUPPORTED)
    uploaded = now if now.utcoffset() is not None else now.replace(tzinfo=UTC)
    site = None
    if entry.latitude is not None and entry.longitude is not None:
        site = (float(entry.latitude), float(entry.longitude))
    flags = flag_photo(
        facts,
        PhotoClaim(day=entry.day, site=site, uploaded_at=uploaded),
        rules,
        earlier_fingerprints(session, entry),
    )
    photo = ActivityPhoto(
        entry_id=entry.id,
        staff_id=entry.staff_id,
        file_name=name,
        media_type=media_type,
        size=0,
        sha256="",
        width=facts.width,
        height=facts.height,
        taken_at=None if facts.taken_at is None else _naive_utc(facts.taken_at, rules),
        latitude=None if facts.latitude is None else _degrees(facts.latitude),
        longitude=None if facts.longitude is None else _degrees(facts.longitude),
        fingerprint=signed_fingerprint(facts.fingerprint),
        flags=json.dumps([flag_record(flag) for flag in flags]),
        uploaded_at=uploaded.astimezone(UTC).replace(tzinfo=None),
    )
    session.add(photo)
    session.flush()
    digest = hashlib.sha256()
    size = 0
    index = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        # A Core insert: no ORM object keeps the bytes after the statement ran.
        session.execute(
            insert(ActivityPhotoChunk).values(photo_id=photo.id, chunk_index=index, data=chunk)
        )
        index += 1
    photo.sha256 = digest.hexdigest()
    photo.size = size
    session.flush()
    return photo


def _degrees(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(
        Decimal(1).scaleb(-COORDINATE_PLACES), rounding=ROUND_HALF_EVEN
    )


def photo_chunks(session: Session, photo_id: int) -> Iterable[bytes]:
    """The stored bytes of a photo, one chunk per query (memory stays at one chunk)."""
    count = session.scalar(
        select(func.count())
        .select_from(ActivityPhotoChunk)
        .where(ActivityPhotoChunk.photo_id == photo_id)
    )
    for index in range(count or 0):
        yield session.execute(
            select(ActivityPhotoChunk.data).where(
                ActivityPhotoChunk.photo_id == photo_id, ActivityPhotoChunk.chunk_index == index
            )
        ).scalar_one()
