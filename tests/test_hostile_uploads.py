"""Issue 6, "Hostile input": oversized bodies, wrong content types, hostile file names,
decompression bombs and files whose extension lies, through the test client.

What tests/test_public_pages.py, tests/test_api.py and tests/test_security.py already
check (the English 413 page, 415 for form bodies on the API, a text file called .pdf)
is not repeated here.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from typing import Any
from urllib.parse import unquote

import pytest
from babel.support import Translations
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.helpers import (
    REPORTER_ADDRESS,
    file_report,
    jpeg_bytes,
    jpeg_with_gps,
    open_status,
    post_reply,
    post_report,
    report_form_data,
)
from tests.live_server import REPO
from tests.staff_helpers import create_officer, login, post_form
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Attachment, AttachmentChunk, Case, Message
from wbs.settings import Settings

EXIF_MARKER = "PENANDA-EXIF-6612"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ATTACHMENT_LINK = re.compile(r'href="(/[^"]*/attachments?/(\d+))">([^<]*)</a>')
UNSAFE_IN_NAMES = ("/", "\\", "\x00", "\u202e", "\u202d", "\u2066", "\r", "\n")


# --- builders --------------------------------------------------------------------------


def pdf_bytes(marker: str = "") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + f"% {marker}\n".encode()
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Daftar setoran</w:document>")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels, followed by one tiny
    compressed block: a decompression bomb that costs nothing to send."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is rewritten to claim another size."""
    data = bytearray(jpeg_bytes((16, 16)))
    sof = data.index(b"\xff\xc0")
    # SOF0: marker, length (2), precision (1), height (2), width (2)
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def real_png_bomb() -> bytes:
    """A genuine 48-megapixel black-and-white PNG, a few kilobytes on the wire."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def many_frame_gif(frames: int, size: tuple[int, int]) -> bytes:
    images = [Image.new("P", size, color) for color in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], optimize=False)
    return buffer.getvalue()


# --- helpers ---------------------------------------------------------------------------


def count(app: Flask, model: type) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def nothing_saved(app: Flask) -> bool:
    return (
        count(app, Case) == 0 and count(app, Attachment) == 0 and count(app, AttachmentChunk) == 0
    )


def indonesian(msgid: str) -> str:
    translations = Translations.load(str(REPO / "wbs" / "translations"), ["id"])
    return translations.gettext(msgid)


def text_of(response: TestResponse) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


def field_errors(response: TestResponse) -> list[str]:
    found = re.findall(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)
    return [html.unescape(message).strip() for message in found]


def english(client: FlaskClient) -> FlaskClient:
    assert client.get("/lang/en?next=/report").status_code == 303
    return client


def send_files(client: FlaskClient, files: list[tuple[bytes, str]]) -> TestResponse:
    evidence = [(io.BytesIO(content), name) for content, name in files]
    return post_report(client, report_form_data(client, evidence=evidence))


def file_with(client: FlaskClient, files: list[tuple[bytes, str]]) -> str:
    evidence = [(io.BytesIO(content), name) for content, name in files]
    return file_report(client, evidence=evidence)


def reporter_attachments(client: FlaskClient, code: str) -> dict[str, str]:
    """Name shown on the reporter's status page → download path."""
    assert open_status(client, code).status_code == 303
    page = client.get("/status/case", environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
    return {html.unescape(name): path for path, _id, name in ATTACHMENT_LINK.findall(page.text)}


@pytest.fixture
def officer(app: Flask, init_result: InitResult) -> FlaskClient:
    create_officer(app, init_result, "verifikator", {"intake"})
    browser = english(app.test_client())
    login(browser, "verifikator", "kopi-pagi-di-braga-2026")
    return browser


def officer_attachments(app: Flask, officer: FlaskClient) -> dict[str, str]:
    """Name shown on the officer's case page → download path (the single case)."""
    with database(app).session() as session:
        case_id = session.scalars(select(Case.id)).one()
    page = officer.get(f"/admin/cases/{case_id}")
    assert page.status_code == 200
    return {html.unescape(name): path for path, _id, name in ATTACHMENT_LINK.findall(page.text)}


def download_name(response: TestResponse) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''"), disposition
    return unquote(disposition.split("''", 1)[1])


# --- oversized bodies ------------------------------------------------------------------


class TestOversizedBodies:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(max_upload_mb=1)

    def test_report_form_gets_the_413_page_in_the_readers_language(
        self, app: Flask, client: FlaskClient
    ) -> None:
        big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
        response = send_files(client, [(big, "besar.pdf")])  # default language: Indonesian
        assert response.status_code == 413
        assert response.mimetype == "text/html"
        message = indonesian("What you sent is too large. Send fewer or smaller files.")
        assert message != "What you sent is too large. Send fewer or smaller files."
        assert message in text_of(response)
        assert nothing_saved(app)

    def test_reply_over_the_limit_gets_the_413_page_and_saves_nothing(
        self, app: Flask, client: FlaskClient
    ) -> None:
        code = file_report(english(client))
        assert open_status(client, code).status_code == 303
        response = post_reply(
            client,
            "Bukti tambahan.",
            (io.BytesIO(b"%PDF-1.4\n" + b"0" * (1024 * 1024)), "besar.pdf"),
        )
        assert response.status_code == 413
        assert "What you sent is too large." in text_of(response)
        assert count(app, Message) == 0 and count(app, Attachment) == 0

    def test_api_answers_413_as_json_in_the_readers_language(
        self, app: Flask, client: FlaskClient
    ) -> None:
        body = b'{"category": "pungli", "description": "' + b"x" * (1024 * 1024) + b'"}'
        response = client.post("/api/v1/reports", data=body, content_type="application/json")
        assert response.status_code == 413
        assert response.mimetype == "application/json"
        error = response.get_json()["error"]
        assert error["code"] == "too_large"
        assert error["message"] == indonesian(
            "What you sent is too large. Send fewer or smaller files."
        )
        assert count(app, Case) == 0

    @pytest.mark.parametrize(
        ("path", "content_type", "body"),
        [
            (
                "/api/v1/reports",
                "application/json",
                b'{"description": "' + b"x" * (2 * 1024 * 1024) + b'"}',
            ),
            (
                "/report",
                "multipart/form-data; boundary=batas",
                b"--batas\r\n"
                b'Content-Disposition: form-data; name="evidence"; filename="besar.pdf"\r\n'
                b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
                + b"0" * (2 * 1024 * 1024)
                + b"\r\n--batas--\r\n",
            ),
        ],
        ids=["api", "form"],
    )
    def test_a_chunked_body_without_content_length_is_cut_at_the_limit(
        self, app: Flask, client: FlaskClient, path: str, content_type: str, body: bytes
    ) -> None:
        """No Content-Length to refuse up front: reading stops at the limit instead of
        taking the whole body."""
        response = client.post(
            path,
            input_stream=io.BytesIO(body),
            content_type=content_type,
            headers={"Transfer-Encoding": "chunked"},
            # What gunicorn sets for a chunked request: the stream ends by itself.
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert response.status_code == 413
        assert count(app, Case) == 0


class TestOversizedTextField:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(max_upload_mb=8)

    def test_a_text_field_larger_than_form_memory_is_413_not_kept_in_memory(
        self, app: Flask, client: FlaskClient
    ) -> None:
        """Files may be large (spooled to disk), but a form field is held in memory:
        Werkzeug's MAX_FORM_MEMORY_SIZE (1 MiB) refuses a 2 MB "description"."""
        data = report_form_data(english(client), description="uang pelicin " * 170_000)
        response = post_report(client, data)
        assert response.status_code == 413
        assert "What you sent is too large." in text_of(response)
        assert count(app, Case) == 0


# --- wrong content types ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/xml", "text/html", "application/octet-stream", "image/png"]
)
def test_api_refuses_other_content_types_with_415(
    app: Flask, client: FlaskClient, content_type: str
) -> None:
    body = '{"category": "pungli", "agency": "DINKES", "description": "Uraian dua puluh huruf."}'
    response = client.post("/api/v1/reports", data=body, content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert count(app, Case) == 0


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"a": ' * 50_000, b"\xff\xfe\x00{", b'{"description": "\xc3\x28"}'],
    ids=["deep-array", "deep-object", "utf16-bom", "invalid-utf8"],
)
@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/reports/status"])
def test_api_refuses_hostile_json_with_400(
    app: Flask, client: FlaskClient, path: str, raw: bytes
) -> None:
    """Nesting deep enough to exhaust the parser's recursion, and bytes that are not
    UTF-8, are a client error, not a server error."""
    response = client.post(path, data=raw, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "invalid_json"
    assert count(app, Case) == 0


def _form_as_json(client: FlaskClient, path: str, body: dict[str, Any], token: bool) -> Any:
    headers = {}
    if token:
        headers["X-CSRFToken"] = report_form_data(client)["csrf_token"]
    return client.post(path, json=body, headers=headers)


@pytest.mark.parametrize("token", [False, True], ids=["no-token", "with-token"])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/report",
            {
                "category": "pungli",
                "agency": "DINKES",
                "description": {"nested": ["Petugas meminta uang tambahan tiap surat."]},
            },
        ),
        (
            "/report",
            {
                "category": "pungli",
                "agency": "DINKES",
                "description": "Petugas meminta uang tambahan untuk setiap surat rujukan.",
            },
        ),
        ("/status", {"tracking_code": ["0000000000000000"]}),
        ("/admin/login", {"username": ["admin"], "password": {"x": 1}}),
    ],
    ids=["report-nested", "report-flat", "status", "staff-login"],
)
def test_html_forms_posted_as_json_are_refused_with_a_page(
    app: Flask, client: FlaskClient, path: str, body: dict[str, Any], token: bool
) -> None:
    """The HTML forms take form bodies only; JSON (even with a valid CSRF token in a
    header) gets 415 or 400 with an HTML page, never a 500 and never a filed report."""
    response = _form_as_json(english(client), path, body, token)
    assert response.status_code in (400, 415), response.status
    assert response.mimetype == "text/html"
    assert count(app, Case) == 0


