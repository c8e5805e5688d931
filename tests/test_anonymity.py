"""Issue 2, "Security and anonymity": what the server keeps reveals nothing of a report.

A report holding markers in every text field, an identity and a photo with GPS EXIF is
filed, looked up and answered; then every byte of the database, the instance folder and
the logs (captured at DEBUG) is searched for the markers, the identity, the tracking
code and the client address. The photo the reporter downloads has no EXIF left.
"""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from tests.helpers import (
    CODE_PATTERN,
    REPORTER_ADDRESS,
    file_report,
    hidden_value,
    jpeg_with_gps,
    open_status,
)
from tests.leak_scan import database_bytes, encodings, find_leaks, tree_bytes
from tests.live_server import gunicorn_server, server_env
from wbs.app_context import database
from wbs.models import Case
from wbs.settings import Settings

USER_AGENT = "MarkerAgent/9.9"
# Only the camera make of helpers.jpeg_with_gps is distinctive enough to search for.
CAMERA_MAKE = "ExampleCam"
GPS_IFD = 0x8825


def _marker(label: str) -> str:
    return f"MRK{label}{uuid.uuid4().hex[:12]}"


def code_forms(code: str) -> dict[str, str]:
    groups = [code[i : i + 4] for i in range(0, 16, 4)]
    return {
        "tracking code": code,
        "tracking code (spaces)": " ".join(groups),
        "tracking code (dashes)": "-".join(groups),
    }


@pytest.fixture
def debug_logs(settings: Settings, caplog: pytest.LogCaptureFixture) -> Iterator[Path]:
    """Everything logged at DEBUG, captured by caplog and written to a file in the
    instance folder (so the folder scan reads it too)."""
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its own loggers at WARNING; open them so every statement, its
    # parameters and the rows read back are in the log as well.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    log_file = settings.instance_path / "app.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield log_file
    finally:
        root.removeHandler(handler)
        handler.close()


def _captured_logs(caplog: pytest.LogCaptureFixture) -> dict[str, bytes]:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        if record.exc_text:
            lines.append(record.exc_text)
    return {"caplog text": caplog.text.encode(), "caplog records": "\n".join(lines).encode()}


