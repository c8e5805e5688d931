"""The machinery of tests/test_fuzz_forms.py (issue 6, "Hostile input"): a small world
to fuzz, a crawler that finds every form and every link value, hostile values, and the
checks every answer must pass.

The plan is derived from the app itself: each route of ``app.url_map`` is fuzzed with
the path values found on its pages' links and form actions, and with the fields of the
forms that post to it. A route whose path values or form the crawl cannot find, and
that no explicit entry below describes, fails the coverage check, so a new route never
goes unfuzzed silently.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response as BaseResponse

from tests.helpers import REPORTER_ADDRESS, file_report, jpeg_bytes, open_status
from tests.sakip_helpers import build_tree
from tests.staff_helpers import STAFF_PASSWORD, create_officer, login
from wbs import staff_sessions
from wbs.api.views import REPORT_FIELDS
from wbs.api_tokens import create_token
from wbs.app_context import database
from wbs.installation import InitResult, now_utc
from wbs.models import (
    ActivityEntry,
    ActivityPlan,
    AgencyYear,
    AsnProfile,
    EvaluationFinding,
    Holiday,
    Indicator,
    IndicatorValue,
    PerformanceNode,
    ProcurementPackage,
    RiskEntry,
    SakipEvaluation,
    Staff,
    StaffSession,
)

# Every role but the agency accounts' (those are limited to one agency): the fuzzing
# account passes every role check and reaches the code behind it.
FUZZER_ROLES = {"admin", "intake", "investigator", "supervisor", "leadership", "sakip", "asn"}
YEAR = 2026
# Pages of the app's own layout (templates/base.html) carry this.
LAYOUT_MARKER = '<header class="site">'
# Which logged-in state each route is fuzzed from; everything else under /admin/,
# /sakip/ and /kinerja/ from a complete staff login, the rest (public pages, API,
# static) anonymously with a reporter session.
STAGE_ENDPOINTS = {
    "admin.login_code": "totp",
    "admin.enrol": "enrol",
    "admin.change_password": "password",
}
ANONYMOUS_ENDPOINTS = {"admin.login"}
# JSON bodies of the API: explicit, since no HTML form posts there.
API_FIELDS = {
    # The fields the API itself reads, so that a new one is fuzzed too.
    "api.create_report": REPORT_FIELDS,
    "api.report_status": ("tracking_code",),
}
API_QUERY = {"api.stats": ("period", "from", "until", "agency", "category")}
# Query parameters some GET pages read that no GET form of theirs names (a "next"
# address, a page number, the sort of a list), fuzzed on every GET route anyway.
COMMON_QUERY = ("next", "page", "sort", "q", "year", "period", "status", "lang")


# --- hostile values ------------------------------------------------------------------------

_SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "x\r\nSet-Cookie: a=b",
    "/\r\nSet-Cookie: a=b",
    "/admin/\r\nLocation: //evil.example/",
    "/sakip/\x00",
    "\u202e\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\ufeff",
    "\U0001f4a9" * 50,
    "\u0660\u0661\u0662",  # Arabic-Indic digits: str.isdigit() is True
    "\u00b2\u00b3",  # superscripts: isdigit() True, int() refuses them
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    '"; DROP TABLE staff; --',
    "{{ 7 * 7 }}",
    "%s%s%n",
    "%(name)s",
    "../../../../etc/passwd",
    "//evil.example/",
    "/\\evil.example/",
    "javascript:alert(1)",
    "-1",
    "0",
    "-0",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "1_000",
    "0x1F",
    "9" * 40,
    "-" + "9" * 30,
    "12345678901234567890.123456789",
    "0.0000000001",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-13-01",
    "2026-Q5",
    "2026-Q0",
    "2026-00",
    "99999",
    "all",
    "on",
    "true",
    "null",
    "[]",
    "{}",
]


def hostile_text() -> st.SearchStrategy[str]:
    """Text no browser would send: control characters, NUL, odd Unicode, numbers out of
    any range, broken dates, injection strings and, now and then, a huge value."""
    return st.one_of(
        st.sampled_from(_SPECIAL),
        st.text(max_size=40),
        # Paths of this site with anything after them: "next" addresses, redirects.
        st.builds(
            lambda prefix, rest: prefix + rest,
            st.sampled_from(["/", "/admin/", "/sakip/", "//", "/\\"]),
            st.text(max_size=20),
        ),
        st.text(
            alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn"]),
            max_size=20,
        ),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
        st.dates(min_value=date(1, 1, 1)).map(lambda day: day.isoformat()),
        st.integers(min_value=1_000, max_value=300_000).map(lambda n: "A" * n),
        st.integers(min_value=100, max_value=5_000).map(lambda n: "\U0001f4a9\x00\u202e" * n),
    )


def hostile_int() -> st.SearchStrategy[int]:
    return st.one_of(
        st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]),
        st.integers(min_value=0, max_value=2**80),
    )


_JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text(),
)


def hostile_json() -> st.SearchStrategy[Any]:
    return st.recursive(
        _JSON_SCALAR,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children)
        ),
        max_leaves=8,
    )


# Bodies no JSON encoder writes: broken, NaN, deep nesting, not UTF-8.
_RAW_JSON_BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"text"',
    b'{"tracking_code": NaN}',
    b'{"description": 1e999}',
    b"\xff\xfe{}",
    b'{"a": "\xed\xa0\x80"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"tracking_code": "1", "tracking_code": ["2"]}',
]


# --- the world the fuzzer runs in ------------------------------------------------------------


@dataclass
class Account:
    """A test client in one logged-in state, with its CSRF token."""

    client: FlaskClient
    kind: str  # "anonymous", "staff", or a pending stage: "totp", "enrol", "password"
    staff_id: int | None = None
    cookie: str | None = None
    csrf: str = ""
    csrf_secret: str | None = None
    token_page: str = "/status"


@dataclass
class World:
    app: Flask
    init_result: InitResult
    tracking_code: str
    api_token: str
    fuzzer_id: int
    stager_id: int
    agency_id: int
    accounts: dict[str, Account] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    sent: int = 0


def _seed_sakip(app: Flask, fuzzer_id: int) -> int:
    """One of each SAKIP object a route takes an id of, so the crawl finds their pages;
    returns the agency they belong to."""
    ids = build_tree(app)
    now = now_utc().replace(tzinfo=None)
    with database(app).session() as session:
        agency = ids["agency"]
        session.add(AgencyYear(agency_id=agency, year=YEAR, budget_ceiling=Decimal(10**9)))
        session.add(
            ProcurementPackage(
                agency_id=agency,
                year=YEAR,
                name="Pembangunan Puskesmas",
                value=Decimal(2_500_000_000),
                stage="pelaksanaan",
                stage_on=date(YEAR, 2, 1),
                planned_finish=date(YEAR, 9, 30),
                updated_at=now,
            )
        )
        session.add(
            RiskEntry(
                agency_id=agency,
                year=YEAR,
                risk="Target imunisasi tidak tercapai",
                likelihood=3,
                impact=4,
                updated_at=now,
            )
        )
        evaluation = SakipEvaluation(
            agency_id=agency,
            year=YEAR,
            template="88/2021",
            evaluator="inspektorat",
            updated_at=now,
            updated_by_id=fuzzer_id,
        )
        session.add(evaluation)
        session.flush()
        session.add(
            EvaluationFinding(
                evaluation_id=evaluation.id,
                finding="Indikator kinerja belum terukur",
                updated_at=now,
            )
        )
        # A final evaluation of another year, which only a reopen form posts to.
        session.add(
            SakipEvaluation(
                agency_id=agency,
                year=YEAR - 1,
                template="88/2021",
                evaluator="inspektorat",
                status="final",
                score=Decimal("71.50"),
                predicate="BB",
                updated_at=now,
                updated_by_id=fuzzer_id,
            )
        )
        session.add(Holiday(day=date(YEAR, 8, 17), name="Hari Kemerdekaan"))
        # The Pemda's own tree, and a retired node and indicator (reactivate forms).
        pemda = PerformanceNode(agency_id=None, level="tujuan", code="T.1", name="Tujuan")
        retired = PerformanceNode(
            agency_id=agency, level="sasaran", code="S.9", name="Lama", active=False
        )
        session.add_all([pemda, retired])
        session.flush()
        for node, active in ((pemda, True), (retired, False), (pemda, False)):
            indicator = Indicator(
                node_id=node.id, name="IKU", unit="%", polarity="higher", active=active
            )
            session.add(indicator)
            session.flush()
            session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    year=YEAR,
                    period="Y",
                    target=Decimal(90),
                    updated_at=now,
                )
            )
    return agency


def _seed_kinerja(app: Flask, init_result: InitResult, fuzzer_id: int, agency: int) -> None:
    """e-Kinerja: the fuzzer is an ASN with a plan and a day of his own (entry forms),
    and the atasan of another ASN whose submitted day carries a photo (review forms)."""
    from wbs.kinerja import entries, photo_store
    from wbs.kinerja.photo_evidence import EvidenceRules

    staff_id = create_officer(app, init_result, "pegawai", {"asn"})
    now = now_utc()
    today = now.date()
    with database(app).session() as session:
        fuzzer = AsnProfile(staff_id=fuzzer_id, agency_id=agency, field_officer=True)
        other = AsnProfile(staff_id=staff_id, agency_id=agency, supervisor_id=fuzzer_id)
        session.add_all([fuzzer, other])
        session.add(
            ActivityPlan(
                staff_id=fuzzer_id,
                year=today.year,
                month=today.month,
                target_key="",
                unit="dokumen",
                planned=Decimal(10),
                updated_at=now.replace(tzinfo=None),
            )
        )
        session.flush()
        fields = entries.EntryFields(
            activity="Memeriksa pekerjaan jembatan", quantity="1", unit="laporan"
        )
        for profile in (fuzzer, other):
            entry = entries.add_entry(session, profile, today, fields, [], today, now)
            photo_store.store_photo(
                session, entry, _jpeg(), "jembatan.jpg", EvidenceRules(), 40_000_000, now
            )


def _start_session(world: World, account: Account) -> None:
    """A server-side staff session at ``account.kind``'s stage, as login would leave it."""
    app = world.app
    stage = "active" if account.kind == "staff" else account.kind
    private = world.init_result.unit_private_key if stage == "active" else None
    with database(app).session() as session:
        staff = session.get(Staff, account.staff_id)
        assert staff is not None
        staff.active = True
        staff.locked_until = None
        staff.failed_logins = 0
        opened = staff_sessions.start(
            session,
            staff.id,
            stage,
            private,
            now_utc(),
            timedelta(hours=12),
        )
        cookie = opened.token.encode()
    account.client.set_cookie("wbs_staff", cookie, path="/")
    account.cookie = cookie


