"""A citizen files a report in headless Chromium with JavaScript off, then follows it.

The browser is Debian's system ``chromium`` driven by Playwright (never a downloaded
browser). Without /usr/bin/chromium the test is skipped, unless WBS_REQUIRE_BROWSER=1
(CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from babel.support import Translations

from tests.helpers import jpeg_bytes
from tests.live_server import REPO, LiveServer, gunicorn_server, server_env

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GROUPED_CODE = re.compile(r"^\d{4} \d{4} \d{4} \d{4}$")
DESCRIPTION = (
    "Petugas loket perizinan meminta uang pelicin Rp500.000 agar izin usaha diproses "
    "lebih cepat. PENANDA-BROWSER-7731"
)
LOCATION = "Mal Pelayanan Publik, loket 3"
INCIDENT_DATE = "2025-03-14"
REPLY = "Saya punya foto kuitansi tanpa kop. PENANDA-BALASAN-4410"


def _require_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    reason = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
    if os.environ.get("WBS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"WBS_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _label(msgid: str) -> str:
    """A message as the server shows it in the default language (Bahasa Indonesia)."""
    translations = Translations.load(str(REPO / "wbs" / "translations"), ["id"])
    return translations.gettext(msgid)


def _record_console_error(message: ConsoleMessage, errors: list[str]) -> None:
    """Keep console errors (a CSP violation is one), except the browser's own favicon
    probe: the site has no icon, and that 404 is not something the page asked for."""
    if message.type != "error":
        return
    if urlsplit(message.location.get("url", "")).path == "/favicon.ico":
        return
    errors.append(f"{message.text} at {message.location.get('url')}")


@pytest.fixture
def chromium() -> Path:
    """The system browser; checked before any server is started for nothing."""
    return _require_chromium()


@pytest.fixture
def server(chromium: Path, tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    env = server_env(tmp_path / "instance", database_url)
    with gunicorn_server(env, tmp_path / "logs") as live:
        yield live


def test_report_filed_with_javascript_off_and_followed_with_its_code(
    chromium: Path, server: LiveServer, tmp_path: Path
) -> None:
    # Imported here, so that collecting the suite never needs Playwright.
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots in {shots}")
    origin = urlsplit(server.url).netloc
    requested: list[str] = []
    console_errors: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            # A reporter's browser in Indonesia, with JavaScript switched off.
            context = browser.new_context(
                java_script_enabled=False, locale="id-ID", timezone_id="Asia/Jakarta"
            )
            # Every request of every page of this browser, form posts and styles included.
            context.on("request", lambda request: requested.append(request.url))
            page = context.new_page()
            page.on("console", lambda message: _record_console_error(message, console_errors))

            page.goto(f"{server.url}/")
            assert page.locator("html").get_attribute("lang") == "id"
            page.locator("main a[href='/report']").first.click()
            page.wait_for_url(f"{server.url}/report")

            page.select_option("select[name=category]", "pungli")
            page.select_option("select[name=agency]", "DINKES")
            page.fill("textarea[name=description]", DESCRIPTION)
            page.fill("input[name=location]", LOCATION)
            page.fill("input[name=incident_from]", INCIDENT_DATE)
            page.set_input_files(
                "input[name=evidence]",
                files=[{"name": "kuitansi.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
            )
            page.screenshot(path=shots / "1-report-form.png", full_page=True)
            page.locator("form[action='/report'] button[type=submit]").click()

            code_text = page.locator("p.code strong").inner_text().strip()
            assert GROUPED_CODE.match(code_text), code_text
            page.screenshot(path=shots / "2-confirmation.png", full_page=True)

            page.locator("main a[href='/status']").first.click()
            page.wait_for_url(f"{server.url}/status")
            page.fill("input[name=tracking_code]", code_text)
            page.locator("form[action='/status'] button[type=submit]").click()
            page.wait_for_url(f"{server.url}/status/case")

            assert page.locator(".status-label strong").inner_text().strip() == _label("Received")
            # <details> opens without JavaScript: what the reporter wrote is there.
            page.locator("details summary").click()
            assert DESCRIPTION in page.locator("dl.report").inner_text()
            assert LOCATION in page.locator("dl.report").inner_text()
            # The incident date (14 March 2025), in whatever form the locale writes it.
            assert "2025" in page.locator("dl.report").inner_text()
            assert "kuitansi.jpg" in page.locator("main").inner_text()
            page.screenshot(path=shots / "3-status.png", full_page=True)

            page.fill("textarea[name=message]", REPLY)
            page.locator("form[action='/status/reply'] button[type=submit]").click()
            page.wait_for_url(f"{server.url}/status/case")
            messages = page.locator("ol.messages").inner_text()
            assert REPLY in messages
            assert _label("You") in messages
            page.screenshot(path=shots / "4-status-after-reply.png", full_page=True)
            context.close()
        finally:
            browser.close()

    foreign = [url for url in requested if urlsplit(url).netloc != origin]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert any(url.endswith("/static/style.css") for url in requested)
    # A Content-Security-Policy violation shows up as a console error.
    assert not console_errors, console_errors
    for name in ("1-report-form", "2-confirmation", "3-status", "4-status-after-reply"):
        assert (shots / f"{name}.png").stat().st_size > 0
