"""e-Kinerja photo evidence (wbs/kinerja/photo_evidence.py): what a photo's EXIF says
about when and where it was taken, and the flags a supervisor sees next to the report.

The photos are made here with Pillow the way a phone writes them: a JPEG with Make and
Model, DateTimeOriginal and OffsetTimeOriginal in the Exif IFD and the position as
degree/minute/second rationals in the GPS IFD.
"""

from __future__ import annotations

import io
import random
import struct
import subprocess
import sys
import textwrap
import zlib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfoNotFoundError

import pytest
from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from wbs.kinerja.photo_evidence import (
    DUPLICATE,
    NO_LOCATION,
    NO_TIME,
    OTHER_DAY,
    REJECT_BROKEN,
    REJECT_TOO_LARGE,
    REJECT_UNSUPPORTED,
    TAKEN_AFTER_UPLOAD,
    TOO_FAR,
    TOO_OLD,
    EvidenceRules,
    PhotoClaim,
    PhotoFacts,
    PhotoFlag,
    PhotoRejected,
    distance_m,
    flag_photo,
    hamming,
    read_photo_facts,
)

REPO = Path(__file__).resolve().parent.parent
MAX_PIXELS = 40_000_000
WITA = timezone(timedelta(hours=8))

# Kantor Bupati Minahasa Tenggara, Ratahan, and places around it.
RATAHAN = (1.0525, 124.7166)
RATAHAN_MARKET = (1.0541, 124.7178)  # about 220 m away
BELANG = (0.9447, 124.7874)  # the coast, about 14 km away


# --- making photos ---------------------------------------------------------------------


