"""Issue 6, "Hostile input": markup and script stored in every text field are inert on
every page that shows them, proved in headless Chromium with JavaScript ON.

Each field holds the same payload behind its own label: a script element, image and
SVG event handlers, an attribute break-out, a ``javascript:`` link, an ``alert`` and
a template expression. The pages are read twice:

- with the Content-Security-Policy bypassed, so that only the templates' escaping
  stands between the payload and the browser: no script may run (``window.__pwned``
  stays undefined, no dialog opens), no element may come out of the payload, and the
  payload must be on the page as text;
- with the CSP enforced, as users get it: the console must show no CSP violation
  (a violation would mean the page tried to run or load something).

Without /usr/bin/chromium the test is skipped, unless WBS_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from tests.live_server import LiveServer, gunicorn_server, server_env
from tests.test_browser import CHROMIUM_ARGS, _require_chromium
from wbs.db import Database
from wbs.demo_data import DEMO_ADMIN, DEMO_STAFF
from wbs.models import Agency, Category, Holiday, Indicator, PerformanceNode, Staff
from wbs.settings import normalise_database_url

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

pytestmark = [pytest.mark.browser, pytest.mark.server]

SAKIP_USER, SAKIP_PASSWORD = next(
    (u, p) for u, _n, roles, p, _a in DEMO_STAFF if roles == {"sakip"}
)

PAYLOAD = (
    "<script>window.__pwned=1</script>"
    '<img src=x onerror="window.__pwned=1;alert(1)">'
    '"><svg onload=window.__pwned=1>'
    '\'><a href="javascript:window.__pwned=1">klik</a>{{7*7}}'
)
# The label each field carries before the payload, so that a page can be checked for
# exactly the fields it shows.
LABELS = (
    "URAIAN",
    "TERLAPOR",
    "LOKASI",
    "NAMA-PELAPOR",
    "KONTAK-PELAPOR",
    "BALASAN-PELAPOR",
    "CATATAN-PETUGAS",
    "PESAN-PETUGAS",
    "NAMA-PEMERIKSA",
    "NAMA-ADMIN",
    "NAMA-OPD",
    "KEPALA-OPD",
    "KATEGORI-ID",
    "KATEGORI-EN",
    "SASARAN",
    "INDIKATOR",
    "LIBUR",
)


def marked(label: str) -> str:
    return f"{label} {PAYLOAD}"


# Elements and attributes that exist only if some payload became markup.
INJECTED = (
    'script:not([src]), img[src="x"], svg[onload], [onerror], [onload], '
    'a[href^="javascript:" i], a[href^=" javascript:" i]'
)
FILE_NAME = '<svg onload="window.__pwned=1">bukti.txt'


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[tuple[LiveServer, str]]:
    _require_chromium()
    env = server_env(tmp_path / "instance", database_url)
    with gunicorn_server(env, tmp_path / "logs") as live:
        yield live, database_url


def _post_json(url: str, body: dict[str, object]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the loopback test server
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback test server
        return json.loads(response.read())


def _store_names(database_url: str) -> dict[str, int]:
    """Markup in the plain-text names an admin or SAKIP officer maintains: written
    straight to the database, as any form that accepted it would."""
    database = Database(normalise_database_url(database_url))
    try:
        with database.session() as session:
            node = session.scalars(
                select(PerformanceNode)
                .where(PerformanceNode.agency_id.is_not(None))
                .order_by(PerformanceNode.id)
            ).first()
            assert node is not None and node.agency_id is not None, "no demo SAKIP tree"
            node.name = marked("SASARAN")
            indicator = session.scalars(
                select(Indicator).where(Indicator.node_id == node.id).order_by(Indicator.id)
            ).first()
            if indicator is None:
                indicator = session.scalars(
                    select(Indicator)
                    .join(PerformanceNode, Indicator.node_id == PerformanceNode.id)
                    .where(PerformanceNode.agency_id == node.agency_id)
                    .order_by(Indicator.id)
                ).first()
            assert indicator is not None, "no demo indicator"
            indicator.name = marked("INDIKATOR")
            agency = session.get_one(Agency, node.agency_id)
            agency.name = marked("NAMA-OPD")
            agency.head_name = marked("KEPALA-OPD")
            category = session.scalars(select(Category).where(Category.code == "pungli")).one()
            category.name_id = marked("KATEGORI-ID")
            category.name_en = marked("KATEGORI-EN")
            staff = {s.username: s for s in session.scalars(select(Staff))}
            staff["pemeriksa"].display_name = marked("NAMA-PEMERIKSA")
            staff[DEMO_ADMIN[0]].display_name = marked("NAMA-ADMIN")
            holiday_day = date(date.today().year, 12, 30)
            existing = session.get(Holiday, holiday_day)
            if existing is None:
                session.add(Holiday(day=holiday_day, name=marked("LIBUR")))
            else:
                existing.name = marked("LIBUR")
            session.flush()
            return {
                "agency": agency.id,
                "agency_code": agency.code,  # type: ignore[dict-item]
                "node": node.id,
                "indicator": indicator.id,
                "pemeriksa": staff["pemeriksa"].id,
            }
    finally:
        database.dispose()


class Watcher:
    """What a page did: dialogs opened and console messages, per page."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.console: list[str] = []

    def attach(self, page: Page) -> None:
        page.on("dialog", self._dialog)
        page.on("console", self._console)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} at {dialog.page.url}")
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text} at {message.location.get('url')}")

    def csp_violations(self) -> list[str]:
        return [
            line
            for line in self.console
            if "Content Security Policy" in line or "Content-Security-Policy" in line
        ]


