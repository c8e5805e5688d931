"""Photo evidence of an e-Kinerja activity: what its EXIF says, and what looks wrong.

Why the EXIF is kept here. WBS attachments lose their EXIF (wbs/images.py) because a
whistle-blower is anonymous and a photo's GPS can lead to his home. An e-Kinerja photo
is the opposite case: the ASN (civil servant) signs the daily report with his own name
and attaches the photo as evidence of his own account ("I inspected the bridge at
Ratahan on Monday morning"). The capture time and position are the evidence, so the
server reads them and compares them with the claim.

Limits. EXIF is written by the phone and can be edited with any free tool, and a phone's
clock or GPS can simply be wrong. The flags computed here are hints for the supervisor
(atasan) who approves the report, never proof and never a reason to refuse an upload:
``flag_photo`` only describes. Nothing here is user-facing text; the web layer phrases
the flags.

Only pure logic: no Flask, no database. The caller passes the stream, the limits, the
claim and the fingerprints of photos already stored.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from numbers import Rational
from typing import IO, Final
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image, UnidentifiedImageError

# Pillow logs each EXIF tag it parses, value included (GPS position, camera), at DEBUG:
# the position is personal data and stays out of the logs (same rule as wbs/images.py).
logging.getLogger("PIL").setLevel(logging.INFO)

# Formats a phone camera writes. MPO is a JPEG with a second, smaller picture (many
# phones); HEIF counts only when a Pillow plugin that opens it is installed.
ACCEPTED_FORMATS: Final = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WEBP",
    "HEIF": "HEIF",
}

# Reasons of PhotoRejected, for the web layer to phrase.
REJECT_BROKEN: Final = "broken"
REJECT_TOO_LARGE: Final = "too_large"
REJECT_UNSUPPORTED: Final = "unsupported"

# Flag kinds, in the order flag_photo lists them.
NO_TIME: Final = "no_time"
NO_LOCATION: Final = "no_location"
TOO_OLD: Final = "too_old"
TAKEN_AFTER_UPLOAD: Final = "taken_after_upload"
OTHER_DAY: Final = "other_day"
TOO_FAR: Final = "too_far"
DUPLICATE: Final = "duplicate"
FLAG_KINDS: Final = (
    NO_TIME,
    NO_LOCATION,
    TOO_OLD,
    TAKEN_AFTER_UPLOAD,
    OTHER_DAY,
    TOO_FAR,
    DUPLICATE,
)

# A phone clock a few minutes fast is common; more than this ahead of the server's
# clock means a clock set wrong or an edited time.
CLOCK_TOLERANCE: Final = timedelta(minutes=10)

# Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M: Final = 6_371_008.8

_FINGERPRINT_MASK: Final = (1 << 64) - 1

# EXIF tags (CIPA DC-008, EXIF 2.32).
_DATE_TIME: Final = 0x0132  # IFD0: last change of the file
_ORIENTATION: Final = 0x0112  # IFD0
_DATE_TIME_ORIGINAL: Final = 0x9003  # Exif IFD: when the picture was taken
_OFFSET_TIME: Final = 0x9010  # Exif IFD: UTC offset of DateTime
_OFFSET_TIME_ORIGINAL: Final = 0x9011  # Exif IFD: UTC offset of DateTimeOriginal
_GPS_LATITUDE_REF: Final = 1
_GPS_LATITUDE: Final = 2
_GPS_LONGITUDE_REF: Final = 3
_GPS_LONGITUDE: Final = 4

_EXIF_DATE = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")

# EXIF orientation -> the transpose that makes the picture stand upright (as ImageOps).
_UPRIGHT: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class PhotoRejected(ValueError):
    """The upload cannot be read as a photo at all (this is not a flag: there is nothing
    to show the supervisor)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # REJECT_BROKEN, REJECT_TOO_LARGE or REJECT_UNSUPPORTED
        self.reason = reason


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo says about itself.

    ``taken_at`` is EXIF DateTimeOriginal (else DateTime): timezone-aware when the
    matching OffsetTimeOriginal (else OffsetTime) is present, otherwise naive local time
    of the phone. ``latitude``/``longitude`` are decimal degrees, negative south and
    west; both or neither. ``width``/``height`` are the size as displayed (EXIF
    orientation applied). ``fingerprint`` is a 64-bit dHash (see ``difference_hash``).
    ``format`` is Pillow's name ("JPEG", "PNG", "WEBP", "HEIF"; MPO counts as JPEG).
    """

    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    width: int
    height: int
    fingerprint: int
    format: str

    @property
    def location(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


@dataclass(frozen=True)
class EvidenceRules:
    """The deployer's thresholds."""

    # A photo taken more than this before the upload is flagged.
    max_age_hours: int = 24
    # A photo taken farther than this from the stated site is flagged.
    max_distance_m: int = 500
    # Fingerprints at most this many bits apart are the same picture.
    duplicate_distance: int = 6
    # At most this many earlier photos are named as the same picture (the first ones
    # found): a photo of a much-photographed place must not bury the other flags.
    max_duplicate_flags: int = 3
    # Zone in which naive EXIF times are read and the activity's day is counted
    # (WITA for Sulawesi; WIB or WIT elsewhere).
    timezone: str = "Asia/Makassar"

    def __post_init__(self) -> None:
        if self.max_age_hours < 0 or self.max_distance_m < 0:
            raise ValueError("limits cannot be negative")
        if not 0 <= self.duplicate_distance <= 64:
            raise ValueError("duplicate_distance counts bits of a 64-bit fingerprint")
        if self.max_duplicate_flags < 1:
            raise ValueError("max_duplicate_flags must be 1 or more")
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class PhotoClaim:
    """What the ASN states about the activity the photo documents."""

    # The activity's date.
    day: date
    # Stated position (latitude, longitude); None when only a place name was typed.
    site: tuple[float, float] | None
    # When the server received the photo: aware.
    uploaded_at: datetime

    def __post_init__(self) -> None:
        if self.uploaded_at.utcoffset() is None:
            raise ValueError("uploaded_at must be timezone-aware")
        if self.site is not None and not _valid_position(*self.site):
            raise ValueError("site is not a latitude/longitude pair")