def build_world(app: Flask, init_result: InitResult) -> World:
    """Reference data, a SAKIP tree, a case with an attachment and a reporter reply, a
    fuzzing account with every staff role, a victim account the staff routes act on, an
    account with TOTP for the pending login stages, and an API token."""
    fuzzer_id = create_officer(app, init_result, "fuzzer", FUZZER_ROLES)
    create_officer(app, init_result, "victim", {"investigator"})
    # Without a unit key wrap (a grant form) and disabled (an enable form).
    create_officer(app, init_result, "newcomer", {"intake"}, key_access=False)
    disabled_id = create_officer(app, init_result, "leaver", {"investigator"})
    stager_id = create_officer(app, init_result, "stager", {"leadership"})
    login(app.test_client(), "stager", STAFF_PASSWORD)  # enrols TOTP
    agency = _seed_sakip(app, fuzzer_id)
    _seed_kinerja(app, init_result, fuzzer_id, agency)
    public = app.test_client()
    code = file_report(public, evidence=[(_jpeg(), "bukti.jpg")])
    file_report(public)  # a second case, so lists and statistics have rows
    with database(app).session() as session:
        fuzzer = session.get(Staff, fuzzer_id)
        assert fuzzer is not None
        today = now_utc().date()
        token = create_token(session, fuzzer, "fuzz", today, 30, now_utc()).secret
        leaver = session.get(Staff, disabled_id)
        assert leaver is not None
        leaver.active = False
    world = World(app, init_result, code, token, fuzzer_id, stager_id, agency)
    world.accounts["anonymous"] = Account(public, "anonymous", token_page="/status")
    world.accounts["staff"] = Account(
        app.test_client(), "staff", fuzzer_id, token_page="/admin/account"
    )
    for stage, page in (("totp", "/admin/login/code"), ("enrol", "/admin/enrol")):
        world.accounts[stage] = Account(app.test_client(), stage, stager_id, token_page=page)
    world.accounts["password"] = Account(
        app.test_client(), "password", stager_id, token_page="/admin/password"
    )
    for account in world.accounts.values():
        restore(world, account)
    return world


