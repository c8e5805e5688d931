"""e-Kinerja at scale (issue 7): 5,000 ASN × the working days of a month in PostgreSQL.

The fill: AGENCIES agencies, each with a small performance tree (one sub kegiatan node
with three indicators); 5,000 ASN with profiles, one in ten the atasan of the nine after
him; the largest agency (Dinas Pendidikan, as in most Pemda) holds BIG_AGENCY_ASN of
them, the others share the rest. For MONTH, every ASN has three plan lines and, on each
working day, two entries (about one day in twenty missing); days are mostly approved,
some submitted, a few returned.

Timed, as a leader gets it (a GET through the Flask test client, session check and
rendering included): the agency's monthly page (/kinerja/agency/<id>?month=...), for
the largest agency and a typical one; the data function alone; and the hand-written
SQL aggregate that fetches the same figures with psycopg, in the same run. Prints each
and the ratio page ÷ bare SQL (goal: at most 2). Before timing, the bare SQL's totals
are checked against the page's data.

Then a 5 MB camera photo (12 megapixels, EXIF time and GPS) is uploaded through the
ASN's day form to a real one-worker gunicorn server, logged in with password and TOTP
as a browser would; the worker's peak resident memory (VmHWM) is read before and after
(goal: growth under 20 MB: the upload is copied in chunks, never held whole).
"""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import select

from bench import postgres_part
from bench.postgres_part import size

if TYPE_CHECKING:
    from wbs.kinerja.data import MonthInput

GOAL = 2.0
GROWTH_GOAL_MIB = 20.0
REPEATS = 15
ASN = 5_000
AGENCIES = 30
BIG_AGENCY_ASN = 1_000
TEAM = 10  # one atasan for the nine after him
MONTH = (2026, 10)  # 22 weekdays
ADMIN_ID = 1
ASN_ID_OFFSET = 100  # staff ids of the ASN start after this
ENTRIES_PER_DAY = 2
INDICATORS_PER_AGENCY = 3


@dataclass(frozen=True)
class Size:
    asn: int
    agencies: int
    big_agency: int