# --- hostile file names ----------------------------------------------------------------


HOSTILE_NAMES = {
    "dot-dot-slash": ("../../../etc/laporan.pdf", "laporan.pdf"),
    # Sent unescaped in the quoted filename (as browsers do), each backslash escapes the
    # next character when Werkzeug reads the header: the name arrives as
    # "....WindowsSystem32laporan.pdf", with no separator left to follow.
    "backslash": ("..\\..\\Windows\\System32\\laporan.pdf", "WindowsSystem32laporan.pdf"),
    "absolute": ("/var/lib/wbs/laporan.pdf", "laporan.pdf"),
    "nul": ("lapo\x00ran.pdf", "laporan.pdf"),
    "nul-before-ext": ("laporan.pdf\x00.exe", "laporan.pdf.pdf"),
    "300-chars": ("a" * 296 + ".pdf", "a" * 110 + ".pdf"),
    "only-dots": ("....", "berkas.pdf"),
    "dot-dot": ("..", "berkas.pdf"),
    "rtl-override": ("kuitansi\u202efdp.exe", "kuitansifdp.pdf"),
    "bidi-isolates": ("\u2066bukti\u2069\u202d.pdf", "bukti.pdf"),
    "control-characters": ("lap\toran\x1b[31m\x7f.pdf", "laporan[31m.pdf"),
}