def _jpeg() -> io.BytesIO:
    return io.BytesIO(jpeg_bytes())


def _csrf_from(html: str) -> str | None:
    match = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', html
    )
    return (match.group(1) or match.group(2)) if match else None


def _session_value(client: FlaskClient, key: str) -> Any:
    with client.session_transaction() as browser_session:
        return browser_session.get(key)


def restore(world: World, account: Account) -> None:
    """Put the account back where the fuzzing left it: logged in at its stage (a fuzzed
    logout, password change or disable may have ended it), with a valid CSRF token and,
    for the anonymous client, a reporter session."""
    app = world.app
    if account.staff_id is not None:
        expected = "active" if account.kind == "staff" else account.kind
        alive = False
        if account.cookie is not None:
            token = staff_sessions.SessionToken.decode(account.cookie)
            with database(app).session() as session:
                row = session.get(StaffSession, token.id_hash) if token else None
                staff = session.get(Staff, account.staff_id)
                alive = (
                    row is not None
                    and row.stage == expected
                    and staff is not None
                    and staff.active
                    and (staff.locked_until is None)
                    and (account.kind != "staff" or staff.role_set >= FUZZER_ROLES)
                )
        if not alive:
            with database(app).session() as session:
                staff = session.get(Staff, account.staff_id)
                assert staff is not None
                if account.kind == "staff":
                    staff.roles = " ".join(sorted(FUZZER_ROLES))
                staff.must_change_password = False
            _start_session(world, account)
    if account.kind == "anonymous" and _session_value(account.client, "reporter") is None:
        response = open_status(account.client, world.tracking_code)
        assert response.status_code in (200, 302, 303), response.status_code
    if account.csrf_secret is None or _session_value(account.client, "csrf_token") != (
        account.csrf_secret
    ):
        html = account.client.get(
            account.token_page, environ_base={"REMOTE_ADDR": REPORTER_ADDRESS}
        ).get_data(as_text=True)
        token = _csrf_from(html)
        assert token, f"no CSRF token on {account.token_page} for {account.kind}"
        account.csrf = token
        account.csrf_secret = _session_value(account.client, "csrf_token")