@dataclass(frozen=True)
class PhotoFlag:
    """One thing the supervisor should look at. Only the detail that fits the kind is set:

    - ``hours``: TOO_OLD (how long before the upload), TAKEN_AFTER_UPLOAD (how far
      after it);
    - ``day``: OTHER_DAY (the capture date in the rules' zone);
    - ``metres``: TOO_FAR (distance from the stated site);
    - ``photo_id`` and ``bits``: DUPLICATE (the earlier photo, and how many of the 64
      fingerprint bits differ; 0 is the same picture).
    """

    kind: str
    hours: float | None = None
    day: date | None = None
    metres: float | None = None
    photo_id: int | None = None
    bits: int | None = None


# --- reading ---------------------------------------------------------------------------

# A PNG or WebP is decoded whole to read its fingerprint: 4 megapixels are 16 MB as
# RGBA, within the 20 MB a worker may grow by for one upload (issue 7).
MAX_WHOLE_DECODE_PIXELS = 4_000_000


def read_photo_facts(stream: IO[bytes], max_pixels: int) -> PhotoFacts:
    """Read the capture time, position, size and fingerprint of an uploaded photo.

    Raises PhotoRejected when the bytes are not an accepted image, or declare more than
    ``max_pixels`` pixels (checked from the header, before any decoding; Pillow's own
    decompression-bomb limit is refused the same way). A JPEG is decoded at 1/8 of its
    size by the DCT itself (``Image.draft``): reading a 5 MB, 12-megapixel photo raised
    the peak resident memory by about 2.5 MB, against 74 MB for a full decode. Other
    formats have no such scaling and are decoded whole: they are refused above
    MAX_WHOLE_DECODE_PIXELS (cameras and phones write JPEG). Bad EXIF only makes a fact
    None. The stream is left at position 0.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as image:
                return _read(image, max_pixels)
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # The header declares more pixels than Pillow's own limit: refused before
            # a single pixel is decoded, as too large (wbs/images.py does the same).
            raise PhotoRejected(REJECT_TOO_LARGE) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise PhotoRejected(REJECT_BROKEN) from None
        finally:
            stream.seek(0)


def _read(image: Image.Image, max_pixels: int) -> PhotoFacts:
    image_format = ACCEPTED_FORMATS.get(image.format or "")
    if image_format is None:
        raise PhotoRejected(REJECT_UNSUPPORTED)
    width, height = image.size
    if width * height > max_pixels:
        raise PhotoRejected(REJECT_TOO_LARGE)
    if image_format != "JPEG" and width * height > MAX_WHOLE_DECODE_PIXELS:
        raise PhotoRejected(REJECT_TOO_LARGE)
    if image_format == "JPEG":
        # Decode the luminance only, at the smallest DCT scale (1/2, 1/4 or 1/8) that
        # still gives at least 64x64: the full-size pixels never exist in memory.
        image.draft("L", (64, 64))
    image.load()
    grey = image if image.mode == "L" else image.convert("L")
    exif = _exif(image)
    orientation = exif.get(_ORIENTATION) if exif is not None else None
    upright = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    if upright is not None:
        grey = grey.transpose(upright)
        if orientation in (5, 6, 7, 8):  # a quarter turn: displayed on its side
            width, height = height, width
    latitude, longitude = _position(exif)
    return PhotoFacts(
        taken_at=_taken_at(exif),
        latitude=latitude,
        longitude=longitude,
        width=width,
        height=height,
        fingerprint=difference_hash(grey),
        format=image_format,
    )


def difference_hash(image: Image.Image) -> int:
    """A 64-bit perceptual difference hash (dHash) of the picture.

    Greyscale, shrunk to 9x8 pixels; each bit says whether a pixel is brighter than its
    right-hand neighbour (8 comparisons per row, 8 rows, first row in the high bits).
    Re-encoding, resizing and mild colour changes move few bits; another scene moves
    about half. A flat picture (lens covered, blank wall) hashes near 0, so such
    photos resemble each other.
    """
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    value = 0
    for row in range(8):
        for column in range(8):
            left = pixels[row * 9 + column]
            right = pixels[row * 9 + column + 1]
            value = (value << 1) | (left > right)
    return value


def _exif(image: Image.Image) -> Image.Exif | None:
    # Corrupt EXIF is the phone's or an editor's doing, not the ASN's upload failing:
    # the facts it would give are simply unknown.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exif = image.getexif()
            # Parse the sub-IFDs now, inside this guard.
            exif.get_ifd(ExifTags.IFD.Exif)
            exif.get_ifd(ExifTags.IFD.GPSInfo)
        except Exception:  # any parser error means "no EXIF"
            return None
    return exif


def _sub_ifd(exif: Image.Exif, ifd: ExifTags.IFD) -> Mapping[int, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return exif.get_ifd(ifd)
        except Exception:  # as in _exif
            return {}


def _taken_at(exif: Image.Exif | None) -> datetime | None:
    if exif is None:
        return None
    sub = _sub_ifd(exif, ExifTags.IFD.Exif)
    # Each time with its own offset (EXIF 2.31): OffsetTime belongs to DateTime.
    for time_tag, source, offset_tag in (
        (_DATE_TIME_ORIGINAL, sub, _OFFSET_TIME_ORIGINAL),
        (_DATE_TIME, exif, _OFFSET_TIME),
    ):
        moment = _exif_datetime(source.get(time_tag))
        if moment is not None:
            offset = _exif_offset(sub.get(offset_tag))
            return moment if offset is None else moment.replace(tzinfo=offset)
    return None


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str):
        return None
    return value.strip("\x00 \t\r\n")


def _exif_datetime(value: object) -> datetime | None:
    text = _text(value)
    match = _EXIF_DATE.fullmatch(text) if text else None
    if match is None:
        return None  # absent, blank ("    :  :     :  :  ") or not a date
    try:
        # Naive on purpose: the offset, when there is one, is a separate tag.
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None  # "0000:00:00 00:00:00", 30 February, hour 25...


def _exif_offset(value: object) -> timezone | None:
    text = _text(value)
    match = _EXIF_OFFSET.fullmatch(text) if text else None
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) >= 60:
        return None
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _rational(value: object) -> float | None:
    """A float from an EXIF rational (Pillow's IFDRational, a (num, den) pair or a
    number); None for a zero denominator, NaN or anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, tuple) and len(value) == 2:
        numerator, denominator = value
        if not all(isinstance(part, int) and not isinstance(part, bool) for part in value):
            return None
        if denominator == 0:
            return None
        number = numerator / denominator
    elif isinstance(value, int | float | Rational):
        # IFDRational is a numbers.Rational; its float is NaN for a zero denominator.
        try:
            number = float(value)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _degrees(value: object, ref: object, positive: str, negative: str) -> float | None:
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    parts = [_rational(part) for part in value]
    numbers = [part for part in parts if part is not None and part >= 0]
    if len(numbers) != 3:
        return None
    degrees, minutes, seconds = numbers
    if minutes >= 60 or seconds >= 60:
        return None
    direction = (_text(ref) or "").upper()
    if direction not in (positive, negative):
        return None  # without N/S or E/W the sign is unknown
    decimal = degrees + minutes / 60 + seconds / 3600
    return -decimal if direction == negative else decimal


