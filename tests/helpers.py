"""Helpers that drive the public pages as a browser would: CSRF tokens come from the page."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

CODE_PATTERN = re.compile(r"<strong>(\d{4} \d{4} \d{4} \d{4})</strong>")
REPORTER_ADDRESS = "203.0.113.77"


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden field {name!r} in the page"
    return match.group(1)


def report_form_data(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    """The report form as a browser would send it: tokens from a fresh GET /report."""
    page = client.get("/report", environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
    html = page.get_data(as_text=True)
    data: dict[str, Any] = {
        "csrf_token": hidden_value(html, "csrf_token"),
        "submission_token": hidden_value(html, "submission_token"),
        "category": "pungli",
        "agency": "DINKES",
        "description": "Petugas loket puskesmas meminta uang tambahan untuk setiap surat rujukan.",
    }
    data.update(fields)
    return data


def post_report(client: FlaskClient, data: dict[str, Any]):  # noqa: ANN201 - a TestResponse
    return client.post(
        "/report",
        data=data,
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )


def file_report(client: FlaskClient, **fields: Any) -> str:
    """File a report through the HTML form; returns the tracking code as 16 digits."""
    response = post_report(client, report_form_data(client, **fields))
    assert response.status_code == 201, response.get_data(as_text=True)
    match = CODE_PATTERN.search(response.get_data(as_text=True))
    assert match, "no tracking code on the confirmation page"
    return match.group(1).replace(" ", "")


def open_status(client: FlaskClient, code: str):  # noqa: ANN201 - a TestResponse
    """Look a code up at /status; on success the client holds a reporter session."""
    page = client.get("/status", environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
    token = hidden_value(page.get_data(as_text=True), "csrf_token")
    return client.post(
        "/status",
        data={"csrf_token": token, "tracking_code": code},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )


def jpeg_bytes(size: tuple[int, int] = (64, 48), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif is not None:
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def jpeg_with_gps(marker: str = "") -> bytes:
    """A JPEG whose EXIF holds a GPS position, camera model and a marker in the description."""
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x010E] = marker or "photo"  # ImageDescription
    exif[0x0132] = "2026:11:20 07:31:12"  # DateTime
    gps = {1: "S", 2: (6.0, 54.0, 30.0), 3: "E", 4: (107.0, 36.0, 12.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    return jpeg_bytes(exif=exif.tobytes())


def post_reply(client: FlaskClient, message: str, evidence: tuple[io.BytesIO, str]):  # noqa: ANN201 - a TestResponse
    """The reporter's reply with one file, from his status page (``client`` is logged
    in by code)."""
    page = client.get("/status/case").get_data(as_text=True)
    return client.post(
        "/status/reply",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "message": message,
            "evidence": evidence,
        },
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )


def reply_with_file(app: Flask, code: str, message: str, evidence: tuple[io.BytesIO, str]) -> None:
    """The reporter opens his case with ``code`` and replies with one file."""
    reporter = app.test_client()
    assert open_status(reporter, code).status_code == 303
    assert post_reply(reporter, message, evidence).status_code == 303