# --- the crawl ---------------------------------------------------------------------------------


@dataclass
class FormSpec:
    method: str
    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    files: set[str] = field(default_factory=set)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[tuple[str, FormSpec]] = []
        self._form: FormSpec | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "a" and attr.get("href"):
            self.links.append(attr["href"])
        elif tag == "form":
            self._form = FormSpec(attr.get("method", "get").upper())
            self.forms.append((attr.get("action", ""), self._form))
        elif self._form is None:
            return
        elif tag in ("input", "button") and attr.get("name"):
            name = attr["name"]
            if attr.get("type") == "file":
                self._form.files.add(name)
            else:
                self._form.fields[name].append(attr.get("value", "on" if tag == "input" else ""))
        elif tag == "select" and attr.get("name"):
            self._select = attr["name"]
            self._form.fields[self._select]
        elif tag == "option" and self._select is not None:
            self._form.fields[self._select].append(attr.get("value", ""))
        elif tag == "textarea" and attr.get("name"):
            self._textarea = attr["name"]
            self._form.fields[self._textarea]

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None and data.strip():
            self._form.fields[self._textarea].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class Target:
    """One route to fuzz, with everything the crawl learned about it."""

    rule: Rule
    account: str
    path_values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    forms: dict[str, FormSpec] = field(default_factory=dict)  # method -> merged form

    @property
    def key(self) -> str:
        return f"{self.rule.endpoint} {self.rule.rule}"

    @property
    def methods(self) -> list[str]:
        return sorted((self.rule.methods or set()) - {"HEAD", "OPTIONS"})