def _session_cookie(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return ""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return cookie.value + json.dumps(serializer.loads(cookie.value))


def test_stored_data_and_logs_reveal_nothing_of_the_report(
    app: Flask,
    client: FlaskClient,
    settings: Settings,
    database_url: str,
    debug_logs: Path,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    markers = {
        "description": _marker("desc"),
        "involved": _marker("inv"),
        "location": _marker("loc"),
        "reporter name": _marker("name"),
        "reporter contact": _marker("contact"),
        "photo EXIF description": _marker("exif"),
        "photo file name": _marker("file"),
        "reply": _marker("reply"),
        "user agent": USER_AGENT,
        "camera make (EXIF)": CAMERA_MAKE,
        "client address": REPORTER_ADDRESS,
    }
    # Made outside the DEBUG capture: Pillow logs the EXIF it writes, in the test process.
    with caplog.at_level(logging.INFO, logger="PIL"):
        photo = jpeg_with_gps(markers["photo EXIF description"])
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    code = file_report(
        client,
        description=f"Petugas loket meminta uang tambahan {markers['description']} tiap hari.",
        involved=f"Bapak {markers['involved']}, kepala seksi pelayanan",
        location=f"Puskesmas {markers['location']}",
        reporter_name=f"Siti {markers['reporter name']}",
        reporter_contact=f"{markers['reporter contact']}@example.org",
        evidence=(
            io.BytesIO(photo),
            f"foto-{markers['photo file name']}.jpg",
        ),
    )
    cookie_after_filing = _session_cookie(app, client)

    looked_up = open_status(client, code)
    assert looked_up.status_code == 303
    assert code not in looked_up.headers["Location"]
    case_page = client.get("/status/case", environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
    html = case_page.get_data(as_text=True)
    # Positive control: the markers were stored and can be read back with the code.
    assert markers["description"] in html and markers["involved"] in html

    replied = client.post(
        "/status/reply",
        data={"csrf_token": hidden_value(html, "csrf_token"), "message": markers["reply"]},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert replied.status_code == 303
    html = client.get("/status/case", environ_base={"REMOTE_ADDR": REPORTER_ADDRESS}).get_data(
        as_text=True
    )
    assert markers["reply"] in html
    links = re.findall(r'href="(/status/attachment/\d+)"', html)
    assert len(links) == 1

    # The reporter downloads his photo: it is still a picture, with no metadata left.
    download = client.get(links[0], environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
    assert download.status_code == 200
    assert download.mimetype == "image/jpeg"
    photo_bytes = download.get_data()
    assert find_leaks({"downloaded photo": photo_bytes}, markers) == []
    assert b"Exif" not in photo_bytes
    with Image.open(io.BytesIO(photo_bytes)) as photo:
        photo.load()
        assert photo.format == "JPEG"
        assert photo.size == (64, 48)
        exif = photo.getexif()
        assert len(exif) == 0
        assert exif.get_ifd(GPS_IFD) == {}
        assert "exif" not in photo.info

    secrets = {**markers, **code_forms(code)}
    cookies = {
        "session cookie after filing": cookie_after_filing.encode(),
        "session cookie on the status page": _session_cookie(app, client).encode(),
    }
    assert find_leaks(cookies, code_forms(code)) == []

    with database(app).session() as session:
        lookup_id = session.scalars(select(Case.lookup_id)).one()
    # Read while the app is open (SQLite keeps fresh pages in the -wal file) and again
    # once every connection is closed and the WAL is checkpointed into the main file.
    for moment in ("while open", "after closing"):
        if moment == "after closing":
            database(app).dispose()
        stored = {
            **database_bytes(database_url),
            **{f"under tmp: {name}": data for name, data in tree_bytes(tmp_path).items()},
            **_captured_logs(caplog),
        }
        # Positive control: the scan does see stored bytes, in the form the store keeps
        # them (raw in the SQLite file, hex in a pg_dump).
        lookup_forms = (lookup_id, encodings(lookup_id.hex())["utf-8"])
        assert any(form in data for form in lookup_forms for data in stored.values())
        assert b"INSERT INTO case_file" in debug_logs.read_bytes()
        leaks = find_leaks(stored, secrets)
        assert leaks == [], f"{moment}: " + "; ".join(leaks)


# --- On a real server: gunicorn with the shipped config and the access log switched on.

_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
_IPV6 = re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?|\d{4}-\d{2}-\d{2}|\d{2}/\w{3}/\d{4}")
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:\d+ ")
FORWARDED_ADDRESS = "198.51.100.23"


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """A cookie-keeping HTTP client that sends the same identifying headers every time."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.headers = headers
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(
        self, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, str]:
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)  # noqa: S310
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()


@pytest.mark.server
def test_real_server_logs_no_address_agent_code_or_content(
    tmp_path: Path, database_url: str
) -> None:
    marker = _marker("live")
    query_marker = _marker("query")
    referer_marker = _marker("referer")
    instance = tmp_path / "instance"
    env = server_env(instance, database_url, WBS_ACCESS_LOG="1")
    with gunicorn_server(env, tmp_path / "logs") as server:
        browser = Browser(
            server.url,
            {
                "User-Agent": USER_AGENT,
                "Referer": f"https://example.org/{referer_marker}",
                "X-Forwarded-For": FORWARDED_ADDRESS,
            },
        )
        _status, form_page = browser.request("/report")
        body, content_type = _multipart(
            {
                "csrf_token": hidden_value(form_page, "csrf_token"),
                "submission_token": hidden_value(form_page, "submission_token"),
                "category": "pungli",
                "agency": "DINKES",
                "description": f"Petugas meminta uang rujukan {marker} setiap pagi hari.",
                "reporter_name": f"Nama {marker}",
            },
            {"evidence": ("foto.jpg", jpeg_with_gps(marker))},
        )
        status, done_page = browser.request("/report", body, content_type)
        assert status == 201
        match = CODE_PATTERN.search(done_page)
        assert match
        code = match.group(1).replace(" ", "")

        _status, status_page = browser.request(f"/status?ref={query_marker}")
        form = urllib.parse.urlencode(
            {"csrf_token": hidden_value(status_page, "csrf_token"), "tracking_code": code}
        ).encode()
        status, case_page = browser.request("/status", form, "application/x-www-form-urlencoded")
        assert status == 200  # after the 303 to /status/case
        assert marker in case_page

    stdout = server.stdout_log.read_text()
    stderr = server.stderr_log.read_text()
    all_lines = (stdout + stderr).splitlines()
    # The access log is on (positive control): every request we made has its line.
    access_lines = [line for line in all_lines if re.search(r'"(GET|POST) /', line)]
    for expected in ('"GET /report" 200', '"POST /report" 201', '"POST /status" 303'):
        assert any(expected in line for line in access_lines), expected
    for line in access_lines:
        assert not _IPV4.search(line) and not _IPV6.search(line), line
        assert not _TIME_OF_DAY.search(line), line
        assert "?" not in line, line
    # 127.0.0.1 may show only where gunicorn says where it listens, never about a client.
    for line in all_lines:
        if "127.0.0.1" in line:
            assert _LISTENING.search(line), line

    secrets = {
        "marker": marker,
        "query string": query_marker,
        "referer": referer_marker,
        "user agent": USER_AGENT,
        "forwarded address": FORWARDED_ADDRESS,
        **code_forms(code),
    }
    logs = {"gunicorn stdout": stdout.encode(), "gunicorn stderr": stderr.encode()}
    stored = {**database_bytes(database_url), **tree_bytes(instance)}
    assert find_leaks(logs, secrets) == []
    assert find_leaks(stored, {**secrets, "client address": "127.0.0.1"}) == []