def _submit(page: Page, action_suffix: str, fields: dict[str, str]) -> None:
    """Fill and send the case-page form whose action ends with ``action_suffix`` (the
    action forms sit in closed <details>; the values go in the way typing would)."""
    with page.expect_navigation():
        page.evaluate(
            """([suffix, fields]) => {
                const form = [...document.querySelectorAll('form')]
                    .find(f => f.getAttribute('action').endsWith(suffix));
                if (!form) throw new Error('no form ' + suffix);
                for (const [name, value] of Object.entries(fields)) {
                    form.querySelector(`[name="${name}"]`).value = value;
                }
                form.requestSubmit();
            }""",
            [action_suffix, fields],
        )


def _login(page: Page, base: str, username: str, password: str) -> None:
    """A first login: password, then TOTP enrolment with the secret the page shows."""
    import pyotp

    page.goto(f"{base}/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/enrol")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/enrol" not in page.url and "/login" not in page.url, page.url


def _inspect(page: Page, url: str) -> dict[str, Any]:
    response = page.goto(url, wait_until="load")
    assert response is not None
    found: dict[str, Any] = page.evaluate(
        """(injected) => ({
            pwned: typeof window.__pwned !== 'undefined',
            injected: [...document.querySelectorAll(injected)].map(e => e.outerHTML.slice(0, 120)),
            // What the reader sees: the text, and the values of form fields (an edit
            // form shows a stored name as the value of its input).
            text: document.documentElement.textContent + ' ' +
                [...document.querySelectorAll('input, textarea')].map(e => e.value).join(' '),
        })""",
        INJECTED,
    )
    found["status"] = response.status
    return found


def _pages(base: str, ids: dict[str, int], case_id: int) -> dict[str, list[str]]:
    """Staff page → the labels it must show as text."""
    agency = ids["agency"]
    report = ["URAIAN", "TERLAPOR", "LOKASI", "NAMA-PELAPOR", "KONTAK-PELAPOR"]
    return {
        f"{base}/admin/cases": ["NAMA-OPD"],
        f"{base}/admin/cases/{case_id}": [
            *report,
            "BALASAN-PELAPOR",
            "CATATAN-PETUGAS",
            "PESAN-PETUGAS",
            "NAMA-OPD",
            "NAMA-ADMIN",
            "FILE",
        ],
        f"{base}/admin/cases/{case_id}/audit": ["NAMA-ADMIN"],
        f"{base}/admin/audit": ["NAMA-ADMIN"],
        f"{base}/admin/staff": ["NAMA-PEMERIKSA", "NAMA-ADMIN"],
        f"{base}/admin/staff/{ids['pemeriksa']}": ["NAMA-PEMERIKSA"],
        f"{base}/admin/agencies": ["NAMA-OPD"],
        f"{base}/admin/agencies/{agency}": ["NAMA-OPD"],
        f"{base}/admin/categories": ["KATEGORI-ID"],
        f"{base}/admin/holidays": ["LIBUR"],
        f"{base}/admin/dashboard": ["NAMA-OPD"],
        f"{base}/admin/account": ["NAMA-ADMIN"],
        f"{base}/sakip/": ["NAMA-OPD"],
        f"{base}/sakip/agencies/{agency}": ["NAMA-OPD", "SASARAN", "INDIKATOR"],
        f"{base}/sakip/agencies/{agency}/monitoring": ["NAMA-OPD"],
        f"{base}/sakip/ranking": ["NAMA-OPD"],
        f"{base}/sakip/integrity": ["NAMA-OPD"],
        f"{base}/sakip/monitoring/ranking": ["NAMA-OPD"],
        f"{base}/sakip/evaluations": ["NAMA-OPD"],
    }


def _sakip_officer_pages(base: str, ids: dict[str, int]) -> dict[str, list[str]]:
    """The editing pages, which only a SAKIP officer (or the agency's staff) opens."""
    node, indicator = ids["node"], ids["indicator"]
    return {
        f"{base}/sakip/nodes/{node}": ["SASARAN"],
        f"{base}/sakip/indicators/{indicator}": ["INDIKATOR"],
        f"{base}/sakip/indicators/{indicator}/targets": ["INDIKATOR"],
        f"{base}/sakip/agencies/{ids['agency']}": ["NAMA-OPD", "SASARAN", "INDIKATOR"],
    }


def _public_pages(base: str) -> dict[str, list[str]]:
    return {
        f"{base}/status/case": [
            "URAIAN",
            "BALASAN-PELAPOR",
            "PESAN-PETUGAS",
            "NAMA-OPD",
            "FILE",
        ],
        f"{base}/report": ["NAMA-OPD", "KATEGORI-ID"],
        f"{base}/transparency": [],
    }