_PARAM = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def rule_params(rule: Rule) -> list[tuple[str, str]]:
    """(name, converter) of each path variable of a rule."""
    return [
        (match["name"], match["converter"] or "default") for match in _PARAM.finditer(rule.rule)
    ]


def account_for(rule: Rule) -> str:
    if rule.endpoint in STAGE_ENDPOINTS:
        return STAGE_ENDPOINTS[rule.endpoint]
    if rule.endpoint in ANONYMOUS_ENDPOINTS:
        return "anonymous"
    if rule.rule.startswith(("/admin/", "/sakip/", "/kinerja/")):
        return "staff"
    return "anonymous"


def _merge(into: FormSpec, form: FormSpec) -> None:
    for name, values in form.fields.items():
        for value in values:
            if value not in into.fields[name] and len(into.fields[name]) < 30:
                into.fields[name].append(value)
        into.fields[name]
    into.files |= form.files


def _seed_values(world: World) -> dict[str, list[str]]:
    """Path values of the seeded objects, so the crawl starts at their pages."""
    with database(world.app).session() as session:

        def ids(model: Any) -> list[str]:
            return [str(value) for value in session.scalars(select(model.id).order_by(model.id))]

        return {
            "agency_id": [str(world.agency_id)],
            "year": [str(YEAR)],
            "node_id": ids(PerformanceNode),
            "indicator_id": ids(Indicator),
            "evaluation_id": ids(SakipEvaluation),
            "finding_id": ids(EvaluationFinding),
            "package_id": ids(ProcurementPackage),
            "risk_id": ids(RiskEntry),
            "staff_id": ids(Staff),
        }


def crawl(world: World, limit: int = 1_000, per_route: int = 6) -> dict[str, Target]:
    """Visit the app's pages as the fuzzing account, the pending login stages and
    anonymously, from every route without path variables and the seeded objects' pages,
    following links; record path values and forms per route."""
    app = world.app
    adapter = app.url_map.bind("localhost")
    targets = {
        f"{rule.endpoint} {rule.rule}": Target(rule, account_for(rule))
        for rule in app.url_map.iter_rules()
    }

    def matched(url: str, method: str) -> tuple[Target, dict[str, Any]] | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        try:
            rule, args = adapter.match(parts.path, method, return_rule=True)
        except Exception:  # noqa: BLE001 - not a route of ours (404, 405, redirect)
            return None
        target = targets[f"{rule.endpoint} {rule.rule}"]
        names = {name for name, _converter in rule_params(rule)}
        return target, {name: value for name, value in args.items() if name in names}

    queue: list[tuple[str, str]] = [
        ("totp", "/admin/login/code"),
        ("enrol", "/admin/enrol"),
        ("password", "/admin/password"),
    ]
    seeds = _seed_values(world)
    # A page the seeded path values do not reach: last year's final evaluation.
    queue.append(("staff", f"/sakip/agencies/{world.agency_id}/evaluation?year={YEAR - 1}"))
    # The fuzzer's own e-Kinerja entry in the form (?edit=), among a month of day links.
    with database(app).session() as session:
        own = session.scalars(
            select(ActivityEntry).where(ActivityEntry.staff_id == world.fuzzer_id)
        ).first()
    if own is not None:
        queue.append(("staff", f"/kinerja/day/{own.day.isoformat()}?edit={own.id}"))
    for target in targets.values():
        if "GET" not in target.methods or target.rule.endpoint == "static":
            continue
        params = rule_params(target.rule)
        if not params:
            queue += [("staff", target.rule.rule), ("anonymous", target.rule.rule)]
        elif all(name in seeds for name, _converter in params):
            template = _PARAM.sub("{}", target.rule.rule)
            choices = [seeds[name] for name, _converter in params]
            for values in itertools.islice(itertools.product(*choices), per_route):
                queue.append((target.account, template.format(*values)))
    seen: set[tuple[str, str]] = set()
    visits: dict[tuple[str, str], int] = defaultdict(int)
    while queue and len(seen) < limit:
        account_name, url = queue.pop(0)
        if (account_name, url) in seen or "/lang/" in url or "/static/" in url:
            continue
        found = matched(url, "GET")
        if found is None or visits[(account_name, found[0].key)] >= per_route:
            continue
        visits[(account_name, found[0].key)] += 1
        seen.add((account_name, url))
        account = world.accounts[account_name]
        response = account.client.get(url, environ_base={"REMOTE_ADDR": REPORTER_ADDRESS})
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        parser = _PageParser()
        parser.feed(response.get_data(as_text=True))
        page_path = urlsplit(url).path
        for href in parser.links:
            found = matched(href, "GET")
            if found is None:
                continue
            target, args = found
            for name, value in args.items():
                target.path_values[name].add(str(value))
            path = urlsplit(href).path
            query = urlsplit(href).query
            if query:
                form = target.forms.setdefault("GET", FormSpec("GET"))
                _merge(form, _query_form(query))
            queue.append((account_name, path + (f"?{query}" if query else "")))
        for action, form in parser.forms:
            method = "POST" if form.method == "POST" else "GET"
            found = matched(action or page_path, method)
            if found is None:
                continue
            target, args = found
            for name, value in args.items():
                target.path_values[name].add(str(value))
            _merge(target.forms.setdefault(method, FormSpec(method)), form)
    return targets


