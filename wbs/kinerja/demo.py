"""Demo e-Kinerja data for `wbs demo` (wbs/demo_data.py calls it): four ASN of Dinas
Kesehatan with profiles, this month's plan and the entries of the month's past working
days, so that every e-Kinerja page has something in it. Never used outside the demo.

- Yusuf, head of section (kepala seksi), is the atasan of the three others; his own
  atasan is the head of the agency (the demo account "kadinkes").
- Rudi is a field officer: he supervises the building of a puskesmas ward and his last
  day carries a photo made here with Pillow, with EXIF capture time and GPS a few tens
  of metres from the site he states, stored as an upload is (wbs/kinerja/photo_store.py).
- Maya and Fajar work in the office.

Most days are approved; Maya's second-to-last day is returned with a comment and Rudi's
last day waits for review. The data depend on the date only (no randomness), and are
added once: when any of the accounts exists, nothing is added.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.crypto import Argon2Params
from wbs.holiday_calendar import working_calendar
from wbs.kinerja.entries import local_today
from wbs.kinerja.photo_evidence import EvidenceRules
from wbs.kinerja.photo_store import store_photo
from wbs.models import (
    ActivityDay,
    ActivityEntry,
    ActivityPlan,
    Agency,
    AsnProfile,
    Indicator,
    PerformanceNode,
    Staff,
)
from wbs.sakip.data.demo import DEMO_AGENCY, load_demo_sakip
from wbs.settings import Settings
from wbs.staff_accounts import create_staff

# The deployment's default zone: `wbs demo` has no request, and the demo days only
# need to be this month's working days.
DEMO_ZONE: Final = Settings.timezone
MAX_PIXELS: Final = Settings.max_image_pixels
# Puskesmas Soreang (Kabupaten Bandung): the site Rudi states; the photo's GPS is about
# 30 m away, as a phone's fix is.
SITE: Final = (Decimal("-7.029000"), Decimal("107.524000"))
PHOTO_POSITION: Final = (-7.02925, 107.52390)
HEAD_OF_AGENCY: Final = "kadinkes"
RETURN_COMMENT: Final = (
    "Jumlah laporan belum sesuai dengan rekap puskesmas. Mohon dicek kembali dan "
    "sebutkan puskesmas mana saja yang sudah melapor."
)


@dataclass(frozen=True)
class DemoAsn:
    username: str
    name: str
    password: str  # public: never use demo data in production
    position: str
    nip: str
    field_officer: bool
    node_code: str
    supervisor: str  # username
    activity: str
    unit: str
    indicator: str | None  # the indicator of the demo tree the output counts towards
    per_day: int
    planned: int


DEMO_ASN: Final = (
    DemoAsn(
        "kasi-yankes", "Yusuf Kasi Pelayanan Kesehatan", "rapat-koordinasi-puskesmas-2026",
        "Kepala Seksi Pelayanan Kesehatan Primer", "197805122005011003", False,
        "1.02.02", HEAD_OF_AGENCY, "Rapat koordinasi dan pembinaan petugas puskesmas",
        "kegiatan", None, 1, 20,
    ),
    DemoAsn(
        "pengawas-dinkes", "Rudi Pengawas Lapangan", "helm-proyek-rawat-inap-2026",
        "Pengawas Teknis Pembangunan Fasilitas Kesehatan", "198903172015031002", True,
        "1.02.02.2.01", "kasi-yankes",
        "Pengawasan pembangunan ruang rawat inap Puskesmas Soreang", "kunjungan lapangan",
        "Rasio tempat tidur rumah sakit per 1.000 penduduk", 1, 20,
    ),
    DemoAsn(
        "staf-imunisasi", "Maya Staf Imunisasi", "vaksin-dasar-lengkap-2026",
        "Pengelola Data Imunisasi", "199204252019032011", False, "1.02.02", "kasi-yankes",
        "Rekapitulasi laporan imunisasi dari puskesmas", "laporan",
        "Cakupan imunisasi dasar lengkap", 3, 60,
    ),
    DemoAsn(
        "staf-akreditasi", "Fajar Staf Akreditasi", "dokumen-mutu-pelayanan-2026",
        "Analis Mutu Pelayanan Kesehatan", "199011082020121004", False, "1.02.02",
        "kasi-yankes", "Verifikasi dokumen akreditasi puskesmas", "dokumen",
        "Puskesmas terakreditasi", 5, 100,
    ),
)  # fmt: skip
FIELD_OFFICER: Final = "pengawas-dinkes"
RETURNED_ASN: Final = "staf-imunisasi"
MIN_DAYS: Final = 3


def load_demo_kinerja(
    session: Session, params: Argon2Params, now: datetime, zone: str = DEMO_ZONE
) -> list[tuple[str, str, str]]:
    """Add the demo ASN of Dinas Kesehatan and their month, unless one of them exists.
    Returns (user, password, roles) of each demo ASN, for `wbs demo` to print."""
    accounts = [(asn.username, asn.password, "asn") for asn in DEMO_ASN]
    names = [asn.username for asn in DEMO_ASN]
    if session.scalar(select(Staff.id).where(Staff.username.in_(names)).limit(1)) is not None:
        return accounts
    agency = session.scalars(select(Agency).where(Agency.code == DEMO_AGENCY)).one_or_none()
    if agency is None:
        return []
    today = local_today(now, zone)
    # The tree's indicators are the targets; `wbs demo` loads the tree after the staff,
    # and loading it is a no-op once it exists.
    load_demo_sakip(session, today.year, now)
    staff = _accounts(session, agency, params, now)
    days = _past_working_days(session, today)
    targets = _targets(session, agency.id)
    for asn in DEMO_ASN:
        person = staff[asn.username]
        target_key = targets.get(asn.indicator or "", "")
        session.add(
            ActivityPlan(
                staff_id=person.id,
                year=today.year,
                month=today.month,
                target_key=target_key,
                unit=asn.unit,
                planned=Decimal(asn.planned),
                updated_at=now,
            )
        )
        for index, day in enumerate(days):
            _day(session, asn, staff, agency.id, target_key, days, index, day, zone)
    session.flush()
    return accounts


def _accounts(
    session: Session, agency: Agency, params: Argon2Params, now: datetime
) -> dict[str, Staff]:
    nodes = {
        code: node_id
        for code, node_id in session.execute(
            select(PerformanceNode.code, PerformanceNode.id).where(
                PerformanceNode.agency_id == agency.id
            )
        )
    }
    staff: dict[str, Staff] = {}
    head = session.scalars(select(Staff).where(Staff.username == HEAD_OF_AGENCY)).one_or_none()
    if head is not None:
        staff[HEAD_OF_AGENCY] = head
    for asn in DEMO_ASN:
        person = create_staff(
            session,
            username=asn.username,
            display_name=asn.name,
            password=asn.password,
            roles={"asn"},
            params=params,
            now=now,
        )
        staff[asn.username] = person
        supervisor = staff.get(asn.supervisor)
        session.add(
            AsnProfile(
                staff_id=person.id,
                agency_id=agency.id,
                node_id=nodes.get(asn.node_code),
                supervisor_id=supervisor.id if supervisor else None,
                nip=asn.nip,
                position=asn.position,
                field_officer=asn.field_officer,
            )
        )
    session.flush()
    return staff


def _past_working_days(session: Session, today: date) -> list[date]:
    """This month's working days before today; at least MIN_DAYS (early in a month, the
    last working days of the month before), so that the review pages are never empty."""
    calendar = working_calendar(session, {today.year - 1, today.year})
    days: list[date] = []
    day = today - timedelta(days=1)
    while day.month == today.month or len(days) < MIN_DAYS:
        if calendar.is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _targets(session: Session, agency_id: int) -> dict[str, str]:
    """The target key of each indicator of the agency's tree, by name."""
    rows = session.execute(
        select(Indicator.name, Indicator.id)
        .join(PerformanceNode, PerformanceNode.id == Indicator.node_id)
        .where(PerformanceNode.agency_id == agency_id)
    )
    return {name: f"ind:{indicator_id}" for name, indicator_id in rows}