def _check(
    context: BrowserContext, watcher: Watcher, pages: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Open every page; return the problems found, per page (empty when all is well)."""
    problems: dict[str, list[str]] = {}
    page = context.new_page()
    watcher.attach(page)
    for url, labels in pages.items():
        found = _inspect(page, url)
        trouble = [] if found["status"] == 200 else [f"HTTP {found['status']}"]
        if found["pwned"]:
            trouble.append("window.__pwned is set: a payload ran")
        if found["injected"]:
            trouble.append(f"elements from a payload: {found['injected']}")
        for label in labels:
            # The payload, read back as the text of the page: escaped, not stripped,
            # not escaped twice (a template expression is not evaluated either). A
            # page that shortens long names shows at least the start of it.
            whole, start = (
                (FILE_NAME, FILE_NAME) if label == "FILE" else (marked(label), f"{label} <script>")
            )
            if whole not in found["text"] and start not in found["text"]:
                trouble.append(f"{label} not shown as text")
        if "&lt;script" in found["text"]:
            trouble.append("escaped twice")
        if trouble:
            problems[url] = trouble
    page.close()
    return problems


def test_stored_markup_is_inert_on_every_page_that_shows_it(
    server: tuple[LiveServer, str], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    live, database_url = server
    base = live.url
    ids = _store_names(database_url)
    filed = _post_json(
        f"{base}/api/v1/reports",
        {
            "category": "pungli",
            "agency": ids["agency_code"],
            "description": marked("URAIAN"),
            "involved": marked("TERLAPOR"),
            "location": marked("LOKASI")[:500],
            "reporter_name": marked("NAMA-PELAPOR"),
            "reporter_contact": marked("KONTAK-PELAPOR"),
        },
    )
    code = str(filed["tracking_code"])
    watcher = Watcher()
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path=str(_require_chromium()), args=CHROMIUM_ARGS
        )
        try:
            staff = browser.new_context(bypass_csp=True, locale="id-ID")
            reporter = browser.new_context(bypass_csp=True, locale="id-ID")

            # The detector itself: an unescaped payload does set the flag and open a
            # dialog, so a page that ran one could not pass.
            probe = staff.new_page()
            probe_watch = Watcher()
            probe_watch.attach(probe)
            probe.set_content(f"<p>{PAYLOAD}</p>")
            probe.wait_for_function("window.__pwned === 1")
            assert probe_watch.dialogs, "the probe payload opened no dialog"
            probe.close()

            admin = staff.new_page()
            watcher.attach(admin)
            _login(admin, base, *DEMO_ADMIN)
            admin.goto(f"{base}/admin/cases")
            admin.locator("table.data tbody tr a").first.click()
            admin.wait_for_url(re.compile(r"/admin/cases/\d+$"))
            case_id = int(admin.url.rsplit("/", 1)[1])
            _submit(admin, "/acknowledge", {})
            _submit(admin, "/note", {"note": marked("CATATAN-PETUGAS")})
            _submit(admin, "/message", {"message": marked("PESAN-PETUGAS")})
            admin.close()

            page = reporter.new_page()
            watcher.attach(page)
            page.goto(f"{base}/status")
            page.fill("input[name=tracking_code]", code)
            page.locator("form[action='/status'] button[type=submit]").click()
            page.wait_for_url(f"{base}/status/case")
            page.fill("textarea[name=message]", marked("BALASAN-PELAPOR"))
            page.set_input_files(
                "input[name=evidence]",
                files=[{"name": FILE_NAME, "mimeType": "text/plain", "buffer": b"bukti"}],
            )
            page.locator("form[action='/status/reply'] button[type=submit]").click()
            page.wait_for_url(f"{base}/status/case")
            page.close()

            sakip = browser.new_context(bypass_csp=True, locale="id-ID")
            page = sakip.new_page()
            watcher.attach(page)
            _login(page, base, SAKIP_USER, SAKIP_PASSWORD)
            page.close()

            staff_pages = _pages(base, ids, case_id)
            sakip_pages = _sakip_officer_pages(base, ids)
            public_pages = _public_pages(base)
            problems = _check(staff, watcher, staff_pages)
            problems.update(_check(sakip, watcher, sakip_pages))
            problems.update(_check(reporter, watcher, public_pages))
            assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
            assert watcher.dialogs == []

            # The same pages as users get them, CSP enforced: no violation reported.
            enforced = Watcher()
            for old, pages in (
                (staff, staff_pages),
                (sakip, sakip_pages),
                (reporter, public_pages),
            ):
                context = browser.new_context(storage_state=old.storage_state(), locale="id-ID")
                _check(context, enforced, pages)
                context.close()
            violations = enforced.csp_violations()
            print(f"CSP violations: {violations}")
            assert violations == [], violations
            assert enforced.dialogs == []
            for context in (staff, sakip, reporter):
                context.close()
        finally:
            browser.close()