def _query_form(query: str) -> FormSpec:
    form = FormSpec("GET")
    for name, value in parse_qsl(query, keep_blank_values=True):
        form.fields[name].append(value)
    return form


def coverage_problems(targets: dict[str, Target]) -> list[str]:
    """Routes the fuzzer would only hit blindly: a path variable without a known value,
    or a POST route without a form that posts to it (and no explicit API fields)."""
    problems = []
    for target in targets.values():
        if target.rule.endpoint == "static":
            continue
        for name, _converter in rule_params(target.rule):
            if not target.path_values.get(name):
                problems.append(f"{target.key}: no value found for <{name}>")
        if (
            "POST" in target.methods
            and "POST" not in target.forms
            and target.rule.endpoint not in API_FIELDS
        ):
            problems.append(f"{target.key}: no form posts to it")
    return problems


# --- requests --------------------------------------------------------------------------------


@dataclass
class FuzzRequest:
    method: str
    path: str
    query: str
    body: bytes | None = None
    content_type: str | None = None
    multipart: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        body = self.body[:300] if self.body is not None else None
        multipart = (
            {name: str(value)[:200] for name, value in self.multipart.items()}
            if self.multipart
            else None
        )
        return (
            f"{self.method} {self.path[:300]}?{self.query[:300]} "
            f"content_type={self.content_type} body={body!r} multipart={multipart} "
            f"headers={self.headers}"
        )


def _path_strategy(target: Target, csrf_free: bool = False) -> st.SearchStrategy[str]:
    params = rule_params(target.rule)
    parts: list[st.SearchStrategy[str]] = []
    for name, converter in params:
        known = sorted(target.path_values.get(name, set()))
        hostile: st.SearchStrategy[str]
        if converter == "int":
            hostile = hostile_int().map(str)
        elif converter == "path":
            hostile = hostile_text().filter(bool).map(lambda text: quote(text, safe="/"))
        else:
            hostile = hostile_text().filter(bool).map(lambda text: quote(text, safe=""))
        choices = [hostile]
        if known:
            # Mostly real values, so the fuzzing reaches the code behind the look-up.
            choices = [st.sampled_from(known)] * 3 + [hostile]
        parts.append(st.one_of(*choices))
    template = _PARAM.sub("{}", target.rule.rule)
    return st.tuples(*parts).map(lambda values: template.format(*values))