def sizes() -> Size:
    asn = size("WBS_BENCH_KINERJA_ASN", ASN)
    return Size(asn, AGENCIES, min(BIG_AGENCY_ASN, asn // 2))


def fill(url: str, fill_size: Size) -> None:
    first, last = (
        date(*MONTH, 1),
        date(MONTH[0], MONTH[1] + 1, 1) if MONTH[1] < 12 else date(MONTH[0] + 1, 1, 1),
    )
    params = {
        "asn": fill_size.asn,
        "agencies": fill_size.agencies,
        "offset": ASN_ID_OFFSET,
        "team": TEAM,
        "first": first,
        "last": last,
        "year": MONTH[0],
        "month": MONTH[1],
        "per_agency": INDICATORS_PER_AGENCY,
        "big": fill_size.big_agency,
        "entries": ENTRIES_PER_DAY,
    }
    with psycopg.connect(postgres_part.dsn(url)) as connection:
        connection.execute(
            "INSERT INTO agency (id, code, name, active, head_name, head_title) SELECT i, "
            "'OPD' || i, CASE WHEN i = 1 THEN 'Dinas Pendidikan' ELSE 'Dinas ' || i END, "
            "true, 'Kepala ' || i, 'Kepala Dinas' FROM generate_series(1, %(agencies)s) AS i",
            params,
        )
        connection.execute(
            "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
            "must_change_password, failed_logins, created_at) VALUES (%s, 'pimpinan', "
            "'Pimpinan', 'x', 'leadership admin', true, false, 0, now())",
            (ADMIN_ID,),
        )
        connection.execute(
            "INSERT INTO performance_node (id, agency_id, parent_id, level, code, name, weight, "
            "sort_order, active) SELECT i, i, NULL, 'sub_kegiatan', '1.01.01.2.01.' || i, "
            "'Sub kegiatan ' || i, 1, 0, true FROM generate_series(1, %(agencies)s) AS i",
            params,
        )
        connection.execute(
            "INSERT INTO indicator (id, node_id, name, unit, polarity, weight, sort_order, "
            "active) SELECT (a - 1) * %(per_agency)s + k, a, 'Indikator ' || k, 'dokumen', "
            "'higher', 1, k, true FROM generate_series(1, %(agencies)s) AS a, "
            "generate_series(1, %(per_agency)s) AS k",
            params,
        )
        connection.execute(
            "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
            "must_change_password, failed_logins, created_at) SELECT %(offset)s + n, "
            "'asn' || n, 'Pegawai ' || n, 'x', 'asn', true, false, 0, now() "
            "FROM generate_series(1, %(asn)s) AS n",
            params,
        )
        connection.execute(
            "INSERT INTO asn_profile (staff_id, agency_id, node_id, supervisor_id, nip, "
            # The first ``big`` in agency 1, the others round robin over the rest.
            "position, field_officer) SELECT %(offset)s + n, CASE WHEN n <= %(big)s THEN 1 "
            "ELSE 2 + (n - %(big)s) %% (%(agencies)s - 1) END, NULL, "
            "CASE WHEN (n - 1) %% %(team)s = 0 THEN NULL "
            "ELSE %(offset)s + n - (n - 1) %% %(team)s END, '', 'Pelaksana', n %% 7 = 0 "
            "FROM generate_series(1, %(asn)s) AS n",
            params,
        )
        connection.execute(
            "INSERT INTO activity_plan (staff_id, year, month, target_key, unit, planned, "
            "updated_at) SELECT p.staff_id, %(year)s, %(month)s, 'ind:' || "
            "((p.agency_id - 1) * %(per_agency)s + k), 'dokumen', 10 + k * 5, now() "
            "FROM asn_profile AS p, generate_series(1, %(per_agency)s) AS k",
            params,
        )
        # The month's weekdays (the holidays of the calendar are simply days with
        # entries that the page does not count as missing-day fill).
        connection.execute("SELECT setseed(0.7)")
        connection.execute(
            "CREATE TEMP TABLE bench_days AS SELECT p.staff_id, p.agency_id, d::date AS day, "
            "CASE WHEN random() < 0.90 THEN 'approved' WHEN random() < 0.8 THEN 'submitted' "
            "ELSE 'returned' END AS state FROM asn_profile AS p, "
            "generate_series(%(first)s::date, %(last)s::date - 1, '1 day') AS d "
            "WHERE extract(isodow FROM d) < 6 AND random() >= 0.05",
            params,
        )
        connection.execute(
            "INSERT INTO activity_day (staff_id, day, agency_id, state, comment, "
            "reviewed_by_id, reviewed_at, updated_at) SELECT staff_id, day, agency_id, state, "
            "CASE WHEN state = 'returned' THEN 'Lengkapi foto kegiatan.' ELSE '' END, NULL, "
            "NULL, now() FROM bench_days",
            params,
        )
        connection.execute(
            "INSERT INTO activity_entry (staff_id, day, agency_id, activity, quantity, unit, "
            "target_key, place, latitude, longitude, started_at, created_at) SELECT d.staff_id, "
            "d.day, d.agency_id, 'Menyusun laporan kegiatan ' || e, 1 + (d.staff_id + e) %% 3, "
            "'dokumen', 'ind:' || ((d.agency_id - 1) * %(per_agency)s + 1 + (d.staff_id + e) %% "
            "%(per_agency)s), '', NULL, NULL, '08:00', now() FROM bench_days AS d, "
            "generate_series(1, %(entries)s) AS e",
            params,
        )
        connection.execute("ANALYZE")


# --- the 5 MB photo upload -------------------------------------------------------------------

PHOTO_MEGAPIXELS = (4000, 3000)
PHOTO_BYTES_AT_LEAST = 5 * 1024 * 1024


def camera_photo(day: date, seed: int = 1) -> bytes:
    """A 12-megapixel JPEG of at least 5 MB (sensor-like noise keeps it from compressing),
    with a phone's EXIF: capture time that morning and a GPS position."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from PIL import Image

    from wbs.kinerja.demo import PHOTO_POSITION, phone_exif

    width, height = PHOTO_MEGAPIXELS
    noise = [Image.effect_noise((width, height), 70 + 10 * band + seed) for band in range(3)]
    picture = Image.merge("RGB", noise)
    taken = datetime.combine(day, time(9, 10), ZoneInfo("Asia/Jakarta"))
    for quality in range(40, 100, 5):
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=quality, exif=phone_exif(taken, PHOTO_POSITION))
        if buffer.tell() >= PHOTO_BYTES_AT_LEAST:
            return buffer.getvalue()
    raise RuntimeError("could not make a photo of 5 MB")


@dataclass(frozen=True)
class UploadFigures:
    photo_bytes: int
    rss_before_kib: int
    peak_kib: int
    upload_s: float
    stored_intact: bool

    @property
    def growth_mib(self) -> float:
        return (self.peak_kib - self.rss_before_kib) / 1024


def _reset_peak(pid: int) -> None:
    """Linux: writing 5 to clear_refs sets VmHWM back to the current RSS, so the peak
    read afterwards is this upload's, not the login's Argon2id run (64 MiB)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def measure_upload() -> UploadFigures:
    import requests

    from bench.live_stack import live_stack
    from bench.server import children_of, memory_kib
    from bench.staff_browser import CSRF, PrefixedSession, login, token
    from wbs.db import Database
    from wbs.models import ActivityPhoto, Agency, AsnProfile, Staff

    with live_stack("wbs-bench-kinerja", 1, 1) as stack:
        account = stack.officers[0]
        db = Database(stack.settings.database_url)
        try:
            with db.session() as session:
                staff = session.scalars(
                    select(Staff).where(Staff.username == account.username)
                ).one()
                staff.roles = "asn"
                agency_id = session.scalars(select(Agency.id).order_by(Agency.id)).first()
                session.add(AsnProfile(staff_id=staff.id, agency_id=agency_id, field_officer=True))
            browser = requests.Session()
            browser.headers["X-Forwarded-For"] = "10.251.0.1"
            client = PrefixedSession(browser, stack.url)
            login(client, account)
            day = stack.settings.today()
            path = f"/kinerja/day/{day.isoformat()}"

            def upload(content: bytes, name: str) -> float:
                csrf = token(CSRF, client.get(path).text)
                began = time.perf_counter()
                response = client.post(
                    path,
                    data={
                        "csrf_token": csrf,
                        "activity": "Mengawasi pengecoran jembatan",
                        "quantity": "1",
                        "unit": "laporan",
                        "place": "Jembatan Ratahan",
                        "started_at": "09:10",
                    },
                    files={"photos": (name, content, "image/jpeg")},
                    allow_redirects=False,
                )
                took = time.perf_counter() - began
                if response.status_code not in (302, 303):
                    raise RuntimeError(f"upload of {name}: {response.status_code}")
                return took

            # Warm-up: imports, templates, the JPEG decoder, a first photo stored.
            upload(_small_photo(day), "warm.jpg")
            (pid,) = children_of(stack.master_pid)
            photo = camera_photo(day)
            _reset_peak(pid)
            before = memory_kib(pid)["VmRSS"]
            seconds = upload(photo, "pengecoran.jpg")
            peak = memory_kib(pid)["VmHWM"]
            with db.session() as session:
                stored = session.scalars(
                    select(ActivityPhoto).order_by(ActivityPhoto.id.desc())
                ).first()
                intact = stored is not None and stored.sha256 == hashlib.sha256(photo).hexdigest()
        finally:
            db.dispose()
    return UploadFigures(len(photo), before, peak, seconds, intact)


def _small_photo(day: date) -> bytes:
    from wbs.kinerja.demo import demo_photo

    return demo_photo(day).getvalue()


# --- the agency's monthly page ----------------------------------------------------------------

# The figures the page shows, fetched by hand with the app's own SQL: the agency's ASN,
# per ASN and state the days and their entry counts (two arrays), output per target and
# unit, the plans, and who the ASN are.
BARE_SQL = {
    "members": "SELECT staff_id FROM asn_profile WHERE agency_id = %(agency)s ORDER BY staff_id",
    "days": (
        "SELECT staff_id, state, array_agg(day), array_agg(entries) FROM ("
        "SELECT d.staff_id, d.day, d.state, count(*) AS entries FROM activity_day AS d "
        "JOIN activity_entry AS e ON e.staff_id = d.staff_id AND e.day = d.day "
        "WHERE d.agency_id = %(agency)s AND d.day BETWEEN %(first)s AND %(last)s "
        "AND e.agency_id = %(agency)s AND e.day BETWEEN %(first)s AND %(last)s "
        "GROUP BY d.staff_id, d.day, d.state) AS per_day GROUP BY staff_id, state"
    ),
    "outputs": (
        "SELECT e.staff_id, e.target_key, e.unit, d.state, sum(e.quantity), count(*), "
        "min(e.day) FROM activity_entry AS e JOIN activity_day AS d "
        "ON d.staff_id = e.staff_id AND d.day = e.day "
        "WHERE e.agency_id = %(agency)s AND e.day BETWEEN %(first)s AND %(last)s "
        "AND d.agency_id = %(agency)s AND d.day BETWEEN %(first)s AND %(last)s "
        "GROUP BY e.staff_id, e.target_key, e.unit, d.state"
    ),
    "plans": (
        "SELECT staff_id, target_key, unit, planned FROM activity_plan WHERE staff_id IN "
        "(SELECT staff_id FROM asn_profile WHERE agency_id = %(agency)s) "
        "AND year = %(year)s AND month = %(month)s"
    ),
    "names": (
        "SELECT s.id, s.display_name, p.position FROM staff AS s "
        "JOIN asn_profile AS p ON p.staff_id = s.id WHERE p.agency_id = %(agency)s"
    ),
}


def _check_same(app_input: MonthInput, bare: dict[str, list[tuple[Any, ...]]]) -> None:
    """The bare SQL and the app read the same ASN, days and output totals."""
    asn_ids, days, outputs = app_input.asn_ids, app_input.days, app_input.outputs
    assert list(asn_ids) == [row[0] for row in bare["members"]], "not the same ASN"
    assert sorted(
        (line.asn_id, line.state, day, count)
        for line in days
        for day, count in zip(line.days, line.entries, strict=True)
    ) == sorted(
        (row[0], row[1], day, count)
        for row in bare["days"]
        for day, count in zip(row[2], row[3], strict=True)
    ), "not the same days"
    assert sum(o.quantity for o in outputs) == sum(row[4] for row in bare["outputs"]), (
        "not the same output"
    )
    assert len(outputs) == len(bare["outputs"]), "not the same output lines"


def measure_pages(url: str, fill_size: Size, repeats: int = REPEATS) -> dict[str, float]:
    from wbs.app_context import database
    from wbs.kinerja import data
    from wbs.kinerja.monthly import month_days

    first, last = month_days(MONTH)
    results: dict[str, float] = {}
    with (
        postgres_part.logged_in_client(url, ADMIN_ID) as (app, client),
        psycopg.connect(postgres_part.dsn(url), autocommit=True, prepare_threshold=None) as bare,
    ):
        today = date.today()
        for name, agency_id in (("big", 1), ("typical", 2)):
            params = {
                "agency": agency_id,
                "first": first,
                "last": last,
                "year": MONTH[0],
                "month": MONTH[1],
            }

            def bare_sql(params: dict[str, object] = params) -> dict[str, list[tuple[Any, ...]]]:
                return {
                    key: bare.execute(sql, params).fetchall()  # type: ignore[arg-type]
                    for key, sql in BARE_SQL.items()
                }

            def data_only(agency_id: int = agency_id) -> object:
                with database(app).session() as session:
                    return data.agency_month(session, agency_id, MONTH, today)

            path = f"/kinerja/agency/{agency_id}?month={MONTH[0]}-{MONTH[1]:02d}"

            def page(path: str = path) -> None:
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

            with database(app).session() as session:
                _check_same(data.agency_month_input(session, agency_id, MONTH), bare_sql())
            page_s, data_s, bare_s = postgres_part.interleaved_medians(
                [page, data_only, bare_sql], repeats
            )
            with psycopg.connect(postgres_part.dsn(url)) as counting:
                members = counting.execute(BARE_SQL["members"], params).fetchall()
            results[f"{name}_asn"] = len(members)
            results[f"{name}_ms"] = round(page_s * 1000, 1)
            results[f"{name}_data_ms"] = round(data_s * 1000, 1)
            results[f"{name}_sql_ms"] = round(bare_s * 1000, 1)
            results[f"{name}_ratio"] = round(page_s / bare_s, 2)
    return results


def run(fill_size: Size) -> dict[str, float]:
    from bench.audit import fresh_database
    from wbs.db import migrate

    results: dict[str, float] = {}
    with fresh_database(prefix="wbs_bench_kinerja") as url:
        _say(
            f"e-Kinerja: filling PostgreSQL with {fill_size.asn:,} ASN × the working days of "
            f"{MONTH[0]}-{MONTH[1]:02d} × {ENTRIES_PER_DAY} entries…"
        )
        migrate(url)
        began = time.perf_counter()
        fill(url, fill_size)
        results["fill_s"] = round(time.perf_counter() - began, 1)
        with psycopg.connect(postgres_part.dsn(url)) as connection:
            for table in ("activity_entry", "activity_day"):
                row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - a constant name
                results[f"{table}_rows"] = row[0] if row else 0
        _say(
            f"  filled in {results['fill_s']:.0f} s; timing the agency pages (median of {REPEATS})…"
        )
        results.update(measure_pages(url, fill_size))
    _say("  uploading a 5 MB camera photo to a one-worker server…")
    upload = measure_upload()
    results.update(
        {
            "photo_mb": round(upload.photo_bytes / 1024 / 1024, 1),
            "upload_growth_mib": round(upload.growth_mib, 1),
            "upload_s": round(upload.upload_s, 2),
            "upload_intact": float(upload.stored_intact),
        }
    )
    results["asn"] = fill_size.asn
    return results


def print_results(results: dict[str, float] | None) -> None:
    if not results:
        return
    _say(
        f"\ne-Kinerja, {int(results['asn']):,} ASN, {MONTH[0]}-{MONTH[1]:02d}: "
        f"{int(results['activity_entry_rows']):,} entries on {int(results['activity_day_rows']):,} days"
    )
    _say(
        f"{'agency monthly page':<34}{'page (ms)':>10}{'data (ms)':>11}{'bare SQL (ms)':>15}"
        f"{'ratio':>8}   goal: page ÷ bare ≤ {GOAL:g}"
    )
    for name, label in (("big", "largest agency"), ("typical", "typical agency")):
        ratio = results[f"{name}_ratio"]
        flag = "" if ratio <= GOAL else "  ABOVE GOAL"
        _say(
            f"{label + ' (' + str(int(results[name + '_asn'])) + ' ASN)':<34}"
            f"{results[f'{name}_ms']:>10.1f}{results[f'{name}_data_ms']:>11.1f}"
            f"{results[f'{name}_sql_ms']:>15.1f}{ratio:>8.2f}{flag}"
        )
    growth = results["upload_growth_mib"]
    _say(
        f"5 MB photo upload ({results['photo_mb']} MB, 12 megapixels, EXIF): worker peak memory "
        f"+{growth} MiB (goal < {GROWTH_GOAL_MIB:g}){'' if growth < GROWTH_GOAL_MIB else '  ABOVE GOAL'}, "
        f"{results['upload_s']} s, stored byte for byte: {'yes' if results['upload_intact'] else 'NO'}"
    )


def _say(text: str) -> None:
    print(text, flush=True)


def run_in_suite() -> dict[str, float] | None:
    fill_size = sizes()
    return postgres_part.run_in_suite(
        "e-Kinerja",
        lambda asn: run(Size(asn, fill_size.agencies, min(BIG_AGENCY_ASN, asn // 2))),
        fill_size.asn,
    )


def main() -> int:
    print_results(run(sizes()))
    return 0
