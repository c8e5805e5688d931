"""e-Kinerja, the ASN's own pages (issue 7): filing a day with field work and photos,
the photos kept byte for byte in chunks with their flags, what a bad form says, who
may change which day, the monthly plan and the month page; through the test client
with CSRF on, on SQLite and (when set) PostgreSQL.

"Now" is frozen at Monday 7 December 2026, 10:00 WIB (03:00 UTC), by replacing the
clock the pages read (asn_pages.now_utc); logins keep the real clock.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.sakip_helpers import agency_id, logged_in
from tests.staff_helpers import create_officer, csrf_token
from tests.test_kinerja_photos import RATAHAN, camera_exif, photo, scene
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.kinerja import data, entries
from wbs.kinerja.entries import (
    MAX_DAYS_BACK,
    DayApproved,
    DayNotOpen,
    EntryFields,
    check_day_open,
    check_entry,
    day_problem,
    started_at_text,
)
from wbs.kinerja.photo_store import CHUNK_SIZE, COLLEAGUES_WINDOW, signed_fingerprint
from wbs.kinerja.plans import plan_month_open
from wbs.models import (
    ActivityDay,
    ActivityEntry,
    ActivityPhoto,
    ActivityPhotoChunk,
    ActivityPlan,
    AsnProfile,
    AuditEntry,
    Indicator,
    PerformanceNode,
    Staff,
)

NOW = datetime(2026, 12, 7, 3, 0)  # naive UTC: 10:00 WIB
TODAY = date(2026, 12, 7)
DAY = "/kinerja/day/2026-12-07"


# --- set-up ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wbs.kinerja.web.asn_pages.now_utc", lambda: NOW)


@pytest.fixture
def world(app: Flask, init_result: InitResult) -> dict[str, int]:
    """DINKES with a kegiatan and two sub kegiatan (one with an indicator), a program
    elsewhere in the tree with its own indicator; ASN budi works on the kegiatan,
    ASN sari on the whole agency; both have atasan "atasan"."""
    dinkes = agency_id(app, "DINKES")
    ids: dict[str, int] = {"agency": dinkes}
    with database(app).session() as session:

        def node(code: str, level: str, parent: int | None, name: str) -> int:
            row = PerformanceNode(
                agency_id=dinkes, parent_id=parent, level=level, code=code, name=name
            )
            session.add(row)
            session.flush()
            return row.id

        ids["kegiatan"] = node("1.02.02.2.01", "kegiatan", None, "Pelayanan kesehatan")
        ids["sub1"] = node("1.02.02.2.01.0001", "sub_kegiatan", ids["kegiatan"], "Imunisasi")
        ids["sub2"] = node("1.02.02.2.01.0002", "sub_kegiatan", ids["kegiatan"], "Posyandu")
        ids["other"] = node("1.02.03", "program", None, "Program lain")
        for key, node_id, name in (
            ("ind_sub1", ids["sub1"], "Balita diimunisasi"),
            ("ind_other", ids["other"], "Indikator lain"),
        ):
            indicator = Indicator(node_id=node_id, name=name, unit="orang", polarity="higher")
            session.add(indicator)
            session.flush()
            ids[key] = indicator.id
    ids["atasan"] = create_officer(app, init_result, "atasan", {"sakip"})
    for username, node_id in (("budi", ids["kegiatan"]), ("sari", None)):
        staff_id = create_officer(app, init_result, username, {"asn"})
        ids[username] = staff_id
        with database(app).session() as session:
            session.add(
                AsnProfile(
                    staff_id=staff_id,
                    agency_id=dinkes,
                    node_id=node_id,
                    supervisor_id=ids["atasan"],
                    field_officer=True,
                )
            )
    return ids


@pytest.fixture
def budi(app: Flask, world: dict[str, int]) -> FlaskClient:
    return logged_in(app, "budi")


def page(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def camera_photo(position: tuple[float, float] | None = RATAHAN, seed: int = 3) -> bytes:
    """A phone-like JPEG of about 1 MB (several chunks): a scene with sensor noise,
    taken at 09:30 WITA on 7 December 2026 (08:30 WIB), at ``position``."""
    picture = scene(seed, (1600, 1200))
    noise = Image.effect_noise((1600, 1200), 80).convert("RGB")
    return photo(
        camera_exif(position=position), Image.blend(picture, noise, 0.25), quality=92
    ).getvalue()


def entry_form(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "activity": "Memeriksa pekerjaan jembatan di Ratahan",
        "quantity": "1",
        "unit": "laporan",
        "target_key": "",
        "place": "Jembatan Ratahan",
        "latitude": str(RATAHAN[0]),
        "longitude": str(RATAHAN[1]),
        "started_at": "08:30",
    }
    values.update(changes)
    return values


def post_entry(
    client: FlaskClient,
    path: str = DAY,
    photos: list[tuple[bytes, str]] | None = None,
    **changes: object,
) -> TestResponse:
    data = entry_form(**changes)
    data["csrf_token"] = csrf_token(client, "/kinerja/plan")
    data["photos"] = [(io.BytesIO(content), name, "image/jpeg") for content, name in photos or []]
    return client.post(path, data=data, content_type="multipart/form-data")


def count(app: Flask, model: type) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def only_entry(app: Flask) -> ActivityEntry:
    with database(app).session() as session:
        entry = session.scalars(select(ActivityEntry)).one()
        session.expunge(entry)
        return entry


def set_day_state(app: Flask, staff_id: int, day: date, state: str, comment: str = "") -> None:
    with database(app).session() as session:
        row = session.get(ActivityDay, (staff_id, day))
        assert row is not None
        row.state = state
        row.comment = comment


# --- filing a day ----------------------------------------------------------------------


def test_an_asn_files_a_field_work_day_with_a_camera_photo(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    content = camera_photo()
    assert len(content) > 2 * CHUNK_SIZE
    response = post_entry(
        budi,
        photos=[(content, "IMG_20261207_093000.jpg")],
        target_key=f"ind:{world['ind_sub1']}",
        quantity="2,5",
    )
    assert response.status_code == 302, page(response)
    assert response.headers["Location"].endswith(DAY)

    with database(app).session() as session:
        entry = session.scalars(select(ActivityEntry)).one()
        assert (entry.staff_id, entry.day) == (world["budi"], TODAY)
        assert entry.quantity == Decimal("2.5")
        assert entry.unit == "laporan"
        assert entry.target_key == f"ind:{world['ind_sub1']}"
        assert entry.started_at == "08:30"
        assert (entry.latitude, entry.longitude) == (Decimal("1.052500"), Decimal("124.716600"))
        day = session.get(ActivityDay, (world["budi"], TODAY))
        assert day is not None
        assert (day.state, day.agency_id) == ("submitted", world["agency"])

        stored = session.scalars(select(ActivityPhoto)).one()
        assert stored.entry_id == entry.id
        assert stored.media_type == "image/jpeg"
        assert stored.file_name == "IMG_20261207_093000.jpg"
        assert stored.size == len(content)
        assert stored.sha256 == hashlib.sha256(content).hexdigest()
        assert (stored.width, stored.height) == (1600, 1200)
        # 09:30 at +08:00 is 01:30 UTC, stored naive.
        assert stored.taken_at == datetime(2026, 12, 7, 1, 30)
        assert abs(stored.latitude - Decimal("1.0525")) < Decimal("0.0001")
        assert -(1 << 63) <= stored.fingerprint < (1 << 63)
        # Taken 90 minutes before the upload, at the stated position: nothing to flag.
        assert stored.flags == "[]"
        chunks = session.scalars(
            select(ActivityPhotoChunk)
            .where(ActivityPhotoChunk.photo_id == stored.id)
            .order_by(ActivityPhotoChunk.chunk_index)
        ).all()
        assert [chunk.chunk_index for chunk in chunks] == list(range(len(chunks)))
        assert len(chunks) == -(-len(content) // CHUNK_SIZE)
        assert all(len(chunk.data) <= CHUNK_SIZE for chunk in chunks)
        assert b"".join(chunk.data for chunk in chunks) == content
        actions = session.scalars(select(AuditEntry.action)).all()
        assert "kinerja.entry_added" in actions

    day_page = budi.get(DAY)
    text = page(day_page)
    assert "Memeriksa pekerjaan jembatan di Ratahan" in text
    # The position he stated (not the SAKIP tree's "Position", an order), and his photo,
    # taken there that morning, in the review page's words: nothing unusual.
    assert "<dt>Stated position</dt><dd>1.052500, 124.716600</dd>" in text
    assert "Nothing unusual found in this photo's data." in text
    assert "Balita diimunisasi" in text
    assert f"/kinerja/photo/{stored.id}" in text
    assert "Submitted, waiting for review" in text
    # The day page alone may use the camera and the position, and run our script.
    assert "camera=(self)" in day_page.headers["Permissions-Policy"]
    assert "geolocation=(self)" in day_page.headers["Permissions-Policy"]
    assert "script-src 'self'" in day_page.headers["Content-Security-Policy"]
    assert '<script src="/static/kinerja.js" defer>' in text
    assert re.search(r'<button[^>]*id="use-location"[^>]*hidden', text)
    home = budi.get("/kinerja/")
    assert "geolocation=()" in home.headers["Permissions-Policy"]
    assert "script-src" not in home.headers["Content-Security-Policy"]


def test_photo_flags_no_location_and_a_second_upload_is_a_duplicate(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    content = camera_photo(position=None)
    assert post_entry(budi, photos=[(content, "a.jpg")]).status_code == 302
    assert (
        post_entry(budi, photos=[(content, "b.jpg")], activity="Rapat koordinasi").status_code
        == 302
    )
    with database(app).session() as session:
        first, second = session.scalars(select(ActivityPhoto).order_by(ActivityPhoto.id)).all()
        assert [flag["kind"] for flag in json.loads(first.flags)] == ["no_location"]
        flags = json.loads(second.flags)
        assert [flag["kind"] for flag in flags] == ["no_location", "duplicate"]
        assert flags[1]["photo_id"] == first.id
        assert flags[1]["bits"] == 0
        first_id = first.id
    text = page(budi.get(DAY))
    # The review page's wording (wbs/kinerja/web/flag_words.py).
    assert "No location in the photo" in text
    assert (
        f"Same picture as photo #{first_id} (entry of "
        f"{format_date(TODAY, 'medium', locale='en')})" in text
    )


def test_a_colleagues_photo_reused_in_the_same_agency_is_a_duplicate(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    # Budi's photo of the 7th, then the same picture from Sari: while she works in
    # another agency it is not compared; back in his agency it is (another ASN's entry);
    # once his entry lies more than COLLEAGUES_WINDOW away it is not any more.
    content = camera_photo()
    assert post_entry(budi, photos=[(content, "jembatan.jpg")]).status_code == 302
    with database(app).session() as session:
        budis = session.scalars(select(ActivityPhoto)).one()
        budis_id, budis_entry = budis.id, budis.entry_id

    sari = logged_in(app, "sari")

    def sari_uploads(day: str, agency: int) -> tuple[int, list[object]]:
        """Her new photo's id, and the photos it is flagged as the same picture as."""
        with database(app).session() as session:
            profile = session.get(AsnProfile, world["sari"])
            assert profile is not None
            profile.agency_id, profile.node_id = agency, None
        path = f"/kinerja/day/{day}"
        assert post_entry(sari, path, photos=[(content, "sama.jpg")]).status_code == 302
        with database(app).session() as session:
            newest = session.scalars(
                select(ActivityPhoto).order_by(ActivityPhoto.id.desc())
            ).first()
            assert newest is not None and newest.staff_id == world["sari"]
            flags = json.loads(newest.flags)
        return newest.id, [flag["photo_id"] for flag in flags if flag["kind"] == "duplicate"]

    elsewhere, same_as = sari_uploads("2026-12-01", agency_id(app, "DISDIK"))
    assert same_as == []
    here, same_as = sari_uploads("2026-12-04", world["agency"])
    assert same_as == [budis_id, elsewhere]
    text = page(sari.get("/kinerja/day/2026-12-04"))
    assert (
        f"Same picture as photo #{budis_id} (another ASN's entry of "
        f"{format_date(TODAY, 'medium', locale='en')})" in text
    )
    with database(app).session() as session:
        entry = session.get(ActivityEntry, budis_entry)
        assert entry is not None
        entry.day = date(2026, 12, 3) - COLLEAGUES_WINDOW - timedelta(days=1)
    # Only her own earlier photos of the same picture, now.
    assert sari_uploads("2026-12-03", world["agency"])[1] == [elsewhere, here]