@pytest.mark.parametrize(("sent", "stored"), HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_file_names_are_stored_as_a_bare_safe_name(
    app: Flask, client: FlaskClient, officer: FlaskClient, sent: str, stored: str
) -> None:
    content = pdf_bytes(marker="isi-berkas")
    code = file_with(english(client), [(content, sent)])
    shown = reporter_attachments(client, code)
    assert list(shown) == [stored]
    staff_shown = officer_attachments(app, officer)
    assert list(staff_shown) == [stored]
    for name in (*shown, *staff_shown):
        assert not any(char in name for char in UNSAFE_IN_NAMES), repr(name)
        assert len(name) <= 120
    for browser, path in ((client, shown[stored]), (officer, staff_shown[stored])):
        download = browser.get(path)
        assert download.status_code == 200
        assert download.data == content
        assert download_name(download) == stored
        assert "\n" not in download.headers["Content-Disposition"]


def test_a_hostile_name_that_is_refused_is_named_safely_in_the_message(
    app: Flask, client: FlaskClient
) -> None:
    response = send_files(english(client), [(b"MZ\x90\x00", "../../" + "x" * 300 + "\x00.exe")])
    assert response.status_code == 400
    (message,) = [m for m in field_errors(response) if "not accepted" in m]
    name = message.split(":", 1)[0]
    assert name == "x" * 110 + ".exe"
    assert nothing_saved(app)


# --- decompression bombs ---------------------------------------------------------------


BOMBS = {
    # Beyond twice Pillow's MAX_IMAGE_PIXELS: Pillow raises DecompressionBombError.
    "png-10-gigapixel": (lambda: png_claiming(100_000, 100_000), "bom.png"),
    "jpeg-4-gigapixel": (lambda: jpeg_claiming(65_000, 65_000), "bom.jpg"),
    # Between Pillow's warning and error thresholds: the warning is an error here.
    "png-95-megapixel": (lambda: png_claiming(10_000, 9_500), "bom.png"),
    # Under Pillow's thresholds, over the site's own (40 million pixels).
    "png-48-megapixel-real": (real_png_bomb, "bom.png"),
    "png-bomb-called-txt": (lambda: png_claiming(100_000, 100_000), "catatan.txt"),
    "gif-60-frames-of-a-megapixel": (lambda: many_frame_gif(60, (1000, 700)), "animasi.gif"),
}


@pytest.mark.parametrize(("make", "name"), BOMBS.values(), ids=BOMBS.keys())
def test_decompression_bombs_are_refused_as_too_large_and_nothing_is_saved(
    app: Flask, client: FlaskClient, make: Any, name: str
) -> None:
    content = make()
    assert len(content) < 1024 * 1024  # small on the wire: only the decoding is huge
    response = send_files(english(client), [(pdf_bytes(), "surat.pdf"), (content, name)])
    assert response.status_code == 400
    shown_as = name.replace(".txt", ".png")
    assert f"{shown_as}: the image has too many pixels; send a smaller one." in field_errors(
        response
    )
    assert nothing_saved(app)


def test_a_bomb_sent_later_as_a_reply_is_refused_and_the_reply_not_saved(
    app: Flask, client: FlaskClient
) -> None:
    code = file_report(english(client))
    assert open_status(client, code).status_code == 303
    response = post_reply(
        client, "Foto denah kantor.", (io.BytesIO(png_claiming(100_000, 100_000)), "denah.png")
    )
    assert response.status_code == 400
    assert "denah.png: the image has too many pixels; send a smaller one." in field_errors(response)
    assert count(app, Message) == 0 and count(app, Attachment) == 0


def test_an_image_just_under_the_limit_is_accepted(app: Flask, client: FlaskClient) -> None:
    """The limit refuses bombs, not ordinary photos: the test above can fail."""
    file_with(english(client), [(many_frame_gif(3, (300, 200)), "animasi.gif")])
    assert count(app, Attachment) == 1


# --- extensions that lie ---------------------------------------------------------------


LIARS = {
    "jpeg-called-pdf": ("jpeg", "foto.pdf", "foto.jpg", "image/jpeg"),
    "jpeg-called-txt": ("jpeg", "catatan.txt", "catatan.jpg", "image/jpeg"),
    "jpeg-called-docx": ("jpeg", "rekap.docx", "rekap.jpg", "image/jpeg"),
    "jpeg-without-extension": ("jpeg", "IMG_0042", "IMG_0042.jpg", "image/jpeg"),
    "png-called-pdf": ("png", "denah.pdf", "denah.png", "image/png"),
    "png-called-jpg": ("png", "denah.jpg", "denah.png", "image/png"),
    "pdf-called-jpg": ("pdf", "surat.jpg", "surat.pdf", "application/pdf"),
    "pdf-called-docx": ("pdf", "surat.docx", "surat.pdf", "application/pdf"),
    "pdf-called-exe": ("pdf", "surat.exe", "surat.pdf", "application/pdf"),
    "docx-called-jpg": ("docx", "kontrak.jpg", "kontrak.docx", DOCX_MIME),
    "docx-called-pdf": ("docx", "kontrak.pdf", "kontrak.docx", DOCX_MIME),
    "docx-called-zip": ("docx", "kontrak.zip", "kontrak.zip", "application/zip"),
}
CONTENT = {
    "jpeg": lambda: jpeg_with_gps(EXIF_MARKER),
    "png": png_bytes,
    "pdf": lambda: pdf_bytes(marker="isi-surat"),
    "docx": docx_bytes,
}


@pytest.mark.parametrize(("kind", "sent", "stored", "mime"), LIARS.values(), ids=LIARS.keys())
def test_files_whose_extension_lies_are_recognised_by_content(
    app: Flask,
    client: FlaskClient,
    officer: FlaskClient,
    kind: str,
    sent: str,
    stored: str,
    mime: str,
) -> None:
    content = CONTENT[kind]()
    code = file_with(english(client), [(content, sent)])
    shown = reporter_attachments(client, code)
    staff_shown = officer_attachments(app, officer)
    assert list(shown) == [stored]
    assert list(staff_shown) == [stored]
    for browser, path in ((client, shown[stored]), (officer, staff_shown[stored])):
        download = browser.get(path)
        assert download.status_code == 200
        assert download.mimetype == mime
        assert download_name(download) == stored
        if kind in ("jpeg", "png"):
            image = Image.open(io.BytesIO(download.data))
            assert image.format == kind.upper()
            assert not image.getexif(), "metadata kept"
            assert EXIF_MARKER.encode() not in download.data
            assert b"ExampleCam" not in download.data
        else:
            assert download.data == content


def test_the_gps_photo_really_carries_exif_before_it_is_sent() -> None:
    """The fixture the EXIF assertions rely on: without stripping, they would fail."""
    photo = jpeg_with_gps(EXIF_MARKER)
    assert EXIF_MARKER.encode() in photo
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)


