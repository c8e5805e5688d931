"""A citizen files a report through the HTML form and follows it with his code."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from tests.helpers import (
    REPORTER_ADDRESS,
    file_report,
    hidden_value,
    jpeg_bytes,
    open_status,
    post_report,
    report_form_data,
)
from wbs.app_context import database
from wbs.models import Case


def _case_count(app) -> int:  # noqa: ANN001
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def test_filed_report_opens_with_its_code(app, client):  # noqa: ANN001
    code = file_report(
        client, description="Kepala bidang meminta setoran dari setiap rekanan proyek jalan."
    )
    assert len(code) == 16
    response = open_status(client, code)
    assert response.status_code == 303
    page = client.get("/status/case").get_data(as_text=True)
    assert "Kepala bidang meminta setoran" in page


def test_same_form_sent_twice_files_one_report_and_shows_same_code(app, client):  # noqa: ANN001
    data = report_form_data(client)
    first = post_report(client, dict(data))
    second = post_report(client, dict(data))
    assert first.status_code == 201
    assert second.status_code == 200
    code_first = re.search(r"<strong>([\d ]{19})</strong>", first.get_data(as_text=True))
    code_second = re.search(r"<strong>([\d ]{19})</strong>", second.get_data(as_text=True))
    assert code_first and code_second and code_first.group(1) == code_second.group(1)
    assert _case_count(app) == 1


def test_validation_error_keeps_typed_text_and_asks_for_files_again(app, client):  # noqa: ANN001
    data = report_form_data(
        client,
        description="terlalu pendek",
        location="Kantor Kecamatan Utara MARKER-LOC",
        evidence=(io.BytesIO(jpeg_bytes()), "bukti-foto.jpg"),
    )
    response = post_report(client, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Kantor Kecamatan Utara MARKER-LOC" in page
    assert "terlalu pendek" in page
    assert "bukti-foto.jpg" in page  # named in the "choose them again" notice
    assert _case_count(app) == 0


def test_reporter_reply_is_shown_on_status_page(client):  # noqa: ANN001
    code = file_report(client)
    open_status(client, code)
    page = client.get("/status/case").get_data(as_text=True)
    token = hidden_value(page, "csrf_token")
    response = client.post(
        "/status/reply",
        data={"csrf_token": token, "message": "Kejadian berulang setiap Senin pagi."},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 303
    assert "Kejadian berulang setiap Senin pagi." in client.get("/status/case").get_data(
        as_text=True
    )