def test_target_labels_name_indicators_and_sub_kegiatan_and_skip_no_target(
    app: Flask, world: dict[str, int]
) -> None:
    indicator, node = f"ind:{world['ind_sub1']}", f"node:{world['sub2']}"
    with database(app).session() as session:
        labels = entries.target_labels(session, [None, "", indicator, node, "ind:999999", "x:1"])
    assert labels == {
        indicator: "1.02.02.2.01.0001 · Balita diimunisasi (orang)",
        node: "1.02.02.2.01.0002 Posyandu",
    }


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("activity", "ab", "Describe the activity in at least 3 characters."),
        ("activity", "x" * 2001, "Describe the activity in at most 2000 characters."),
        ("quantity", "", "Enter the output quantity"),
        ("quantity", "0", "The quantity must be more than 0."),
        ("quantity", "1,255", "Use at most 2 decimal places."),
        ("quantity", "1000000000000", "This number is too large."),
        ("quantity", "banyak", "Not a number."),
        ("unit", "  ", "Enter the unit of the output"),
        ("unit", "u" * 61, "A unit has at most 60 characters."),
        ("place", "p" * 301, "A place has at most 300 characters."),
        ("latitude", "91", "A latitude lies between -90 and 90."),
        ("longitude", "-180,5", "A longitude lies between -180 and 180."),
        ("latitude", "utara", "Write decimal degrees"),
        ("longitude", "", "Enter both the latitude and the longitude, or neither."),
        ("started_at", "25:00", "Write the time as hours and minutes"),
        ("target_key", "ind:999999", "Choose an indicator or sub kegiatan from the list."),
    ],
)
def test_each_bad_field_gets_its_message_and_nothing_typed_is_lost(
    app: Flask, budi: FlaskClient, field: str, typed: str, message: str
) -> None:
    response = post_entry(budi, photos=[(camera_photo(), "bukti.jpg")], **{field: typed})
    assert response.status_code == 400
    text = page(response)
    assert message in text
    assert 'aria-invalid="true"' in text
    # Everything typed is back in the form; the photo must be chosen again, and says so.
    assert "Jembatan Ratahan" in text or field == "place"
    assert "Memeriksa pekerjaan jembatan di Ratahan" in text or field == "activity"
    if typed.strip() and field != "target_key":  # an unknown target is no option to keep
        assert typed in text
    assert "bukti.jpg" in text
    assert count(app, ActivityEntry) == 0
    assert count(app, ActivityDay) == 0


def test_a_sub_kegiatan_outside_the_asns_part_of_the_tree_is_refused(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    form = page(budi.get(DAY))
    assert f'value="node:{world["sub2"]}"' in form
    assert f'value="ind:{world["ind_sub1"]}"' in form
    # Budi works on the kegiatan: the program elsewhere in the tree is not his.
    assert f'value="ind:{world["ind_other"]}"' not in form
    response = post_entry(budi, target_key=f"ind:{world['ind_other']}")
    assert response.status_code == 400
    assert "Choose an indicator or sub kegiatan from the list." in page(response)
    assert post_entry(budi, target_key=f"node:{world['sub2']}").status_code == 302
    sari = logged_in(app, "sari")  # the whole agency
    assert f'value="ind:{world["ind_other"]}"' in page(sari.get(DAY))


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
            "foto.jpg",
            "foto.jpg: not a photo that can be read.",
        ),
        (b"", "kosong.jpg", "kosong.jpg: not a photo that can be read."),
        ("gif", "animasi.gif", "animasi.gif: this format is not accepted."),
    ],
)
def test_an_upload_that_is_not_a_photo_refuses_the_whole_entry(
    app: Flask, budi: FlaskClient, content: bytes | str, name: str, message: str
) -> None:
    if content == "gif":
        buffer = io.BytesIO()
        scene(1, (64, 48)).save(buffer, "GIF")
        content = buffer.getvalue()
    assert isinstance(content, bytes)
    response = post_entry(budi, photos=[(camera_photo(), "good.jpg"), (content, name)])
    assert response.status_code == 400
    text = page(response)
    assert message in text
    assert "Nothing was saved." in text
    assert 'value="laporan"' in text
    for model in (ActivityEntry, ActivityDay, ActivityPhoto, ActivityPhotoChunk):
        assert count(app, model) == 0


# --- whose day, which day ----------------------------------------------------------------


def test_another_asn_gets_404_on_someone_elses_entries_and_plan(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    assert post_entry(budi).status_code == 302
    entry = only_entry(app)
    token = csrf_token(budi, "/kinerja/plan")
    budi.post("/kinerja/plan", data={"csrf_token": token, "unit": "laporan", "planned": "20"})
    with database(app).session() as session:
        line_id = session.scalars(select(ActivityPlan.id)).one()

    sari = logged_in(app, "sari")
    assert sari.get(f"{DAY}?edit={entry.id}").status_code == 404
    sari_token = csrf_token(sari, "/kinerja/plan")
    edit = sari.post(
        f"/kinerja/entry/{entry.id}/edit", data={"csrf_token": sari_token, **entry_form(unit="x")}
    )
    assert edit.status_code == 404
    assert (
        sari.post(f"/kinerja/entry/{entry.id}/delete", data={"csrf_token": sari_token}).status_code
        == 404
    )
    assert (
        sari.post(f"/kinerja/plan/{line_id}/delete", data={"csrf_token": sari_token}).status_code
        == 404
    )
    assert sari.get(f"/kinerja/plan?month=2026-12&edit={line_id}").status_code == 404
    # Her own day 7 December shows none of his entries.
    assert "Memeriksa pekerjaan" not in page(sari.get(DAY))
    assert only_entry(app).unit == "laporan"
    assert count(app, ActivityPlan) == 1
    # Someone who is not an ASN has no day page at all.
    atasan = logged_in(app, "atasan")
    assert atasan.get(DAY).status_code == 403


def test_deleting_an_entry_deletes_its_photos_their_chunks_and_an_empty_day(
    app: Flask, budi: FlaskClient
) -> None:
    assert post_entry(budi, photos=[(camera_photo(), "a.jpg")]).status_code == 302
    entry = only_entry(app)
    token = csrf_token(budi, "/kinerja/plan")
    response = budi.post(f"/kinerja/entry/{entry.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    for model in (ActivityEntry, ActivityDay, ActivityPhoto, ActivityPhotoChunk):
        assert count(app, model) == 0


def test_an_approved_day_refuses_every_change(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    assert post_entry(budi).status_code == 302
    entry = only_entry(app)
    set_day_state(app, world["budi"], TODAY, "approved")
    text = page(budi.get(DAY))
    assert "This day was approved by your supervisor" in text
    assert 'id="entry-form"' not in text
    assert "kinerja.js" not in text

    token = csrf_token(budi, "/kinerja/plan")
    added = budi.post(DAY, data={"csrf_token": token, **entry_form(activity="Tambahan")})
    assert added.status_code == 302
    assert "This day was approved by your supervisor" in page(budi.get(added.headers["Location"]))
    changed = budi.post(
        f"/kinerja/entry/{entry.id}/edit", data={"csrf_token": token, **entry_form(unit="berkas")}
    )
    assert changed.status_code == 302
    deleted = budi.post(f"/kinerja/entry/{entry.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert count(app, ActivityEntry) == 1
    assert only_entry(app).unit == "laporan"
    with database(app).session() as session:
        day = session.get(ActivityDay, (world["budi"], TODAY))
        assert day is not None and day.state == "approved"


def test_a_returned_day_shows_the_comment_and_goes_back_to_submitted_on_edit(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    assert post_entry(budi, photos=[(camera_photo(), "a.jpg")]).status_code == 302
    entry = only_entry(app)
    set_day_state(app, world["budi"], TODAY, "returned", "Satuan harus dokumen")
    text = page(budi.get(f"{DAY}?edit={entry.id}"))
    assert "Satuan harus dokumen" in text
    assert "Returned for correction" in text
    assert 'value="laporan"' in text  # the edit form holds the entry's values
    with database(app).session() as session:
        photo_id = session.scalars(select(ActivityPhoto.id)).one()
    token = csrf_token(budi, "/kinerja/plan")
    response = budi.post(
        f"/kinerja/entry/{entry.id}/edit",
        data={"csrf_token": token, **entry_form(unit="dokumen"), "remove_photo": str(photo_id)},
    )
    assert response.status_code == 302
    assert only_entry(app).unit == "dokumen"
    assert count(app, ActivityPhoto) == 0
    assert count(app, ActivityPhotoChunk) == 0
    with database(app).session() as session:
        day = session.get(ActivityDay, (world["budi"], TODAY))
        assert day is not None and day.state == "submitted"


def test_days_in_the_future_or_too_far_back_cannot_be_filled_and_bad_dates_are_404(
    app: Flask, budi: FlaskClient
) -> None:
    text = page(budi.get("/kinerja/day/2026-12-08"))
    assert "A day in the future cannot be filled in." in text
    assert 'id="entry-form"' not in text
    assert post_entry(budi, "/kinerja/day/2026-12-08").status_code == 302
    oldest = date.fromordinal(TODAY.toordinal() - MAX_DAYS_BACK)
    too_old = date.fromordinal(oldest.toordinal() - 1)
    assert "can no longer be filled in" in page(budi.get(f"/kinerja/day/{too_old.isoformat()}"))
    assert post_entry(budi, f"/kinerja/day/{too_old.isoformat()}").status_code == 302
    assert count(app, ActivityEntry) == 0
    assert post_entry(budi, f"/kinerja/day/{oldest.isoformat()}").status_code == 302
    assert count(app, ActivityEntry) == 1
    for bad in ("2026-02-30", "2026-13-01", "kemarin", "2026-1-5", "0001-01-01", "9999-12-31"):
        assert budi.get(f"/kinerja/day/{bad}").status_code == 404


# --- the plan --------------------------------------------------------------------------


def test_plan_lines_are_added_changed_and_removed(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    target = f"node:{world['sub1']}"
    token = csrf_token(budi, "/kinerja/plan")
    added = budi.post(
        "/kinerja/plan?month=2026-12",
        data={"csrf_token": token, "target_key": target, "unit": "Dokumen", "planned": "20"},
    )
    assert added.status_code == 302
    again = budi.post(
        "/kinerja/plan?month=2026-12",
        data={"csrf_token": token, "target_key": target, "unit": "dokumen ", "planned": "5"},
    )
    assert again.status_code == 400
    assert "This month's plan already has a line for this target and unit." in page(again)
    bad = budi.post(
        "/kinerja/plan?month=2026-12",
        data={"csrf_token": token, "target_key": "", "unit": "", "planned": "-1"},
    )
    assert bad.status_code == 400
    assert "Enter the unit of the output" in page(bad)
    with database(app).session() as session:
        line = session.scalars(select(ActivityPlan)).one()
        assert (line.staff_id, line.year, line.month, line.target_key, line.unit) == (
            world["budi"],
            2026,
            12,
            target,
            "Dokumen",
        )
        assert line.planned == Decimal(20)
        line_id = line.id

    form = page(budi.get(f"/kinerja/plan?month=2026-12&edit={line_id}"))
    assert 'value="20"' in form
    changed = budi.post(
        "/kinerja/plan?month=2026-12",
        data={
            "csrf_token": token,
            "line_id": str(line_id),
            "target_key": target,
            "unit": "Dokumen",
            "planned": "22,5",
        },
    )
    assert changed.status_code == 302
    listing = page(budi.get("/kinerja/plan?month=2026-12")).split("<table")[1].split("</table>")[0]
    assert "22.5" in listing and "Posyandu" not in listing and "Imunisasi" in listing
    removed = budi.post(f"/kinerja/plan/{line_id}/delete", data={"csrf_token": token})
    assert removed.status_code == 302
    assert count(app, ActivityPlan) == 0
    # A month that is not a month shows this month.
    assert "December 2026" in page(budi.get("/kinerja/plan?month=2026-99"))
    assert "December 2026" in page(budi.get("/kinerja/plan?month=bulan-ini"))


# --- the month -------------------------------------------------------------------------


def test_the_month_shows_missing_due_days_holidays_and_output_against_plan(
    app: Flask, world: dict[str, int], budi: FlaskClient
) -> None:
    """1-7 December 2026, today the 7th: Tuesday 1 to Friday 4 are due (5 and 6 are the
    weekend; today, Monday 7, is due once reported). Budi files the 1st (approved, 3
    dokumen) and the 3rd (submitted); the 2nd and 4th are missing, today is not (yet):
    2 of 4 reported. Plan: 10 dokumen, so 30 % achieved."""
    token = csrf_token(budi, "/kinerja/plan")
    budi.post(
        "/kinerja/plan?month=2026-12",
        data={"csrf_token": token, "target_key": "", "unit": "dokumen", "planned": "10"},
    )
    assert (
        post_entry(budi, "/kinerja/day/2026-12-01", unit="dokumen", quantity="3").status_code == 302
    )
    assert (
        post_entry(budi, "/kinerja/day/2026-12-03", unit="dokumen", quantity="4").status_code == 302
    )
    set_day_state(app, world["budi"], date(2026, 12, 1), "approved")
    text = page(budi.get("/kinerja/"))
    missing_rows = re.findall(
        r'<tr class="overdue">\s*<th scope="row"><a href="/kinerja/day/([\d-]+)"', text
    )
    assert missing_rows == ["2026-12-02", "2026-12-04"]
    assert "Holiday: Hari Raya Natal" in text
    assert text.count("Weekend") >= 8
    assert "Approved" in text and "Submitted, waiting for review" in text
    assert re.search(r"Days reported</dt><dd>2 \(50 %\)", text)
    assert re.search(r"Output against plan</dt><dd>30 %", text)
    # Future days are not links and not missing.
    assert "/kinerja/day/2026-12-08" not in text
    november = page(budi.get("/kinerja/?month=2026-11"))
    assert "November 2026" in november
    assert page(budi.get("/kinerja/?month=2026-00")).count("December 2026") >= 1


# --- without a profile ------------------------------------------------------------------


def test_accounts_without_a_profile_are_sent_where_their_e_kinerja_is(
    app: Flask, init_result: InitResult, world: dict[str, int]
) -> None:
    atasan = logged_in(app, "atasan")  # reviews budi and sari
    assert atasan.get("/kinerja/").headers["Location"].endswith("/kinerja/review")

    create_officer(app, init_result, "kepala", {"agency_head"})
    with database(app).session() as session:
        staff = session.scalars(select(Staff).where(Staff.username == "kepala")).one()
        staff.agency_id = world["agency"]
    kepala = logged_in(app, "kepala")
    assert (
        kepala.get("/kinerja/").headers["Location"].endswith(f"/kinerja/agency/{world['agency']}")
    )

    create_officer(app, init_result, "pengelola", {"admin"})
    admin = logged_in(app, "pengelola")
    assert admin.get("/kinerja/").headers["Location"].endswith("/kinerja/people")

    create_officer(app, init_result, "baru", {"asn"})  # an ASN whose profile is not set up
    newcomer = logged_in(app, "baru")
    response = newcomer.get("/kinerja/")
    assert response.status_code == 200
    assert "There is no e-Kinerja profile for this account" in page(response)
    assert newcomer.get(DAY).status_code == 404


# --- the rules, without the web -----------------------------------------------------------


def test_typed_times_coordinates_and_fingerprints_are_read_one_way() -> None:
    assert [started_at_text(t) for t in ("8:05", "08:05", "08.05", "23:59", "24:00", "8")] == [
        "08:05",
        "08:05",
        "08:05",
        "23:59",
        None,
        None,
    ]
    checked = check_entry(
        EntryFields(
            activity="Rapat",
            quantity="1.234,5",
            unit=" Dokumen  rapat ",
            latitude="-6,2088",
            longitude="106.8456123",
        ),
        [],
    )
    assert checked.quantity == Decimal("1234.5")
    assert checked.unit == "Dokumen rapat"
    assert (checked.latitude, checked.longitude) == (Decimal("-6.208800"), Decimal("106.845612"))
    assert signed_fingerprint((1 << 64) - 1) == -1
    assert signed_fingerprint(1 << 63) == -(1 << 63)
    assert signed_fingerprint(12345) == 12345


def test_which_days_and_months_are_open() -> None:
    assert day_problem(TODAY, TODAY) is None
    assert day_problem(date(2026, 12, 8), TODAY) == "future"
    assert day_problem(date(2026, 11, 6), TODAY) is None  # 31 days back
    assert day_problem(date(2026, 11, 5), TODAY) == "too_old"
    returned = ActivityDay(state="returned")
    check_day_open(returned, date(2026, 10, 1), TODAY)  # the atasan asked: open whatever its age
    with pytest.raises(DayApproved):
        check_day_open(ActivityDay(state="approved"), TODAY, TODAY)
    with pytest.raises(DayNotOpen):
        check_day_open(returned, date(2026, 12, 8), TODAY)
    assert plan_month_open((2026, 11), TODAY) and plan_month_open((2027, 12), TODAY)
    assert not plan_month_open((2026, 10), TODAY) and not plan_month_open((2028, 1), TODAY)


def test_a_double_click_on_the_first_entry_of_a_day_saves_both_entries(
    app: Flask, budi: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests at once both find no day yet and both insert it: the second one's
    insert fails on the primary key. Simulated by a first request that was already
    saved, and a second that looks the day up before it existed."""
    assert post_entry(budi).status_code == 302
    real_find_day = entries.find_day
    looked = []

    def before_the_first_commit(*args: object) -> object:
        looked.append(args)
        return None if len(looked) == 1 else real_find_day(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(entries, "find_day", before_the_first_commit)
    second = post_entry(budi, photos=[(camera_photo(), "jembatan.jpg")])
    assert second.status_code == 302, page(second)
    assert count(app, ActivityEntry) == 2
    assert count(app, ActivityDay) == 1
    assert count(app, ActivityPhoto) == 1


def test_entries_stay_with_the_agency_of_their_day_after_a_transfer(
    app: Flask, budi: FlaskClient, world: dict[str, int]
) -> None:
    """Budi files an entry, is moved to DISDIK the same morning and files another on
    that day: both count in DINKES's month (the day's agency), none in DISDIK's."""
    assert post_entry(budi).status_code == 302
    disdik = agency_id(app, "DISDIK")
    with database(app).session() as session:
        profile = session.get(AsnProfile, world["budi"])
        assert profile is not None
        profile.agency_id, profile.node_id = disdik, None
    assert post_entry(budi, activity="Rapat koordinasi").status_code == 302
    with database(app).session() as session:
        kept = session.scalars(select(ActivityEntry.agency_id)).all()
        dinkes_month, _ = data.agency_month(session, world["agency"], (2026, 12), NOW.date())
        disdik_month, _ = data.agency_month(session, disdik, (2026, 12), NOW.date())
    assert kept == [world["agency"]] * 2
    budi_there = {asn.asn_id: asn for asn in dinkes_month.asns}[world["budi"]]
    assert budi_there.reported_days == 1
    assert sum(line.pending for line in budi_there.outputs) == 2  # 1 laporan each
    assert all(asn.reported_days == 0 for asn in disdik_month.asns)