def mpo_with_gps() -> bytes:
    """A phone photo with a second picture (MPO, a JPEG with an MP index) and GPS EXIF."""
    exif = Image.open(io.BytesIO(jpeg_with_gps(EXIF_MARKER))).getexif()
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (64, 48), (200, 30, 30)), Image.new("RGB", (32, 24))
    first.save(buffer, "MPO", save_all=True, append_images=[second], exif=exif.tobytes())
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["foto.jpg", "foto.pdf"])
def test_a_phone_photo_in_mpo_form_is_stored_as_a_jpeg_without_exif(
    app: Flask, client: FlaskClient, name: str
) -> None:
    """Pillow reads such a photo as "MPO"; it was refused as an unsupported format."""
    code = file_with(english(client), [(mpo_with_gps(), name)])
    shown = reporter_attachments(client, code)
    assert list(shown) == ["foto.jpg"]
    download = client.get(shown["foto.jpg"])
    assert download.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(download.data))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert EXIF_MARKER.encode() not in download.data


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "laporan.pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "denah.png"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "kontrak.docx"),
        (b"PK\x03\x04 not really a zip", "arsip.zip"),
    ],
    ids=["html-as-pdf", "svg-as-png", "exe-as-docx", "broken-zip"],
)
def test_content_that_is_not_what_its_name_claims_is_refused(
    app: Flask, client: FlaskClient, content: bytes, name: str
) -> None:
    response = send_files(english(client), [(content, name)])
    if name == "arsip.zip":
        # A zip signature is a zip, even a damaged one: stored as sent, opened by no one
        # but the officer who downloads it.
        assert response.status_code == 201
        return
    assert response.status_code == 400
    assert f"{name}: the content does not match the file type." in field_errors(response)
    assert nothing_saved(app)


# --- NUL characters in text ------------------------------------------------------------


def test_nul_in_a_staff_login_name_is_a_clear_400_not_a_database_error(
    app: Flask, client: FlaskClient
) -> None:
    """PostgreSQL cannot compare a text holding NUL: before the check this login was a
    500 on PostgreSQL, before any password was looked at."""
    english(client)
    response = post_form(client, "/admin/login", {"username": "ad\x00min", "password": "x"})
    assert response.status_code == 400
    assert "contains a NUL character" in text_of(response)


@pytest.mark.parametrize(
    "path", ["/admin/login?next=/admin/cases%00", "/api/v1/stats?period=2026%00", "/?x=%00"]
)
def test_nul_in_a_query_string_is_a_clear_400(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "invalid_character"


def test_nul_in_a_report_field_is_refused_and_nothing_is_filed(
    app: Flask, client: FlaskClient
) -> None:
    data = report_form_data(english(client), location="Kantor\x00camat")
    response = post_report(client, data)
    assert response.status_code == 400
    assert "contains a NUL character" in text_of(response)
    assert count(app, Case) == 0
