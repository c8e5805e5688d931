"""Accessibility and page weight (issue 6): on every public page and the main staff pages
of a live demo server, axe-core (in headless Chromium) finds no serious or critical
violation and the Nu HTML checker (vnu) no error; each public page, with everything it
loads, stays under 100 KB transferred.

The pages are walked by bench/accessibility.py (also ``python -m bench accessibility``):
a reporter files a report and follows it, in Bahasa Indonesia and in English, then the
demo supervisor, leader, admin and SAKIP officer open their pages. Skipped without
/usr/bin/chromium (or Java for vnu), unless WBS_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.accessibility import (
    CHROMIUM_ARGS,
    PUBLIC_PAGE_BUDGET,
    PageResult,
    audit_site,
    describe,
    run_axe,
    run_vnu,
    table,
)
from tests.live_server import LiveServer, gunicorn_server, server_env
from tests.test_browser import _require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.server]

# Pages the walk must reach: the issue names them.
PUBLIC_PAGES = {
    "home",
    "report form",
    "report form, errors",
    "report filed",
    "status form",
    "status form, errors",
    "status result",
    "transparency",
    "not found",
}
STAFF_PAGES = {
    "staff login",
    "case queue",
    "case page",
    "dashboard",
    "staff list",
    "sakip home",
    "sakip agency",
    "sakip tree",
    "sakip monitoring",
    "sakip evaluation",
    "sakip ranking",
    "sakip integrity",
    "kinerja month",
    "kinerja day",
    "kinerja review day",
    "kinerja agency month",
    "kinerja people",
}


def _require_java() -> None:
    if shutil.which("java"):
        return
    reason = "java is missing: vnu.jar needs a Java runtime (apt-get install default-jre-headless)"
    if os.environ.get("WBS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"WBS_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Path:
    path = _require_chromium()
    _require_java()
    return path


@pytest.fixture
def server(chromium: Path, tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    env = server_env(tmp_path / "instance", database_url)
    with gunicorn_server(env, tmp_path / "logs") as live:
        yield live


def test_every_page_is_accessible_valid_and_light(chromium: Path, server: LiveServer) -> None:
    results = audit_site(server.url, chromium)
    print(table(results))

    names = {result.name for result in results}
    english = {f"en:{name}" for name in PUBLIC_PAGES}
    assert PUBLIC_PAGES | english | STAFF_PAGES <= names, sorted(
        (PUBLIC_PAGES | english | STAFF_PAGES) - names
    )
    assert all(result.public for result in results if result.name in PUBLIC_PAGES | english)
    # The English pages really are English, the others Indonesian.
    for result in results:
        lang = "en" if result.name.startswith("en:") else "id"
        assert f'<html lang="{lang}"'.encode() in result.html, result.name
    # Every public page loads its style sheet, so its weight counts it.
    for result in results:
        if result.public:
            assert any(url.startswith("/static/style.css") for url, _ in result.resources)

    failing = [r for r in results if r.blocking or r.vnu or r.over_budget]
    assert not failing, "\n\n".join(describe(result) for result in failing)
    assert max(r.transferred for r in results if r.public) < PUBLIC_PAGE_BUDGET


def test_the_checks_see_a_broken_page(chromium: Path) -> None:
    """The same checks, on a page with known faults, do report them: a passing audit
    means something."""
    from playwright.sync_api import sync_playwright

    broken = (
        "<!doctype html><html><head><title>x</title></head><body>"
        '<img src="data:,"><p id="a">1</p><p id="a">2</p>'
        '<input type="text" name="q"><p style="color:#ddd;background:#fff">pale</p>'
        "</body></html>"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(broken)
            violations = run_axe(page)
        finally:
            browser.close()
    result = PageResult(
        name="broken",
        path="/broken",
        public=True,
        html=broken.encode(),
        transferred=PUBLIC_PAGE_BUDGET,
        resources=[("/broken", PUBLIC_PAGE_BUDGET)],
        axe=violations,
    )
    run_vnu([result])

    found = {item["id"] for item in result.blocking}
    assert {"image-alt", "label", "color-contrast", "html-has-lang"} <= found, found
    assert any("Duplicate ID" in error for error in result.vnu), result.vnu
    assert result.over_budget
    report = describe(result)
    assert "image-alt" in report and "Duplicate ID" in report and "/broken" in report