def _at(day: date, hour: int, minute: int, zone: str) -> datetime:
    """``day`` at a local time, as naive UTC (how timestamps are stored)."""
    local = datetime.combine(day, time(hour, minute), ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def _day(
    session: Session,
    asn: DemoAsn,
    staff: dict[str, Staff],
    agency_id: int,
    target_key: str,
    days: list[date],
    index: int,
    day: date,
    zone: str,
) -> None:
    person = staff[asn.username]
    supervisor = staff.get(asn.supervisor)
    field_work = asn.field_officer
    entry = ActivityEntry(
        staff_id=person.id,
        day=day,
        agency_id=agency_id,
        activity=asn.activity,
        quantity=Decimal(asn.per_day + index % 2),
        unit=asn.unit,
        target_key=target_key,
        place="Puskesmas Soreang, ruang rawat inap" if field_work else "",
        latitude=SITE[0] if field_work else None,
        longitude=SITE[1] if field_work else None,
        started_at="09:00" if field_work else "08:00",
        created_at=_at(day, 15, 30, zone),
    )
    session.add(entry)
    last, second_last = index == len(days) - 1, index == len(days) - 2
    state, comment = "approved", ""
    if asn.username == FIELD_OFFICER and last:
        state = "submitted"
        session.flush()
        store_photo(
            session,
            entry,
            demo_photo(day, zone),
            f"IMG_{day:%Y%m%d}_091000.jpg",
            EvidenceRules(timezone=zone),
            MAX_PIXELS,
            _at(day, 15, 30, zone),
        )
    elif asn.username == RETURNED_ASN and second_last:
        state, comment = "returned", RETURN_COMMENT
    if supervisor is None:
        state, comment = "submitted", ""
    reviewed = state != "submitted"
    session.add(
        ActivityDay(
            staff_id=person.id,
            day=day,
            agency_id=agency_id,
            state=state,
            comment=comment,
            reviewed_by_id=supervisor.id if reviewed and supervisor else None,
            reviewed_at=_at(day, 16, 45, zone) if reviewed else None,
            updated_at=_at(day, 15, 30, zone),
        )
    )


# --- the photo ---------------------------------------------------------------------------


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees, minutes and seconds as a phone writes them (seconds in 1/100)."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 100)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 100)


def phone_exif(taken: datetime, position: tuple[float, float]) -> Image.Exif:
    """EXIF as a phone writes it: make and model, the local capture time with its UTC
    offset, and the GPS position (also used by bench/kinerja.py)."""
    offset = taken.strftime("%z")
    exif = Image.Exif()
    exif[0x010F] = "samsung"  # Make
    exif[0x0110] = "Galaxy A15"  # Model
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    sub[0x9011] = f"{offset[:3]}:{offset[3:]}"  # OffsetTimeOriginal
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude, longitude = position
    gps[1] = "N" if latitude >= 0 else "S"
    gps[2] = _dms(latitude)
    gps[3] = "E" if longitude >= 0 else "W"
    gps[4] = _dms(longitude)
    return exif


def demo_photo(day: date, zone: str = DEMO_ZONE) -> io.BytesIO:
    """A JPEG as a phone writes it: a building site under the sky, taken at 09:10 local
    time on ``day`` (DateTimeOriginal with its offset), with the GPS position."""
    width, height = 640, 480
    sky = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (sky.point(lambda v: 120 + v // 3), sky.point(lambda v: 170 + v // 4),
                                sky.point(lambda v: 235 - v // 5)))  # fmt: skip
    draw = ImageDraw.Draw(image)
    rng = random.Random(day.toordinal())  # noqa: S311 - a picture, not a secret
    draw.rectangle((0, 330, width, height), fill=(126, 104, 78))  # the ground
    draw.rectangle((140, 180, 500, 340), fill=(196, 190, 178))  # the new ward's walls
    for column in range(6):  # window openings, scaffolding
        x = 160 + column * 55
        draw.rectangle((x, 215, x + 30, 265), fill=(60, 62, 70))
        draw.line((x - 8, 170, x - 8, 345), fill=(150, 110, 40), width=4)
    for _ in range(8):  # bricks and sand piles
        x, y = rng.randrange(0, width - 60), rng.randrange(350, height - 30)
        draw.ellipse((x, y, x + rng.randrange(30, 70), y + 25), fill=(170, 90, 60))
    exif = phone_exif(datetime.combine(day, time(9, 10), ZoneInfo(zone)), PHOTO_POSITION)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    buffer.seek(0)
    return buffer