def scene(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A picture with the structure of a photo: a sky-to-ground gradient and objects."""
    rng = random.Random(seed)
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (sky, sky.point(lambda v: 255 - v // 2), sky.point(lambda v: 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 10, width // 3), rng.randrange(height // 10, height // 3)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=colour)
    return image


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees, minutes and seconds as a phone writes them (seconds in 1/100)."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 100)
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 100))


def camera_exif(
    taken: str | None = "2026:12:07 09:30:00",
    offset: str | None = "+08:00",
    position: tuple[float, float] | None = RATAHAN,
    gps: dict[int, object] | None = None,
    ifd0: dict[int, object] | None = None,
    exif_ifd: dict[int, object] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "samsung"  # Make
    exif[0x0110] = "Galaxy A15"  # Model
    exif.update(ifd0 or {})
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    if taken is not None:
        sub[0x9003] = taken  # DateTimeOriginal
    if offset is not None:
        sub[0x9011] = offset  # OffsetTimeOriginal
    sub.update(exif_ifd or {})
    tags = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if position is not None:
        latitude, longitude = position
        tags[1] = "N" if latitude >= 0 else "S"  # GPSLatitudeRef
        tags[2] = dms(latitude)
        tags[3] = "E" if longitude >= 0 else "W"  # GPSLongitudeRef
        tags[4] = dms(longitude)
    tags.update(gps or {})
    return exif


def photo(
    exif: Image.Exif | None = None,
    image: Image.Image | None = None,
    fmt: str = "JPEG",
    **options: object,
) -> io.BytesIO:
    image = image if image is not None else scene(1)
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, fmt, **options)
    buffer.seek(0)
    return buffer


def facts_of(exif: Image.Exif | None = None, **kwargs: object) -> PhotoFacts:
    return read_photo_facts(photo(exif, **kwargs), MAX_PIXELS)  # type: ignore[arg-type]


def at_wita(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WITA)


# --- reading facts ---------------------------------------------------------------------


def test_a_phone_photo_gives_its_capture_time_position_and_size() -> None:
    facts = facts_of(camera_exif(), image=scene(1, (1200, 900)))
    assert facts.taken_at == at_wita(2026, 12, 7, 9, 30)
    assert facts.taken_at is not None and facts.taken_at.utcoffset() == timedelta(hours=8)
    assert facts.latitude == pytest.approx(RATAHAN[0], abs=1e-6)
    assert facts.longitude == pytest.approx(RATAHAN[1], abs=1e-6)
    assert (facts.width, facts.height, facts.format) == (1200, 900, "JPEG")
    assert 0 <= facts.fingerprint < 2**64


def test_without_an_offset_the_time_is_the_phones_naive_local_time() -> None:
    facts = facts_of(camera_exif(offset=None))
    assert facts.taken_at == datetime(2026, 12, 7, 9, 30)  # noqa: DTZ001
    assert facts.taken_at is not None and facts.taken_at.tzinfo is None


def test_without_date_time_original_the_file_date_time_and_its_offset_are_used() -> None:
    exif = camera_exif(
        taken=None,
        offset=None,
        ifd0={0x0132: "2026:12:06 17:05:09"},  # DateTime
        exif_ifd={0x9010: "+07:00"},  # OffsetTime
    )
    assert facts_of(exif).taken_at == datetime(
        2026, 12, 6, 17, 5, 9, tzinfo=timezone(timedelta(hours=7))
    )


def test_date_time_original_wins_over_the_file_date_time() -> None:
    exif = camera_exif(ifd0={0x0132: "2027:01:02 10:00:00"})  # edited a month later
    assert facts_of(exif).taken_at == at_wita(2026, 12, 7, 9, 30)


def test_a_photo_without_exif_has_no_time_and_no_position() -> None:
    facts = facts_of(None)
    assert (facts.taken_at, facts.latitude, facts.longitude) == (None, None, None)
    assert facts.location is None


def test_a_photo_without_gps_keeps_its_time() -> None:
    facts = facts_of(camera_exif(position=None))
    assert facts.taken_at == at_wita(2026, 12, 7, 9, 30)
    assert facts.location is None


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        ((-6.1754, 106.8272), (-6.1754, 106.8272)),  # Monas, Jakarta: south
        ((-22.9519, -43.2105), (-22.9519, -43.2105)),  # Rio de Janeiro: south and west
        ((51.4779, -0.0015), (51.4779, -0.0015)),  # Greenwich: north, just west
    ],
)
def test_south_and_west_are_negative(
    position: tuple[float, float], expected: tuple[float, float]
) -> None:
    facts = facts_of(camera_exif(position=position))
    assert facts.latitude == pytest.approx(expected[0], abs=1e-5)
    assert facts.longitude == pytest.approx(expected[1], abs=1e-5)


MALFORMED_GPS = {
    "zero-denominator": {2: (IFDRational(1, 1), IFDRational(3, 0), IFDRational(9, 0))},
    "latitude-95-degrees": {2: (IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1))},
    "longitude-200-degrees": {4: (IFDRational(200, 1), IFDRational(0, 1), IFDRational(0, 1))},
    "minutes-75": {2: (IFDRational(1, 1), IFDRational(75, 1), IFDRational(0, 1))},
    "two-values-only": {2: (IFDRational(1, 1), IFDRational(3, 1))},
    "no-reference": {1: ""},
    "reference-x": {3: "X"},
    "null-island": {
        2: (IFDRational(0, 1), IFDRational(0, 1), IFDRational(0, 1)),
        4: (IFDRational(0, 1), IFDRational(0, 1), IFDRational(0, 1)),
    },
}


@pytest.mark.parametrize("gps", MALFORMED_GPS.values(), ids=MALFORMED_GPS.keys())
def test_a_malformed_position_is_unknown_and_the_time_still_read(gps: dict[int, object]) -> None:
    facts = facts_of(camera_exif(gps=gps))
    assert facts.location is None
    assert (facts.latitude, facts.longitude) == (None, None)
    assert facts.taken_at == at_wita(2026, 12, 7, 9, 30)


def test_a_latitude_stored_as_text_is_unknown() -> None:
    """The GPSLatitude entry retyped from RATIONAL to ASCII: Pillow reads it as a string."""
    raw = camera_exif().tobytes()
    assert raw.startswith(b"Exif\x00\x00MM")  # Pillow writes big-endian
    entry = struct.pack(">HHI", 2, 5, 3)  # tag GPSLatitude, type RATIONAL, 3 values
    assert raw.count(entry) == 1
    retyped = raw.replace(entry, struct.pack(">HHI", 2, 2, 24))  # ASCII, 24 bytes
    buffer = io.BytesIO()
    scene(1).save(buffer, "JPEG", exif=retyped)
    buffer.seek(0)
    facts = read_photo_facts(buffer, MAX_PIXELS)
    assert facts.location is None
    assert facts.taken_at == at_wita(2026, 12, 7, 9, 30)


MALFORMED_TIMES = {
    "no-clock": "0000:00:00 00:00:00",
    "30-february": "2026:02:30 10:00:00",
    "hour-25": "2026:12:07 25:00:00",
    "blank": "    :  :     :  :  ",
    "words": "kemarin sore",
}


@pytest.mark.parametrize("taken", MALFORMED_TIMES.values(), ids=MALFORMED_TIMES.keys())
def test_an_impossible_time_is_unknown_and_the_position_still_read(taken: str) -> None:
    facts = facts_of(camera_exif(taken=taken))
    assert facts.taken_at is None
    assert facts.location is not None


def test_a_time_of_the_wrong_type_is_unknown() -> None:
    exif = camera_exif(taken=None, exif_ifd={0x9003: 20261207})
    assert facts_of(exif).taken_at is None


def test_an_impossible_offset_leaves_the_time_naive() -> None:
    facts = facts_of(camera_exif(offset="+25:00"))
    assert facts.taken_at == datetime(2026, 12, 7, 9, 30)  # noqa: DTZ001


def test_png_and_webp_photos_are_read_too() -> None:
    for fmt in ("PNG", "WEBP"):
        facts = facts_of(camera_exif(), fmt=fmt)
        assert facts.format == fmt
        assert facts.taken_at == at_wita(2026, 12, 7, 9, 30)
        assert facts.location is not None


def test_size_and_fingerprint_follow_the_exif_orientation() -> None:
    """A phone held upright stores the picture on its side with Orientation 6."""
    upright = scene(4, (900, 1200))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote
    facts = facts_of(camera_exif(ifd0={0x0112: 6}), image=stored)
    plain = facts_of(camera_exif(), image=upright)
    assert (facts.width, facts.height) == (900, 1200)
    assert hamming(facts.fingerprint, plain.fingerprint) <= 2


def test_the_stream_is_rewound_for_storing() -> None:
    stream = photo(camera_exif())
    content = stream.getvalue()
    read_photo_facts(stream, MAX_PIXELS)
    assert stream.tell() == 0 and stream.read() == content


# --- refusals --------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A few bytes declaring a huge 1-bit greyscale PNG: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


REFUSED = {
    "text": (lambda: b"Laporan kegiatan hari Senin", REJECT_BROKEN),
    "pdf": (lambda: b"%PDF-1.7\n1 0 obj << >> endobj\n", REJECT_BROKEN),
    "truncated-jpeg": (lambda: photo(camera_exif()).getvalue()[:3000], REJECT_BROKEN),
    # Over twice Pillow's MAX_IMAGE_PIXELS: DecompressionBombError when opened.
    "png-10-gigapixel": (lambda: png_claiming(100_000, 100_000), REJECT_TOO_LARGE),
    # Between Pillow's warning and error thresholds: the warning counts as refusal.
    "png-95-megapixel": (lambda: png_claiming(10_000, 9_500), REJECT_TOO_LARGE),
    # Under Pillow's thresholds, over the deployer's own.
    "png-48-megapixel": (lambda: png_claiming(8_000, 6_000), REJECT_TOO_LARGE),
    "gif": (lambda: photo(image=scene(1, (60, 40)), fmt="GIF").getvalue(), REJECT_UNSUPPORTED),
}


@pytest.mark.parametrize(("make", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_what_is_not_a_usable_photo_is_refused(make: object, reason: str) -> None:
    with pytest.raises(PhotoRejected) as refused:
        read_photo_facts(io.BytesIO(make()), MAX_PIXELS)  # type: ignore[operator]
    assert refused.value.reason == reason
    assert isinstance(refused.value, ValueError)


def test_the_pixel_limit_is_the_callers() -> None:
    """The refusals above are the limit's doing: the same photo passes a larger one."""
    stream = photo(camera_exif(), image=scene(1, (1200, 900)))
    with pytest.raises(PhotoRejected, match="too_large"):
        read_photo_facts(stream, 1200 * 900 - 1)
    assert read_photo_facts(stream, 1200 * 900).width == 1200


def test_a_png_is_refused_above_what_may_be_decoded_whole_but_a_jpeg_is_not() -> None:
    """PNG has no reduced decoding: above 4 megapixels it would cost a worker more than
    the 20 MB an upload may; a JPEG of the same size is read at 1/8 scale."""
    from wbs.kinerja.photo_evidence import MAX_WHOLE_DECODE_PIXELS

    big = scene(1, (2400, 1800))
    assert 2400 * 1800 > MAX_WHOLE_DECODE_PIXELS
    with pytest.raises(PhotoRejected, match="too_large"):
        read_photo_facts(photo(image=big, fmt="PNG"), MAX_PIXELS)
    assert read_photo_facts(photo(camera_exif(), image=big), MAX_PIXELS).width == 2400
    assert (
        read_photo_facts(photo(image=scene(1, (1600, 1200)), fmt="PNG"), MAX_PIXELS).width == 1600
    )


# --- memory ----------------------------------------------------------------------------

# How the memory is measured. tracemalloc cannot judge this: Pillow's pixel buffers come
# from its own C allocator, and tracemalloc's peak stayed under 1 MB even with the full
# 12-megapixel decode. getrusage's ru_maxrss cannot either: Linux carries the parent's
# peak across fork and exec, so a child of this (large) pytest process starts at
# pytest's peak and shows no growth. The child's own peak resident set, VmHWM in
# /proc/self/status, starts afresh at exec and sees every decoded pixel.
MEASURE = textwrap.dedent(
    """
    import io, sys
    from PIL import JpegImagePlugin
    from wbs.kinerja.photo_evidence import read_photo_facts

    def peak():
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    data = open(sys.argv[1], "rb").read()
    if sys.argv[2] == "full-decode":
        JpegImagePlugin.JpegImageFile.draft = lambda self, mode, size: None
    stream = io.BytesIO(data)
    before = peak()
    facts = read_photo_facts(stream, 40_000_000)
    print(peak() - before, facts.width, facts.height)
    """
)


def twelve_megapixel_jpeg(path: Path) -> None:
    width, height = 4000, 3000
    grain = Image.effect_noise((width // 2, height // 2), 60).resize((width, height))
    sky = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (grain, sky, Image.blend(grain, sky, 0.5)))
    image.save(path, "JPEG", quality=92, exif=camera_exif())


def growth_in_bytes(path: Path, mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=60,
    )
    growth, width, height = result.stdout.split()
    assert (int(width), int(height)) == (4000, 3000)
    return int(growth)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_12_megapixel_photo_is_read_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "IMG_20261207_093000.jpg"
    twelve_megapixel_jpeg(path)
    assert path.stat().st_size > 4_000_000
    assert growth_in_bytes(path, "draft") < 20_000_000
    # The measure sees a full decode (RGB at 4 bytes a pixel): the limit above can fail.
    assert growth_in_bytes(path, "full-decode") > 40_000_000


# --- distances and fingerprints --------------------------------------------------------


def test_distance_in_metres() -> None:
    assert distance_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_195.08, abs=0.01)
    assert distance_m(RATAHAN, RATAHAN) == 0
    assert distance_m(RATAHAN, RATAHAN_MARKET) == pytest.approx(222, abs=5)
    assert distance_m(RATAHAN, BELANG) == pytest.approx(distance_m(BELANG, RATAHAN))
    assert 13_000 < distance_m(RATAHAN, BELANG) < 15_000
    # Half the way round the Earth, the largest possible distance.
    assert distance_m((0.0, 0.0), (0.0, 180.0)) == pytest.approx(20_015_115, abs=1)


def test_hamming_counts_differing_bits_also_for_signed_storage() -> None:
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(2**64 - 1, 0) == 64
    unsigned = 0xF000_0000_0000_0001
    signed = unsigned - 2**64  # the same 64 bits as a PostgreSQL BIGINT
    assert hamming(signed, unsigned) == 0
    assert hamming(signed, 1) == 4


def test_the_same_picture_re_encoded_and_shrunk_keeps_its_fingerprint() -> None:
    original = facts_of(camera_exif(), image=scene(7, (1600, 1200)), quality=95)
    shrunk = scene(7, (1600, 1200)).resize((800, 600), Image.Resampling.LANCZOS)
    forwarded = facts_of(None, image=shrunk, quality=55)  # WhatsApp strips EXIF too
    other = facts_of(camera_exif(), image=scene(8, (1600, 1200)), quality=95)
    assert hamming(original.fingerprint, forwarded.fingerprint) <= 6
    assert hamming(original.fingerprint, other.fingerprint) > 12


# --- flags -----------------------------------------------------------------------------

RULES = EvidenceRules()
# Monday 7 December 2026, 10:00 WITA.
UPLOADED = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def claim(
    day: date = date(2026, 12, 7),
    site: tuple[float, float] | None = RATAHAN,
    uploaded_at: datetime = UPLOADED,
) -> PhotoClaim:
    return PhotoClaim(day=day, site=site, uploaded_at=uploaded_at)


MONDAY_MORNING = at_wita(2026, 12, 7, 9, 30)


def facts(
    taken_at: datetime | None = MONDAY_MORNING,
    location: tuple[float, float] | None = RATAHAN_MARKET,
    fingerprint: int = 0x0123_4567_89AB_CDEF,
) -> PhotoFacts:
    latitude, longitude = location if location is not None else (None, None)
    return PhotoFacts(taken_at, latitude, longitude, 4000, 3000, fingerprint, "JPEG")


def kinds(flags: list[PhotoFlag]) -> list[str]:
    return [flag.kind for flag in flags]


def test_a_photo_taken_there_that_morning_raises_no_flag() -> None:
    assert flag_photo(facts(), claim(), RULES, []) == []


def test_a_photo_read_from_a_real_file_raises_no_flag_when_it_fits_the_claim() -> None:
    read = facts_of(camera_exif(taken="2026:12:07 09:30:00", position=RATAHAN_MARKET))
    assert flag_photo(read, claim(), RULES, []) == []


def test_missing_time_and_position_are_flagged() -> None:
    assert kinds(flag_photo(facts(taken_at=None, location=None), claim(), RULES, [])) == [
        NO_TIME,
        NO_LOCATION,
    ]


def test_a_photo_older_than_the_limit_is_flagged_with_its_age() -> None:
    old = facts(taken_at=at_wita(2026, 12, 5, 8, 0))  # Saturday, 50 hours before
    flags = flag_photo(old, claim(), RULES, [])
    assert kinds(flags) == [TOO_OLD, OTHER_DAY]
    assert flags[0].hours == pytest.approx(50)
    assert flags[1].day == date(2026, 12, 5)
    # Within the limit of a deployer who allows three days, only the day is wrong.
    assert kinds(flag_photo(old, claim(), EvidenceRules(max_age_hours=72), [])) == [OTHER_DAY]


def test_a_photo_taken_after_the_upload_is_flagged() -> None:
    later = facts(taken_at=at_wita(2026, 12, 7, 11, 0))  # an hour after the upload
    flags = flag_photo(later, claim(), RULES, [])
    assert kinds(flags) == [TAKEN_AFTER_UPLOAD]
    assert flags[0].hours == pytest.approx(1)
    # A phone clock a few minutes fast is tolerated.
    fast_clock = facts(taken_at=at_wita(2026, 12, 7, 10, 9))
    assert flag_photo(fast_clock, claim(), RULES, []) == []


def test_the_day_is_counted_in_the_deployers_zone_not_in_utc() -> None:
    # 07:30 WITA on 8 December is still 7 December in UTC.
    morning = facts(taken_at=at_wita(2026, 12, 8, 7, 30))
    next_morning = claim(day=date(2026, 12, 8), uploaded_at=datetime(2026, 12, 8, 0, 0, tzinfo=UTC))
    assert flag_photo(morning, next_morning, RULES, []) == []
    # 23:30 in WIB (Jakarta time on the phone) is already 8 December in Ratahan.
    late = facts(taken_at=datetime(2026, 12, 7, 23, 30, tzinfo=timezone(timedelta(hours=7))))
    flags = flag_photo(late, next_morning, RULES, [])
    assert flags == []
    flags = flag_photo(late, claim(uploaded_at=datetime(2026, 12, 8, 0, 0, tzinfo=UTC)), RULES, [])
    assert flags == [PhotoFlag(OTHER_DAY, day=date(2026, 12, 8))]


def test_a_naive_time_near_midnight_is_read_in_the_rules_zone() -> None:
    """Overtime on Monday night: the photo says 23:50 without an offset, uploaded at
    00:05 WITA on Tuesday."""
    night = facts(taken_at=datetime(2026, 12, 7, 23, 50))  # noqa: DTZ001
    uploaded = claim(uploaded_at=datetime(2026, 12, 7, 16, 5, tzinfo=UTC))
    assert flag_photo(night, uploaded, RULES, []) == []
    # Read as Jakarta time, 23:50 WIB is 00:50 WITA: after the upload, and on Tuesday.
    flags = flag_photo(night, uploaded, EvidenceRules(timezone="Asia/Jakarta"), [])
    assert kinds(flags) == [TAKEN_AFTER_UPLOAD]
    assert flags[0].hours == pytest.approx(0.75)
    # Read as Jayapura time (WIT), 23:50 is 22:50 WITA on Monday: 75 minutes old, fine.
    assert flag_photo(night, uploaded, EvidenceRules(timezone="Asia/Jayapura"), []) == []
    # And a claim for Tuesday is another day.
    tuesday = claim(day=date(2026, 12, 8), uploaded_at=datetime(2026, 12, 7, 16, 5, tzinfo=UTC))
    assert flag_photo(night, tuesday, RULES, []) == [PhotoFlag(OTHER_DAY, day=date(2026, 12, 7))]


def test_a_photo_far_from_the_stated_site_is_flagged_with_the_distance() -> None:
    flags = flag_photo(facts(location=BELANG), claim(), RULES, [])
    assert kinds(flags) == [TOO_FAR]
    assert flags[0].metres == pytest.approx(distance_m(BELANG, RATAHAN))
    assert (
        flag_photo(facts(location=BELANG), claim(), EvidenceRules(max_distance_m=20_000), []) == []
    )
    # 220 m from the office passes the default 500 m, not a strict 100 m.
    assert flag_photo(facts(location=RATAHAN_MARKET), claim(), RULES, []) == []
    strict = EvidenceRules(max_distance_m=100)
    assert kinds(flag_photo(facts(location=RATAHAN_MARKET), claim(), strict, [])) == [TOO_FAR]


def test_no_distance_without_a_stated_site_or_without_gps() -> None:
    assert flag_photo(facts(location=BELANG), claim(site=None), RULES, []) == []
    assert kinds(flag_photo(facts(location=None), claim(), RULES, [])) == [NO_LOCATION]


def test_each_earlier_photo_of_the_same_picture_is_named() -> None:
    mine = 0x0123_4567_89AB_CDEF
    earlier = [
        (11, mine ^ 0b111),  # 3 bits apart: the same picture
        (12, mine ^ 0xFFFF_FFFF),  # 32 bits apart: another picture
        (13, mine),  # identical
        (14, mine ^ 0b111_1111),  # 7 bits: beyond the default 6
    ]
    flags = flag_photo(facts(fingerprint=mine), claim(), RULES, earlier)
    assert flags == [
        PhotoFlag(DUPLICATE, photo_id=11, bits=3),
        PhotoFlag(DUPLICATE, photo_id=13, bits=0),
    ]
    looser = EvidenceRules(duplicate_distance=7)
    assert [f.photo_id for f in flag_photo(facts(fingerprint=mine), claim(), looser, earlier)] == [
        11,
        13,
        14,
    ]


def test_at_most_three_earlier_photos_are_named_the_first_found() -> None:
    # A much-photographed place (the office front) must not bury the other flags.
    mine = 0x0123_4567_89AB_CDEF
    earlier = [(photo_id, mine) for photo_id in range(20, 30)]
    flags = flag_photo(facts(fingerprint=mine, location=None), claim(), RULES, earlier)
    assert kinds(flags) == [NO_LOCATION, DUPLICATE, DUPLICATE, DUPLICATE]
    assert [f.photo_id for f in flags[1:]] == [20, 21, 22]
    one = EvidenceRules(max_duplicate_flags=1)
    assert [f.photo_id for f in flag_photo(facts(fingerprint=mine), claim(), one, earlier)] == [20]
    with pytest.raises(ValueError):
        EvidenceRules(max_duplicate_flags=0)


def test_a_forwarded_copy_of_an_earlier_photo_is_flagged_as_duplicate() -> None:
    first = facts_of(camera_exif(), image=scene(7, (1600, 1200)), quality=95)
    shrunk = scene(7, (1600, 1200)).resize((1000, 750), Image.Resampling.BICUBIC)
    again = facts_of(camera_exif(), image=shrunk, quality=60)
    another = facts_of(camera_exif(), image=scene(9, (1600, 1200)))
    stored = [(101, first.fingerprint), (102, another.fingerprint)]
    flags = flag_photo(again, claim(), RULES, stored)
    assert [(f.kind, f.photo_id) for f in flags] == [(DUPLICATE, 101)]


def test_all_flags_come_in_a_fixed_order() -> None:
    everything_wrong = PhotoFacts(
        taken_at=at_wita(2026, 12, 1, 9, 0),
        latitude=BELANG[0],
        longitude=BELANG[1],
        width=10,
        height=10,
        fingerprint=5,
        format="JPEG",
    )
    flags = flag_photo(everything_wrong, claim(), RULES, [(3, 5), (2, 4)])
    assert kinds(flags) == [TOO_OLD, OTHER_DAY, TOO_FAR, DUPLICATE, DUPLICATE]
    assert [f.photo_id for f in flags[3:]] == [3, 2]
    nothing_known = facts(taken_at=None, location=None, fingerprint=5)
    assert kinds(flag_photo(nothing_known, claim(), RULES, [(3, 5)])) == [
        NO_TIME,
        NO_LOCATION,
        DUPLICATE,
    ]
    ahead = facts(taken_at=at_wita(2026, 12, 8, 9, 0), location=BELANG)
    assert kinds(flag_photo(ahead, claim(), RULES, [])) == [TAKEN_AFTER_UPLOAD, OTHER_DAY, TOO_FAR]


def test_a_claim_needs_an_aware_upload_time_and_a_real_site() -> None:
    with pytest.raises(ValueError, match="aware"):
        PhotoClaim(day=date(2026, 12, 7), site=None, uploaded_at=datetime(2026, 12, 7, 2, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="latitude"):
        claim(site=(124.72, 1.05))


def test_rules_refuse_an_unknown_zone() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        EvidenceRules(timezone="Asia/Manado")
