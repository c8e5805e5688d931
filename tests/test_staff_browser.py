"""An intake officer logs in with TOTP in headless Chromium (JavaScript off) and handles
a citizen's report: enrolment, the queue, the case page, triage and a question that the
reporter then reads on his status page."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest

from tests.live_server import LiveServer, gunicorn_server, server_env
from tests.test_browser import CHROMIUM_ARGS, _label, _record_console_error, _require_chromium
from wbs.demo_data import DEMO_STAFF

pytestmark = [pytest.mark.browser, pytest.mark.server]

MARKER = "PENANDA-PETUGAS-5521"
QUESTION = "Pada tanggal berapa uang itu diminta? PERTANYAAN-8830"
USERNAME, PASSWORD = next((u, p) for u, _n, roles, p, _a in DEMO_STAFF if roles == {"intake"})


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    _require_chromium()
    env = server_env(tmp_path / "instance", database_url)
    with gunicorn_server(env, tmp_path / "logs") as live:
        yield live


def _post_json(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - the loopback test server
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback test server
        return json.loads(response.read())


def test_officer_logs_in_with_totp_and_handles_a_case(server: LiveServer, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    filed = _post_json(
        f"{server.url}/api/v1/reports",
        {
            "category": "pungli",
            "agency": "DPMPTSP",
            "description": f"Petugas meminta uang pelicin untuk izin usaha. {MARKER}",
        },
    )
    code = str(filed["tracking_code"])
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots in {shots}")
    origin = urlsplit(server.url).netloc
    requested: list[str] = []
    console_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(_require_chromium()), args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                java_script_enabled=False, locale="id-ID", timezone_id="Asia/Jakarta"
            )
            context.on("request", lambda request: requested.append(request.url))
            page = context.new_page()
            page.on("console", lambda message: _record_console_error(message, console_errors))

            page.goto(f"{server.url}/admin/cases")
            page.wait_for_url(re.compile(r"/admin/login"))
            page.fill("input[name=username]", USERNAME)
            page.fill("input[name=password]", PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(f"{server.url}/admin/enrol")
            assert page.locator("figure.qr svg").count() == 1
            # Scaled by its viewBox, so CSS sizing never crops the code's edges.
            assert page.locator("figure.qr svg").get_attribute("viewBox")
            box = page.locator("figure.qr svg").bounding_box()
            assert box and abs(box["width"] - box["height"]) < 1
            page.screenshot(path=shots / "1-enrol.png", full_page=True)
            secret = page.locator("code.secret").inner_text().replace(" ", "")
            page.fill("input[name=code]", pyotp.TOTP(secret).now())
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(f"{server.url}/admin/cases")

            row = page.locator("table.data tbody tr").first
            assert "WBS-" in row.inner_text()
            page.screenshot(path=shots / "2-queue.png", full_page=True)
            row.locator("a").first.click()
            page.wait_for_url(re.compile(r"/admin/cases/\d+$"))
            assert MARKER in page.locator("main").inner_text()

            page.locator("form[action$='/acknowledge'] button").click()
            page.wait_for_url(re.compile(r"/admin/cases/\d+$"))
            assert (
                _label("The case is now in triage.") in page.locator(".notice").first.inner_text()
            )
            # <details> opens without JavaScript.
            page.locator("summary", has_text=_label("Ask the reporter a question")).click()
            page.fill("form[action$='/ask'] textarea[name=question]", QUESTION)
            page.locator("form[action$='/ask'] button").click()
            page.wait_for_url(re.compile(r"/admin/cases/\d+$"))
            facts = page.locator("dl.facts").inner_text()
            assert _label("Waiting for the reporter") in facts
            page.screenshot(path=shots / "3-case.png", full_page=True)

            # The reporter, in another browser, reads the question.
            reporter = browser.new_context(java_script_enabled=False, locale="id-ID")
            reporter_page = reporter.new_page()
            reporter_page.goto(f"{server.url}/status")
            reporter_page.fill("input[name=tracking_code]", code)
            reporter_page.locator("form[action='/status'] button[type=submit]").click()
            reporter_page.wait_for_url(f"{server.url}/status/case")
            assert QUESTION in reporter_page.locator("ol.messages").inner_text()
            assert reporter_page.locator(".status-label strong").inner_text().strip() == _label(
                "Waiting for your answer"
            )
            reporter_page.screenshot(path=shots / "4-reporter.png", full_page=True)
            reporter.close()
            context.close()
        finally:
            browser.close()
    foreign = [url for url in requested if urlsplit(url).netloc != origin]
    assert not foreign, foreign
    assert not console_errors, console_errors