@st.composite
def _pairs(
    draw: st.DrawFn, fields: dict[str, list[str]], extra_names: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """Field values: each field known, hostile, missing or sent twice; now and then an
    unknown field too."""
    pairs: list[tuple[str, str]] = []
    for name, values in fields.items():
        if name == "csrf_token":
            continue
        choice = draw(st.sampled_from(["known", "known", "hostile", "hostile", "missing", "twice"]))
        known = [value for value in values if len(value) < 10_000] or [""]
        if choice == "missing":
            continue
        if choice == "known":
            pairs.append((name, draw(st.sampled_from(known))))
        elif choice == "hostile":
            pairs.append((name, draw(hostile_text())))
        else:
            pairs.append((name, draw(st.sampled_from(known))))
            pairs.append((name, draw(hostile_text())))
    for name in extra_names:
        if draw(st.integers(0, 3)) == 0:
            pairs.append((name, draw(hostile_text())))
    if draw(st.integers(0, 9)) == 0:
        pairs.append((draw(hostile_text().filter(bool)), draw(hostile_text())))
    return pairs


def _encode(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass")


@st.composite
def form_request(draw: st.DrawFn, target: Target, csrf: str) -> FuzzRequest:
    method = draw(st.sampled_from(target.methods))
    path = draw(_path_strategy(target))
    get_form = target.forms.get("GET", FormSpec("GET"))
    query_pairs = draw(_pairs(get_form.fields, COMMON_QUERY))
    query = _encode(query_pairs)
    if draw(st.integers(0, 9)) == 0:
        query += "&%ff%fe=%00%c0%af"  # not UTF-8
    if method != "POST":
        return FuzzRequest(method, path, query)
    form = target.forms.get("POST", FormSpec("POST"))
    pairs = draw(_pairs(form.fields))
    token = draw(st.sampled_from(["valid"] * 8 + ["missing", "wrong"]))
    if token == "valid":
        pairs.insert(0, ("csrf_token", csrf))
    elif token == "wrong":
        pairs.insert(0, ("csrf_token", draw(hostile_text())))
    if form.files or draw(st.integers(0, 9)) == 0:
        data: dict[str, Any] = {}
        for name, value in pairs:
            data.setdefault(name, []).append(value)
        for name in form.files:
            count = draw(st.integers(0, 3))
            data[name] = [
                (
                    _bytes_io(draw(st.binary(max_size=2_000))),
                    draw(hostile_text().filter(lambda text: len(text) < 5_000)) or "x",
                )
                for _ in range(count)
            ]
        return FuzzRequest(method, path, query, multipart=data)
    body = _encode(pairs).encode()
    if draw(st.integers(0, 9)) == 0:
        body += b"&%ff=%fe%00&x=\xff\xfe"
    return FuzzRequest(
        method, path, query, body=body, content_type="application/x-www-form-urlencoded"
    )


def _bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


@st.composite
def api_request(draw: st.DrawFn, target: Target, world: World) -> FuzzRequest:
    method = draw(st.sampled_from(target.methods))
    path = draw(_path_strategy(target))
    names = API_QUERY.get(target.rule.endpoint, ())
    query_pairs = draw(_pairs({name: ["2026", "2026-Q3", "DINKES", "pungli"] for name in names}))
    query = _encode(query_pairs)
    headers: dict[str, str] = {}
    if target.rule.endpoint == "api.stats":
        auth = draw(st.sampled_from(["valid", "valid", "none", "garbage", "scheme"]))
        if auth == "valid":
            headers["Authorization"] = f"Bearer {world.api_token}"
        elif auth == "garbage":
            headers["Authorization"] = "Bearer " + draw(
                hostile_text().filter(lambda text: "\n" not in text and "\r" not in text)
            ).encode("latin-1", "replace").decode("latin-1")
        elif auth == "scheme":
            headers["Authorization"] = "Basic Zm9vOmJhcg=="
    if method != "POST":
        return FuzzRequest(method, path, query, headers=headers)
    fields = API_FIELDS.get(target.rule.endpoint, ())
    shape = draw(st.sampled_from(["object", "object", "object", "any", "raw"]))
    if shape == "raw":
        body = draw(st.sampled_from(_RAW_JSON_BODIES))
    elif shape == "any":
        body = json.dumps(draw(hostile_json())).encode()
    else:
        valid = {
            "category": "pungli",
            "agency": "DINKES",
            "description": "Petugas loket meminta uang tambahan untuk setiap surat rujukan.",
            "tracking_code": world.tracking_code,
        }
        document: dict[str, Any] = {}
        for name in fields:
            choice = draw(st.sampled_from(["valid", "hostile", "json", "missing"]))
            if choice == "valid" and name in valid:
                document[name] = valid[name]
            elif choice == "hostile":
                document[name] = draw(hostile_text())
            elif choice == "json":
                document[name] = draw(hostile_json())
        body = json.dumps(document, allow_nan=True).encode()
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/json",
                "application/json; charset=latin-1",
                "text/plain",
                "application/x-www-form-urlencoded",
                None,
            ]
        )
    )
    return FuzzRequest(method, path, query, body=body, content_type=content_type, headers=headers)


