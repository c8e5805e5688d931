"""e-Kinerja review (issue 7): the atasan approves or returns an ASN's day, reads its photos
with their flags in plain words; the photo itself reaches the ASN, his atasan and the
readers of his agency only. Entries, days and photos are written through the ORM."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert
from werkzeug.test import TestResponse

from tests.kinerja_helpers import audit, text
from tests.sakip_helpers import agency_account, agency_id, logged_in
from tests.staff_helpers import create_officer, csrf_token
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.kinerja import data, reviews
from wbs.models import (
    ActivityDay,
    ActivityEntry,
    ActivityPhoto,
    ActivityPhotoChunk,
    AsnProfile,
)

DAY = date(2026, 11, 3)
EARLIER_DAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 3, 10, 0)
CHUNK = 256 * 1024
# 300 KB: two chunks, the second one short; every byte value occurs.
PHOTO_BYTES = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 1200


def add_day(
    app: Flask,
    staff_id: int,
    day: date,
    *,
    state: str = "submitted",
    entries: int = 1,
    agency: str = "DINKES",
) -> list[int]:
    """A day of ``staff_id`` with ``entries`` entries; their ids."""
    kept_under = agency_id(app, agency)
    with database(app).session() as session:
        session.add(
            ActivityDay(
                staff_id=staff_id,
                day=day,
                agency_id=kept_under,
                state=state,
                comment="",
                updated_at=NOW,
            )
        )
        ids = []
        for number in range(entries):
            entry = ActivityEntry(
                staff_id=staff_id,
                day=day,
                agency_id=kept_under,
                activity=f"Memeriksa jembatan Ratahan {number + 1}",
                quantity=Decimal("2.5"),
                unit="Laporan",
                target_key="",
                place="Jembatan Ratahan",
                latitude=Decimal("1.000000"),
                longitude=Decimal("124.000000"),
                started_at=f"0{8 + number}:00",
                created_at=NOW,
            )
            session.add(entry)
            session.flush()
            ids.append(entry.id)
        return ids


def add_photo(
    app: Flask,
    entry_id: int,
    staff_id: int,
    flags: list[dict[str, object]],
    content: bytes = PHOTO_BYTES,
    file_name: str = "IMG_0001.jpg",
) -> int:
    with database(app).session() as session:
        photo = ActivityPhoto(
            entry_id=entry_id,
            staff_id=staff_id,
            file_name=file_name,
            media_type="image/jpeg",
            size=len(content),
            sha256="0" * 64,
            width=640,
            height=480,
            taken_at=datetime(2026, 11, 3, 1, 30),  # 08:30 WIB
            latitude=Decimal("1.010000"),
            longitude=Decimal("124.000000"),
            fingerprint=-12345,
            flags=json.dumps(flags),
            uploaded_at=NOW,
        )
        session.add(photo)
        session.flush()
        for index in range(0, len(content), CHUNK):
            session.execute(
                insert(ActivityPhotoChunk).values(
                    photo_id=photo.id,
                    chunk_index=index // CHUNK,
                    data=content[index : index + CHUNK],
                )
            )
        return photo.id


def people(app: Flask, init_result: InitResult) -> dict[str, int]:
    """The atasan "atasan", his ASN "ani" (DINKES) and another ASN "budi" with another
    atasan "lain"; all hold the "asn" role."""
    ids = {
        name: create_officer(app, init_result, name, {"asn"})
        for name in ("atasan", "ani", "budi", "lain")
    }
    with database(app).session() as session:
        dinkes = agency_id(app, "DINKES")
        session.add(
            AsnProfile(
                staff_id=ids["ani"],
                agency_id=dinkes,
                supervisor_id=ids["atasan"],
                position="Pengawas",
            )
        )
        session.add(
            AsnProfile(
                staff_id=ids["budi"], agency_id=dinkes, supervisor_id=ids["lain"], position="Analis"
            )
        )
        session.add(AsnProfile(staff_id=ids["atasan"], agency_id=dinkes, position="Kepala Bidang"))
    return ids


def day_row(app: Flask, staff_id: int, day: date) -> ActivityDay:
    with database(app).session() as session:
        found = session.get(ActivityDay, (staff_id, day))
        assert found is not None
        session.expunge(found)
        return found


def review_path(staff_id: int, day: date = DAY) -> str:
    return f"/kinerja/review/{staff_id}/{day.isoformat()}"


def review(client: FlaskClient, staff_id: int, button: str, comment: str = "") -> TestResponse:
    path = review_path(staff_id)
    page = client.get(path).get_data(as_text=True)
    version = re.search(
        r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"', page
    )
    assert version, "no review form on the page"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "version": version.group(1) or version.group(2),
            "comment": comment,
            button: "x",
        },
    )


def test_the_atasan_approves_a_day_from_his_queue(app: Flask, init_result: InitResult) -> None:
    ids = people(app, init_result)
    entry_ids = add_day(app, ids["ani"], DAY, entries=2)
    add_photo(app, entry_ids[0], ids["ani"], [{"kind": "no_time"}])
    add_photo(app, entry_ids[0], ids["ani"], [])
    add_day(app, ids["ani"], EARLIER_DAY)
    add_day(app, ids["budi"], DAY)  # another atasan's ASN
    add_day(app, ids["ani"], date(2026, 11, 4), entries=0)  # nothing to review
    add_day(app, ids["ani"], date(2026, 11, 5), state="approved")
    atasan = logged_in(app, "atasan")

    queue = atasan.get("/kinerja/review")
    assert queue.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", queue.get_data(as_text=True), re.S)
    # Oldest first; only his ASN's submitted days holding entries; counts per day.
    assert [text(row) for row in rows[1:]] == [
        "Mon 2 Nov 2026 Ani Pengawas 1 0 —",
        "Tue 3 Nov 2026 Ani Pengawas 2 2 Photos with remarks",
    ]

    page = atasan.get(review_path(ids["ani"]))
    assert page.status_code == 200
    assert "Memeriksa jembatan Ratahan 1" in text(page) and "Memeriksa jembatan Ratahan 2" in text(
        page
    )
    response = review(atasan, ids["ani"], "approve", "Baik, lanjutkan.")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kinerja/review")
    assert "The day has been approved." in text(atasan.get("/kinerja/review"))

    found = day_row(app, ids["ani"], DAY)
    assert found.state == "approved" and found.comment == "Baik, lanjutkan."
    assert found.reviewed_by_id == ids["atasan"] and found.reviewed_at is not None
    assert ("kinerja.day_approved", f"staff {ids['ani']} day 2026-11-03") in audit(app)
    # Gone from the queue; the page now says who approved it and offers no form.
    assert "2026-11-03" not in text(atasan.get("/kinerja/review"))
    after = atasan.get(review_path(ids["ani"]))
    assert "Approved by Atasan" in text(after) and 'name="approve"' not in after.get_data(
        as_text=True
    )


def test_returning_a_day_needs_a_comment(app: Flask, init_result: InitResult) -> None:
    ids = people(app, init_result)
    add_day(app, ids["ani"], DAY)
    atasan = logged_in(app, "atasan")

    refused = review(atasan, ids["ani"], "send_back", "  ok ")
    assert refused.status_code == 400
    assert "Say what the ASN should correct (at least 3 characters)." in text(refused)
    assert day_row(app, ids["ani"], DAY).state == "submitted"
    too_long = review(atasan, ids["ani"], "send_back", "x" * 1001)
    assert too_long.status_code == 400 and "at most 1,000 characters" in text(too_long)
    # What was typed is still in the form.
    assert "x" * 1001 in too_long.get_data(as_text=True)

    response = review(atasan, ids["ani"], "send_back", "Foto tidak sesuai lokasi.")
    assert response.status_code == 303
    found = day_row(app, ids["ani"], DAY)
    assert found.state == "returned" and found.comment == "Foto tidak sesuai lokasi."
    assert found.reviewed_by_id == ids["atasan"]
    assert ("kinerja.day_returned", f"staff {ids['ani']} day 2026-11-03") in audit(app)


def test_only_the_atasan_reaches_the_day(app: Flask, init_result: InitResult) -> None:
    ids = people(app, init_result)
    add_day(app, ids["ani"], DAY)
    for name in ("lain", "ani"):  # another ASN's atasan, and the ASN himself
        client = logged_in(app, name)
        assert client.get(review_path(ids["ani"])).status_code == 404
        response = client.post(
            review_path(ids["ani"]),
            data={"csrf_token": csrf_token(client, "/admin/account"), "approve": "x"},
        )
        assert response.status_code == 404
        assert "2026-11-03" not in text(client.get("/kinerja/review"))
    head = agency_account(app, init_result, "kadis", {"agency_head"}, "DINKES")
    assert head.get(review_path(ids["ani"])).status_code == 404
    assert day_row(app, ids["ani"], DAY).state == "submitted"
    atasan = logged_in(app, "atasan")
    # A day that does not exist, or is not a date, is not found either.
    assert atasan.get(review_path(ids["ani"], date(2026, 11, 9))).status_code == 404
    assert atasan.get(f"/kinerja/review/{ids['ani']}/2026-13-01").status_code == 404


def test_a_day_not_submitted_cannot_be_reviewed(app: Flask, init_result: InitResult) -> None:
    ids = people(app, init_result)
    add_day(app, ids["ani"], DAY)
    atasan = logged_in(app, "atasan")
    page = atasan.get(review_path(ids["ani"]))
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page.get_data(as_text=True))
    assert version
    token = csrf_token(atasan, review_path(ids["ani"]))
    # Another review gets there first (a second tab): the day is approved now.
    assert review(atasan, ids["ani"], "approve").status_code == 303
    response = atasan.post(
        review_path(ids["ani"]),
        data={
            "csrf_token": token,
            "version": version.group(1),
            "comment": "Perbaiki",
            "send_back": "x",
        },
    )
    assert response.status_code == 409
    assert "This day is not waiting for review" in text(response)
    found = day_row(app, ids["ani"], DAY)
    assert found.state == "approved" and found.comment == ""
    assert [action for action, _ in audit(app)] == ["kinerja.day_approved"]


def test_a_day_changed_since_the_page_was_read_is_not_approved_unseen(
    app: Flask, init_result: InitResult
) -> None:
    ids = people(app, init_result)
    add_day(app, ids["ani"], DAY)
    atasan = logged_in(app, "atasan")
    path = review_path(ids["ani"])
    page = atasan.get(path).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page)
    assert version
    with database(app).session() as session:  # the ASN adds an entry meanwhile
        found = session.get(ActivityDay, (ids["ani"], DAY))
        assert found is not None
        found.updated_at = datetime(2026, 11, 3, 11, 0)
    response = atasan.post(
        path,
        data={"csrf_token": csrf_token(atasan, path), "version": version.group(1), "approve": "x"},
    )
    assert response.status_code == 409 and "Please look at it again" in text(response)
    assert day_row(app, ids["ani"], DAY).state == "submitted"
    # The page shown has the new version: approving now works.
    assert review(atasan, ids["ani"], "approve").status_code == 303


def test_flags_are_shown_in_plain_words_with_the_photo_facts(
    app: Flask, init_result: InitResult
) -> None:
    ids = people(app, init_result)
    earlier_entry = add_day(app, ids["ani"], EARLIER_DAY)[0]
    earlier_photo = add_photo(app, earlier_entry, ids["ani"], [])
    entry = add_day(app, ids["ani"], DAY)[0]
    photo = add_photo(
        app,
        entry,
        ids["ani"],
        [
            {"kind": "no_location"},
            {"kind": "too_old", "hours": 75.5},
            {"kind": "other_day", "day": "2026-10-31"},
            {"kind": "too_far", "metres": 1234},
            {"kind": "duplicate", "photo_id": earlier_photo, "bits": 0},
        ],
    )
    add_photo(app, entry, ids["ani"], [])
    page = logged_in(app, "atasan").get(review_path(ids["ani"]))
    body = page.get_data(as_text=True)
    words = text(page)
    # The photo itself, inline and as a link.
    assert f'<img src="/kinerja/photo/{photo}"' in body and f'href="/kinerja/photo/{photo}"' in body
    assert "No location in the photo" in words
    assert "Taken 3 days before the upload" in words
    assert (
        f"Taken on {format_date(date(2026, 10, 31), 'medium', locale='en')}, not on the day"
        in words
    )
    assert "1.2 km from the stated place" in words
    assert (
        f"Same picture as photo #{earlier_photo} (entry of "
        f"{format_date(EARLIER_DAY, 'medium', locale='en')})" in words
    )
    # Facts: capture time in the installation's zone (WIB), GPS, distance to the entry's
    # stated position (0.01 degree of latitude: about 1.1 km).
    assert "08:30 WIB" in words
    assert "1.010000, 124.000000" in words
    assert "1.1 km" in words
    # The photo without flags says so; the raw kinds never show.
    assert "Nothing unusual found" in words and "too_old" not in body


def test_the_asn_reads_the_same_flag_sentences_as_his_atasan(
    app: Flask, init_result: InitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wbs.kinerja.web.asn_pages.now_utc", lambda: NOW)
    ids = people(app, init_result)
    earlier_photo = add_photo(app, add_day(app, ids["ani"], EARLIER_DAY)[0], ids["ani"], [])
    add_photo(
        app,
        add_day(app, ids["ani"], DAY)[0],
        ids["ani"],
        [
            {"kind": "no_time"},
            {"kind": "taken_after_upload", "hours": 5},
            {"kind": "too_far", "metres": 850},
            {"kind": "duplicate", "photo_id": earlier_photo, "bits": 3},
        ],
    )
    review_page = logged_in(app, "atasan").get(review_path(ids["ani"])).get_data(as_text=True)
    day_page = logged_in(app, "ani").get(f"/kinerja/day/{DAY.isoformat()}")
    assert day_page.status_code == 200
    flag_list = re.search(r'<ul class="photo-flags"[^>]*>(.*?)</ul>', review_page, re.S)
    assert flag_list
    on_review = [text(item) for item in re.findall(r"<li>(.*?)</li>", flag_list.group(1))]
    on_day = [
        text(item)
        for item in re.findall(r'<li class="flag">(.*?)</li>', day_page.get_data(as_text=True))
    ]
    assert on_day == on_review
    assert (
        f"Nearly the same picture as photo #{earlier_photo} (entry of "
        f"{format_date(EARLIER_DAY, 'medium', locale='en')})" in on_day
    )
    assert "850 m from the stated place" in on_day and len(on_day) == 4


def test_the_photo_streams_to_those_who_may_see_it(app: Flask, init_result: InitResult) -> None:
    ids = people(app, init_result)
    entry = add_day(app, ids["ani"], DAY)[0]
    photo = add_photo(app, entry, ids["ani"], [], file_name='foto "jembatan"\r\nX: y.jpg')
    path = f"/kinerja/photo/{photo}"
    readers = [
        logged_in(app, "ani"),
        logged_in(app, "atasan"),
        agency_account(app, init_result, "kadis", {"agency_head"}, "DINKES"),
        agency_account(app, init_result, "inspektur", {"supervisor"}, "DISDIK"),
    ]
    for client in readers:
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_data() == PHOTO_BYTES
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Length"] == str(len(PHOTO_BYTES))
        assert response.headers["Content-Disposition"] == 'inline; filename="foto_jembatan_X_y.jpg"'
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    strangers = [
        logged_in(app, "budi"),
        logged_in(app, "lain"),
        agency_account(app, init_result, "kadis2", {"agency_head"}, "DISDIK"),
        agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES"),
    ]
    for client in strangers:
        response = client.get(path)
        assert response.status_code == 404
        assert PHOTO_BYTES[:300] not in response.get_data()
    assert readers[0].get(f"/kinerja/photo/{photo + 1000}").status_code == 404
    # Not logged in: the login page, not the photo.
    assert app.test_client().get(path).status_code == 302


def test_review_rules_without_the_web(app: Flask, init_result: InitResult) -> None:
    ids = people(app, init_result)
    add_day(app, ids["ani"], DAY)
    add_day(app, ids["ani"], EARLIER_DAY, entries=0)
    with database(app).session() as session:
        day = session.get(ActivityDay, (ids["ani"], DAY))
        empty = session.get(ActivityDay, (ids["ani"], EARLIER_DAY))
        assert day is not None and empty is not None
        for call, reason in [
            (
                lambda: reviews.approve_day(session, day, reviewer_id=ids["ani"], now=NOW),
                reviews.OWN_DAY,
            ),
            (
                lambda: reviews.approve_day(session, empty, reviewer_id=ids["atasan"], now=NOW),
                reviews.NO_ENTRIES,
            ),
            (
                lambda: reviews.approve_day(
                    session, day, reviewer_id=ids["atasan"], now=NOW, comment="x" * 1001
                ),
                reviews.COMMENT_TOO_LONG,
            ),
            (
                lambda: reviews.return_day(
                    session, day, reviewer_id=ids["atasan"], now=NOW, comment=" \n "
                ),
                reviews.COMMENT_MISSING,
            ),
        ]:
            try:
                call()
            except reviews.ReviewRefused as refused:
                assert refused.reason == reason
            else:
                raise AssertionError(f"not refused: {reason}")
        reviews.return_day(
            session, day, reviewer_id=ids["atasan"], now=NOW, comment=" Lengkapi foto "
        )
        assert (day.state, day.comment, day.reviewed_at) == ("returned", "Lengkapi foto", NOW)
        try:
            reviews.approve_day(session, day, reviewer_id=ids["atasan"], now=NOW)
        except reviews.ReviewRefused as refused:
            assert refused.reason == reviews.NOT_SUBMITTED
        else:
            raise AssertionError("a returned day was approved")
        assert data.review_queue(session, ids["atasan"]) == []