def _position(exif: Image.Exif | None) -> tuple[float | None, float | None]:
    if exif is None:
        return None, None
    gps = _sub_ifd(exif, ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), "N", "S")
    longitude = _degrees(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), "E", "W")
    if latitude is None or longitude is None or not _valid_position(latitude, longitude):
        return None, None
    if latitude == 0 and longitude == 0:
        # "Null island": what some phones write when they had no fix.
        return None, None
    return latitude, longitude


def _valid_position(latitude: float, longitude: float) -> bool:
    return (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )


# --- comparing -------------------------------------------------------------------------


def hamming(a: int, b: int) -> int:
    """How many of the 64 fingerprint bits differ. Works as well on fingerprints kept
    as signed 64-bit integers (a PostgreSQL BIGINT) as on unsigned ones."""
    return ((a ^ b) & _FINGERPRINT_MASK).bit_count()


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points
    (haversine on a sphere of the mean Earth radius)."""
    lat1, lon1 = (math.radians(x) for x in a)
    lat2, lon2 = (math.radians(x) for x in b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def flag_photo(
    facts: PhotoFacts,
    claim: PhotoClaim,
    rules: EvidenceRules,
    earlier: Iterable[tuple[int, int]],
) -> list[PhotoFlag]:
    """Everything about the photo a supervisor should check, in FLAG_KINDS order.

    ``earlier`` holds (photo id, fingerprint) of the photos already stored; a DUPLICATE
    flag is given for each one within ``rules.duplicate_distance`` bits, in that order,
    up to ``rules.max_duplicate_flags`` of them.
    An empty list means nothing looked wrong, not that the photo is genuine.
    """
    flags: list[PhotoFlag] = []
    location = facts.location
    if facts.taken_at is None:
        flags.append(PhotoFlag(NO_TIME))
    if location is None:
        flags.append(PhotoFlag(NO_LOCATION))
    if facts.taken_at is not None:
        taken = facts.taken_at
        if taken.utcoffset() is None:
            # A phone without OffsetTime* writes its own local time: the deployer's zone.
            taken = taken.replace(tzinfo=rules.zone)
        ahead = taken - claim.uploaded_at
        if -ahead > timedelta(hours=rules.max_age_hours):
            flags.append(PhotoFlag(TOO_OLD, hours=-ahead / timedelta(hours=1)))
        if ahead > CLOCK_TOLERANCE:
            flags.append(PhotoFlag(TAKEN_AFTER_UPLOAD, hours=ahead / timedelta(hours=1)))
        local_day = taken.astimezone(rules.zone).date()
        if local_day != claim.day:
            flags.append(PhotoFlag(OTHER_DAY, day=local_day))
    if location is not None and claim.site is not None:
        metres = distance_m(location, claim.site)
        if metres > rules.max_distance_m:
            flags.append(PhotoFlag(TOO_FAR, metres=metres))
    duplicates = 0
    for photo_id, fingerprint in earlier:
        bits = hamming(facts.fingerprint, fingerprint)
        if bits <= rules.duplicate_distance:
            flags.append(PhotoFlag(DUPLICATE, photo_id=photo_id, bits=bits))
            duplicates += 1
            if duplicates == rules.max_duplicate_flags:
                break
    return flags