def request_strategy(target: Target, world: World) -> st.SearchStrategy[FuzzRequest]:
    if target.rule.rule.startswith("/api/"):
        return api_request(target, world)
    return form_request(target, world.accounts[target.account].csrf)


def send(world: World, target: Target, request: FuzzRequest) -> TestResponse:
    client = world.accounts[target.account].client
    world.sent += 1
    kwargs: dict[str, Any] = {
        "method": request.method,
        "query_string": request.query,
        "headers": request.headers,
        "environ_base": {"REMOTE_ADDR": REPORTER_ADDRESS},
    }
    if request.multipart is not None:
        kwargs["data"] = request.multipart
        kwargs["content_type"] = "multipart/form-data"
    elif request.body is not None:
        kwargs["data"] = request.body
        if request.content_type:
            kwargs["content_type"] = request.content_type
    return client.open(request.path, **kwargs)


# --- the checks ------------------------------------------------------------------------------


def problem_with(request: FuzzRequest, response: BaseResponse) -> str | None:
    """Why this answer breaks the rules of issue 6, or None: no 5xx; a JSON 4xx in the
    documented error shape; an HTML 4xx rendered by the app's own layout."""
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    if status < 400:
        return None
    if request.path.startswith("/api/"):
        if response.mimetype != "application/json":
            return f"{status} from the API as {response.mimetype}"
        body = response.get_json(silent=True)
        if not (
            isinstance(body, dict)
            and set(body) == {"error"}
            and isinstance(body["error"], dict)
            and isinstance(body["error"].get("code"), str)
            and body["error"]["code"]
            and isinstance(body["error"].get("message"), str)
            and body["error"]["message"].strip()
        ):
            return f"{status} without the documented error shape: {body!r:.300}"
        return None
    if response.mimetype != "text/html":
        return f"{status} as {response.mimetype}, not the app's HTML page"
    if LAYOUT_MARKER not in response.get_data(as_text=True):
        return f"{status} page not rendered by the app's layout"
    return None


def all_targets(targets: dict[str, Target]) -> Iterator[Target]:
    yield from sorted(targets.values(), key=lambda target: target.key)


def fuzz_settings(default_examples: int) -> hypothesis_settings:
    """Hypothesis settings of the fuzzing tests: ``WBS_FUZZ_EXAMPLES`` examples (make
    verify turns it up), the same examples every run unless ``WBS_FUZZ_RANDOM=1``."""
    return hypothesis_settings(
        max_examples=int(os.environ.get("WBS_FUZZ_EXAMPLES", str(default_examples))),
        deadline=None,
        derandomize=os.environ.get("WBS_FUZZ_RANDOM") != "1",
        database=None,
        # No shrinking: each request changes the app's state, so a shrunk replay would
        # not see the same world. Findings are collected with their request instead.
        phases=[Phase.explicit, Phase.generate],
        # Requests through a whole app are slow, and hostile values are large on purpose.
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )
