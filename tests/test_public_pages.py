"""The public pages as a citizen meets them, JavaScript off, through the test client.

Pages are read in English (the language switch) so that the assertions do not depend
on the Indonesian catalogue; the texts are the msgids of that catalogue.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from tests.helpers import (
    CODE_PATTERN,
    REPORTER_ADDRESS,
    file_report,
    hidden_value,
    jpeg_with_gps,
    open_status,
    post_report,
    report_form_data,
)
from wbs.app_context import database
from wbs.models import Attachment, AttachmentChunk, Case, ReporterSession
from wbs.settings import Settings
from wbs.tracking_code import TrackingCode

REPORT_FIELDS = {
    "category",
    "agency",
    "description",
    "involved",
    "location",
    "incident_from",
    "incident_until",
    "how_known",
    "estimated_loss",
    "evidence",
    "reporter_name",
    "reporter_contact",
}
ATTACHMENT_LINK = re.compile(r'href="/status/attachment/(\d+)">([^<]+)</a>')


@pytest.fixture
def english(client: FlaskClient) -> FlaskClient:
    """The same client after choosing English with the language switch."""
    response = client.get("/lang/en?next=/report")
    assert response.status_code == 303
    return client


def count(app: Flask, model: type) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def text_of(response: Any) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


def field_errors(response: Any) -> list[str]:
    found = re.findall(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)
    return [html.unescape(message).strip() for message in found]


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A zip shaped like a Word document (what the extension check looks for)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Daftar setoran rekanan</w:document>")
    return buffer.getvalue()


def case_page(client: FlaskClient) -> Any:
    return client.get("/status/case", environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})


def open_case(client: FlaskClient, code: str) -> str:
    response = open_status(client, code)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/status/case")
    page = case_page(client)
    assert page.status_code == 200
    return page.get_data(as_text=True)


# --- home page and form ---------------------------------------------------------------


def test_home_page_is_in_indonesian_by_default(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in page


def test_home_page_explains_what_to_report_anonymity_and_next_steps(english: FlaskClient) -> None:
    response = english.get("/")
    assert response.status_code == 200
    text = text_of(response)
    # What may be reported.
    assert "What you can report" in text
    for kind in ("Corruption", "bribery", "illegal levies", "Conflicts of interest", "procurement"):
        assert kind in text
    # How anonymity is protected.
    assert "How your anonymity is protected" in text
    assert "You do not need an account, a name" in text
    assert "does not record your internet address" in text
    assert "encrypted" in text
    # What happens next.
    assert "What happens next" in text
    assert "16-digit tracking code" in text
    assert "within 7 days" in text
    page = response.get_data(as_text=True)
    assert 'href="/report"' in page and 'href="/status"' in page


def test_report_form_has_every_field_and_needs_no_javascript(english: FlaskClient) -> None:
    response = english.get("/report")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    names = set(re.findall(r'name="([^"]+)"', page))
    assert REPORT_FIELDS | {"csrf_token", "submission_token"} <= names
    for name in REPORT_FIELDS:
        assert f'<label for="{name}"' in page, f"{name} has no label"
    assert re.search(r'<input[^>]*id="evidence"[^>]*multiple[^>]*>', page)
    assert re.search(r'<input[^>]*type="file"[^>]*>', page)
    assert re.search(r'<form method="post" action="/report" enctype="multipart/form-data"', page)
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href|action)="(https?:)?//', page), "loads from another host"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    text = text_of(response)
    # The difference between anonymous and confidential is explained next to the fields.
    assert "Anonymous: leave these fields empty" in text
    assert "Confidential: give your name and a way to reach you" in text
    # Every category and agency can be chosen without JavaScript.
    assert '<option value="pungli">' in page and '<option value="DINKES">' in page


def test_confirmation_page_shows_the_code_once_in_groups_of_four(english: FlaskClient) -> None:
    response = post_report(english, report_form_data(english))
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    match = CODE_PATTERN.search(page)
    assert match
    TrackingCode.parse(match.group(1))  # a valid code, check digit included
    assert "Write this code down now and keep it somewhere safe." in text_of(response)
    assert "no-store" in response.headers["Cache-Control"]


# --- evidence files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("alat.exe", b"MZ\x90\x00 not for upload", "alat.exe: this type of file is not accepted."),
        ("kosong.pdf", b"", "kosong.pdf: the file is empty."),
        (
            "kontrak.pdf",
            b"<html>not a pdf</html>",
            "kontrak.pdf: the content does not match the file type.",
        ),
        ("foto.jpg", b"\xff\xd8\xff\xe0 broken jpeg", "foto.jpg: the image cannot be read."),
    ],
)
def test_rejected_file_is_named_with_its_reason_and_nothing_is_saved(
    app: Flask, english: FlaskClient, filename: str, content: bytes, message: str
) -> None:
    marker = "Kantor kecamatan, ruang bendahara, MARKER-TYPED"
    data = report_form_data(
        english,
        location=marker,
        evidence=[(io.BytesIO(b"%PDF-1.4 fine"), "surat.pdf"), (io.BytesIO(content), filename)],
    )
    response = post_report(english, data)
    assert response.status_code == 400
    assert message in field_errors(response)
    page = response.get_data(as_text=True)
    assert marker in page  # what was typed is kept
    assert "Please choose them again" in text_of(response)
    assert count(app, Case) == 0
    assert count(app, Attachment) == 0
    assert count(app, AttachmentChunk) == 0


class TestFileCount:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(max_files=2)

    def test_more_files_than_allowed_are_refused(self, app: Flask, english: FlaskClient) -> None:
        files = [(io.BytesIO(f"catatan {i}".encode()), f"catatan-{i}.txt") for i in range(3)]
        response = post_report(english, report_form_data(english, evidence=files))
        assert response.status_code == 400
        assert "Send at most 2 files at once." in field_errors(response)
        assert "Up to 2 files" in text_of(response)
        assert count(app, Case) == 0 and count(app, Attachment) == 0

        files = [(io.BytesIO(f"catatan {i}".encode()), f"catatan-{i}.txt") for i in range(2)]
        response = post_report(english, report_form_data(english, evidence=files))
        assert response.status_code == 201
        assert count(app, Case) == 1 and count(app, Attachment) == 2


class TestUploadLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(max_upload_mb=1)

    def test_request_over_the_limit_gets_the_413_page(
        self, app: Flask, english: FlaskClient
    ) -> None:
        big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
        response = post_report(english, report_form_data(english, evidence=(big, "besar.pdf")))
        assert response.status_code == 413
        assert response.mimetype == "text/html"
        assert "What you sent is too large. Send fewer or smaller files." in text_of(response)
        assert count(app, Case) == 0 and count(app, AttachmentChunk) == 0


def test_several_valid_files_are_listed_and_downloadable(app: Flask, english: FlaskClient) -> None:
    sent = {
        "laporan.pdf": pdf_bytes(),
        "rekap.docx": docx_bytes(),
        "catatan.txt": b"Setoran tiap Senin, Rp 50.000.\n",
    }
    files = [(io.BytesIO(content), name) for name, content in sent.items()]
    files += [
        (io.BytesIO(jpeg_with_gps("MARKER-EXIF")), "foto.jpg"),
        (io.BytesIO(png_bytes()), "denah.png"),
    ]
    code = file_report(english, evidence=files)
    assert count(app, Attachment) == 5
    page = open_case(english, code)
    links = {name: int(number) for number, name in ATTACHMENT_LINK.findall(page)}
    assert set(links) == {*sent, "foto.jpg", "denah.png"}

    for name, content in sent.items():
        download = english.get(f"/status/attachment/{links[name]}")
        assert download.status_code == 200
        assert download.data == content, name
        assert "attachment" in download.headers["Content-Disposition"]
        assert name in download.headers["Content-Disposition"]
    assert english.get(f"/status/attachment/{links['laporan.pdf']}").mimetype == ("application/pdf")
    for name, image_format in (("foto.jpg", "JPEG"), ("denah.png", "PNG")):
        download = english.get(f"/status/attachment/{links[name]}")
        assert download.status_code == 200
        image = Image.open(io.BytesIO(download.data))
        assert image.format == image_format
        assert not image.getexif(), f"{name} kept its metadata"
    assert b"MARKER-EXIF" not in english.get(f"/status/attachment/{links['foto.jpg']}").data


def test_reporter_can_add_evidence_later(app: Flask, english: FlaskClient) -> None:
    code = file_report(english)
    page = open_case(english, code)
    response = english.post(
        "/status/reply",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "evidence": (io.BytesIO(pdf_bytes()), "susulan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    links = dict(
        (name, number)
        for number, name in ATTACHMENT_LINK.findall(case_page(english).get_data(as_text=True))
    )
    assert english.get(f"/status/attachment/{links['susulan.pdf']}").data == pdf_bytes()


# --- status page ----------------------------------------------------------------------


def test_status_answers_tell_typo_wrong_and_malformed_codes_apart(
    english: FlaskClient,
) -> None:
    unknown_before = open_status(english, TrackingCode.generate().grouped())
    real = file_report(english)
    unknown_after = open_status(english, TrackingCode.generate().grouped())
    typo_of_real = open_status(english, real[:-1] + str((int(real[-1]) + 1) % 10))
    random_digits = TrackingCode.generate().digits
    typo_of_nothing = open_status(
        english, random_digits[:-1] + str((int(random_digits[-1]) + 3) % 10)
    )
    too_short = open_status(english, "1234 5678 9012")
    letters = open_status(english, "kode saya hilang")

    assert unknown_before.status_code == unknown_after.status_code == 404
    assert typo_of_real.status_code == typo_of_nothing.status_code == 400
    assert too_short.status_code == letters.status_code == 400

    wrong = field_errors(unknown_after)
    typo = field_errors(typo_of_real)
    malformed = field_errors(too_short)
    assert len(wrong) == len(typo) == len(malformed) == 1
    assert "No report matches this code" in wrong[0]
    assert "typing error" in typo[0] and "not counted" in typo[0]
    assert "16 digits" in malformed[0]
    assert len({wrong[0], typo[0], malformed[0]}) == 3
    # The answer does not change with whether some other report exists.
    assert field_errors(unknown_before) == wrong
    assert field_errors(typo_of_nothing) == typo
    assert field_errors(letters) == malformed
    for response in (unknown_after, typo_of_real, too_short):
        assert "exist" not in " ".join(field_errors(response)).lower()
    # No session was opened by any failed attempt.
    assert case_page(english).status_code == 303


def test_empty_code_asks_for_the_code(english: FlaskClient) -> None:
    response = open_status(english, "")
    assert response.status_code == 400
    assert field_errors(response) == ["Enter your 16-digit tracking code."]


def test_status_page_shows_status_events_and_report(english: FlaskClient) -> None:
    code = file_report(
        english, description="Bendahara dinas memotong honor kegiatan tanpa dasar yang jelas."
    )
    open_status(english, code)
    response = case_page(english)
    text = text_of(response)
    assert "Status: Received" in text
    assert "Your report has arrived and is waiting to be examined by an officer." in text
    assert "Bendahara dinas memotong honor kegiatan tanpa dasar yang jelas." in text
    assert "No messages yet." in text
    assert "no-store" in response.headers["Cache-Control"]
    assert code not in response.get_data(as_text=True)  # never shown again


def test_leaving_the_status_page_ends_the_session(app: Flask, english: FlaskClient) -> None:
    page = open_case(english, file_report(english))
    assert count(app, ReporterSession) == 1
    response = english.post("/status/end", data={"csrf_token": hidden_value(page, "csrf_token")})
    assert response.status_code == 303
    assert "You have left the status page." in text_of(english.get(response.headers["Location"]))
    assert count(app, ReporterSession) == 0

    response = case_page(english)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/status")
    assert "Your session has ended. Enter your tracking code again." in text_of(
        english.get(response.headers["Location"])
    )


class TestReporterSessionExpiry:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(reporter_session_minutes=5)

    def test_session_slides_while_used_and_expires_when_idle(
        self, app: Flask, english: FlaskClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Expiry = request time + 5 minutes, rounded up to the quarter hour, so a
        # session lasts 5 to 20 minutes after its last use.
        start = datetime(2026, 1, 5, 10, 0, 0)
        clock = {"now": start}
        monkeypatch.setattr("wbs.public.views.now_utc", lambda: clock["now"])
        code = file_report(english)
        open_case(english, code)  # expires 10:15
        clock["now"] = start + timedelta(minutes=14)
        assert case_page(english).status_code == 200  # used at 10:14: expires 10:30
        clock["now"] = start + timedelta(minutes=29)
        assert case_page(english).status_code == 200  # used at 10:29: expires 10:45
        with database(app).session() as session:
            expiries = list(session.scalars(select(ReporterSession.expires_at)))
        # No row holds the exact time of a reporter's request.
        assert expiries and all(
            e.minute % 15 == 0 and e.second == 0 == e.microsecond for e in expiries
        )
        clock["now"] = start + timedelta(minutes=46)  # 17 minutes idle: expired
        response = case_page(english)
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/status")
        assert "Your session has ended" in text_of(english.get("/status"))
        # Coming back in time does not revive it: the expired session was forgotten.
        clock["now"] = start + timedelta(minutes=30)
        assert case_page(english).status_code == 303


def test_attachment_of_another_case_is_not_downloadable(app: Flask, english: FlaskClient) -> None:
    other = app.test_client()
    other_code = file_report(other, evidence=(io.BytesIO(b"rahasia kasus lain"), "lain.txt"))
    other_page = open_case(other, other_code)
    other_id = int(ATTACHMENT_LINK.findall(other_page)[0][0])

    own_code = file_report(english, evidence=(io.BytesIO(b"bukti saya"), "saya.txt"))
    own_page = open_case(english, own_code)
    own_id = int(ATTACHMENT_LINK.findall(own_page)[0][0])
    assert english.get(f"/status/attachment/{own_id}").data == b"bukti saya"

    for attachment_id in (other_id, other_id + 1000):
        response = english.get(f"/status/attachment/{attachment_id}")
        assert response.status_code == 404
        assert b"rahasia" not in response.data
        assert "This file does not exist." in text_of(response)
    # Without a reporter session no file is served at all.
    response = app.test_client().get(f"/status/attachment/{other_id}")
    assert response.status_code == 303 and b"rahasia" not in response.data


def test_back_button_resend_shows_the_same_code_and_files_nothing_new(
    app: Flask, english: FlaskClient
) -> None:
    data = report_form_data(english)

    def send() -> Any:
        files = {"evidence": (io.BytesIO(b"%PDF-1.4 bukti"), "bukti.pdf")}
        return post_report(english, {**data, **files})

    first, again = send(), send()
    assert first.status_code == 201 and again.status_code == 200
    first_code = CODE_PATTERN.search(first.get_data(as_text=True))
    again_code = CODE_PATTERN.search(again.get_data(as_text=True))
    assert first_code and again_code and first_code.group(1) == again_code.group(1)
    assert "This form had already been sent, so no second report was made." in text_of(again)
    assert count(app, Case) == 1 and count(app, Attachment) == 1
    # A fresh form is a new report.
    file_report(english)
    assert count(app, Case) == 2


@pytest.mark.parametrize("token", [None, "", "IjE2YjM2NjQ0YjM5ZTgwM2Q2YTFhZjQ4In0.forged"])
def test_expired_report_form_comes_back_filled_in_and_sends_on_the_next_click(
    app: Flask, english: FlaskClient, token: str | None
) -> None:
    data = report_form_data(english, location="Gudang farmasi MARKER-KEPT")
    if token is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = token
    response = post_report(english, data)
    assert response.status_code == 400
    assert "The form had expired, so your report has not been sent yet." in text_of(response)
    page = response.get_data(as_text=True)
    assert "Gudang farmasi MARKER-KEPT" in page
    assert count(app, Case) == 0
    # The page carries a fresh token: sending it again files the report, once.
    data["csrf_token"] = hidden_value(page, "csrf_token")
    assert hidden_value(page, "submission_token") == data["submission_token"]
    assert post_report(english, data).status_code == 201
    assert post_report(english, data).status_code == 200
    assert count(app, Case) == 1


def test_status_form_without_csrf_token_gets_a_clear_message(english: FlaskClient) -> None:
    code = file_report(english)
    response = english.post("/status", data={"tracking_code": code})
    assert response.status_code == 400
    assert "This form has expired or was opened in another window." in text_of(response)
    assert case_page(english).status_code == 303  # no session was opened


def test_expired_reply_form_shows_the_typed_reply_again(english: FlaskClient) -> None:
    open_status(english, file_report(english))
    response = english.post(
        "/status/reply",
        data={"message": "Balasan penting MARKER-REPLY yang tidak boleh hilang"},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Balasan penting MARKER-REPLY yang tidak boleh hilang" in page
    assert "your reply has not been sent yet" in page


def test_expired_reply_without_a_session_still_shows_the_text(english: FlaskClient) -> None:
    response = english.post(
        "/status/reply",
        data={"message": "Teks balasan MARKER-LOST"},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Teks balasan MARKER-LOST" in page
    assert "it was not sent" in page
