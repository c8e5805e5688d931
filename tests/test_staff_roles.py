"""Who may reach which staff page (DESIGN.md, "Who uses it, and what each must never see").

The routes come from ``app.url_map``, so a new admin route is crawled automatically; the
expected access of each route is written out below, per method and role, so that a route
that becomes too open (or a new route nobody classified) fails here.
"""

from __future__ import annotations

import html
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from tests.helpers import REPORTER_ADDRESS, file_report, hidden_value, open_status
from tests.staff_helpers import create_officer, csrf_token, login, post_form
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import ROLES, Agency, Attachment, Case, Category, Staff

PASSWORD = "kopi-pagi-di-braga-2026"
EVERYONE = frozenset(ROLES)
CASE_WORK = frozenset({"intake", "investigator", "supervisor"})
ADMIN = frozenset({"admin"})
# Who may use each admin route, per method; anyone else must get 403. Login, enrolment,
# password change and logout are open to every account by design (they manage the
# session itself); the account page and its conflict declaration belong to everyone.
DASHBOARD = frozenset({"leadership", "supervisor", "admin"})
ACCESS: dict[str, dict[str, frozenset[str]]] = {
    "admin.home": {"GET": EVERYONE},
    "admin.login": {"GET": EVERYONE, "POST": EVERYONE},
    "admin.login_code": {"GET": EVERYONE, "POST": EVERYONE},
    "admin.enrol": {"GET": EVERYONE, "POST": EVERYONE},
    "admin.change_password": {"GET": EVERYONE, "POST": EVERYONE},
    "admin.logout": {"POST": EVERYONE},
    "admin.account": {"GET": EVERYONE},
    "admin.account_conflicts": {"POST": EVERYONE},
    # Case work: never leadership, SAKIP officers or admins without a case role.
    "admin.queue": {"GET": CASE_WORK},
    "admin.case_page": {"GET": CASE_WORK},
    "admin.case_attachment": {"GET": CASE_WORK},
    "admin.case_action": {"POST": CASE_WORK},
    # The audit trail: a case's for supervisors, the whole log for admins.
    "admin.case_audit": {"GET": frozenset({"supervisor"})},
    "admin.audit_log": {"GET": ADMIN},
    # Aggregate statistics: never a single case (issue 4).
    "admin.dashboard": {"GET": DASHBOARD},
    "admin.dashboard_export_csv": {"GET": DASHBOARD},
    "admin.dashboard_export_xlsx": {"GET": DASHBOARD},
    "admin.reports": {"GET": DASHBOARD},
    # Personal tokens of the statistics API.
    "admin.api_tokens": {"GET": DASHBOARD},
    "admin.api_token_create": {"POST": DASHBOARD},
    "admin.api_token_revoke": {"POST": DASHBOARD},
    "admin.report": {"GET": DASHBOARD},
    # The report's obstacles, solutions and evaluation are written by the unit's heads.
    "admin.report_notes": {
        "GET": frozenset({"supervisor", "admin"}),
        "POST": frozenset({"supervisor", "admin"}),
    },
    # Accounts: admins manage them; supervisors read them and grant key access.
    "admin.staff_list": {"GET": frozenset({"admin", "supervisor"})},
    "admin.staff_new": {"GET": ADMIN, "POST": ADMIN},
    "admin.staff_edit": {"GET": frozenset({"admin", "supervisor"}), "POST": ADMIN},
    "admin.staff_disable": {"POST": ADMIN},
    "admin.staff_enable": {"POST": ADMIN},
    "admin.staff_reset": {"POST": ADMIN},
    "admin.staff_grant": {"POST": frozenset({"supervisor"})},
    "admin.staff_revoke": {"POST": frozenset({"supervisor"})},
    # Reference data.
    "admin.agencies": {"GET": ADMIN},
    "admin.agency_new": {"GET": ADMIN, "POST": ADMIN},
    "admin.agency_edit": {"GET": ADMIN, "POST": ADMIN},
    "admin.agency_active": {"POST": ADMIN},
    "admin.categories": {"GET": ADMIN},
    "admin.category_new": {"GET": ADMIN, "POST": ADMIN},
    "admin.category_edit": {"GET": ADMIN, "POST": ADMIN},
    "admin.category_active": {"POST": ADMIN},
    "admin.holidays": {"GET": ADMIN},
    "admin.holiday_add": {"POST": ADMIN},
    "admin.holiday_remove": {"POST": ADMIN},
    "admin.holidays_load": {"POST": ADMIN},
    # Settings of the public pages (agency figures on /transparency).
    "admin.settings": {"GET": ADMIN, "POST": ADMIN},
}
# Answers that mean "handled": shown, redirected, refused as input, not found, or not
# possible now. Never 500.
HANDLED = {200, 302, 303, 400, 404, 409}
# Pages an anonymous visitor may see without being sent to the login page.
LOGIN_PAGES = {"admin.login"}


@dataclass
class World:
    clients: dict[str, FlaskClient]
    values: dict[str, object]
    markers: list[str]


def _staff(app: Flask, init_result: InitResult, username: str, roles: set[str]) -> int:
    return create_officer(app, init_result, username, roles, password=PASSWORD)


def _act(client: FlaskClient, case_id: int, action: str, **fields: object) -> None:
    response = post_form(client, f"/admin/cases/{case_id}/{action}", fields, page="/admin/account")
    assert response.status_code == 303, html.unescape(response.get_data(as_text=True))


def build_world(app: Flask, init_result: InitResult) -> World:
    """One single-role account per role (each logged in with TOTP in its own browser),
    an anonymous browser, and a case whose every text carries a marker."""
    ids = {role: _staff(app, init_result, f"satu-{role}", {role}) for role in ROLES}
    target_id = _staff(app, init_result, "sasaran", {"intake"})
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        login(clients[role], f"satu-{role}", PASSWORD)
    clients["anonymous"] = app.test_client()

    markers = [f"MARK{name}{uuid.uuid4().hex[:8].upper()}" for name in range(7)]
    description, involved, location, reply, message, note, filename = markers
    reporter = app.test_client()
    code = file_report(
        reporter,
        description=f"Pungutan liar di loket perizinan {description}",
        involved=f"Kepala loket {involved}",
        location=f"Kantor perizinan {location}",
        evidence=(io.BytesIO(b"%PDF-1.4\nbukti\n%%EOF\n"), f"{filename}.pdf"),
    )
    assert open_status(reporter, code).status_code == 303
    page = reporter.get("/status/case").get_data(as_text=True)
    response = reporter.post(
        "/status/reply",
        data={"csrf_token": hidden_value(page, "csrf_token"), "message": reply},
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 303
    with database(app).session() as session:
        case_id = session.scalars(select(Case.id)).one()
        attachment_id = session.scalars(select(Attachment.id)).one()
        # Reference data the routes' parameters point at; not the case's own agency,
        # since an admin's empty POST may switch it off.
        agency_id = session.scalars(select(Agency.id).where(Agency.code == "SETWAN")).one()
        category_id = session.scalars(
            select(Category.id).where(Category.code == "gratifikasi")
        ).one()
    supervisor = clients["supervisor"]
    _act(supervisor, case_id, "message", message=message)
    _act(supervisor, case_id, "note", note=note)
    # Assigned, so that the investigator reaches it too.
    _act(supervisor, case_id, "assign", assignee=str(ids["investigator"]))
    values: dict[str, object] = {
        "case_id": case_id,
        "attachment_id": attachment_id,
        "staff_id": target_id,
        "agency_id": agency_id,
        "category_id": category_id,
        "year": date.today().year,
        "day": date.today().isoformat(),
        "period_key": f"{date.today().year}-{date.today().month:02d}",
        "token_id": 1,
    }
    return World(clients, values, markers)


def admin_rules(app: Flask) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]
    # Logging out ends the browser's session: crawl it last.
    return sorted(rules, key=lambda rule: (rule.endpoint == "admin.logout", rule.rule))


def urls(app: Flask, rule: Rule, values: dict[str, object]) -> Iterator[str]:
    """The rule's URL(s) with its parameters filled from ``values``; a case action
    route is expanded to every action."""
    from case_admin.case_views import ACTIONS

    arguments: dict[str, object] = {}
    for name in rule.arguments:
        if name == "action":
            continue
        converter = type(rule._converters[name]).__name__  # noqa: SLF001 - werkzeug's map
        arguments[name] = values.get(name, 1 if converter == "IntegerConverter" else "x")
    with app.test_request_context():
        from flask import url_for

        if "action" in rule.arguments:
            for action in ACTIONS:
                yield url_for(rule.endpoint, action=action, **arguments)
        else:
            yield url_for(rule.endpoint, **arguments)


def methods(rule: Rule) -> list[str]:
    return [method for method in ("GET", "POST") if method in (rule.methods or set())]


def request(client: FlaskClient, method: str, url: str, token: str):  # noqa: ANN201
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def test_every_admin_route_has_a_written_access_rule(app: Flask) -> None:
    missing = sorted(
        f"{rule.endpoint} {method}"
        for rule in admin_rules(app)
        for method in methods(rule)
        if method not in ACCESS.get(rule.endpoint, {})
    )
    assert not missing, f"decide who may use these routes and add them to ACCESS: {missing}"


def test_each_role_reaches_exactly_its_routes_and_nothing_answers_500(
    app: Flask, init_result: InitResult
) -> None:
    world = build_world(app, init_result)
    wrong = []
    for role in ROLES:
        client = world.clients[role]
        token = csrf_token(client)
        for rule in admin_rules(app):
            for method in methods(rule):
                allowed = role in ACCESS.get(rule.endpoint, {}).get(method, frozenset())
                for url in urls(app, rule, world.values):
                    status = request(client, method, url, token).status_code
                    ok = status in HANDLED if allowed else status == 403
                    if not ok:
                        expected = "handled" if allowed else "403"
                        wrong.append(f"{role} {method} {url}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_visitors_are_sent_to_the_login_page(app: Flask, init_result: InitResult) -> None:
    world = build_world(app, init_result)
    client = world.clients["anonymous"]
    token = csrf_token(client)
    wrong = []
    for rule in admin_rules(app):
        for method in methods(rule):
            for url in urls(app, rule, world.values):
                response = request(client, method, url, token)
                if rule.endpoint in LOGIN_PAGES:
                    if response.status_code != 200:
                        wrong.append(f"{method} {url}: {response.status_code}")
                    continue
                # Follow the redirects (the home page first points at the queue): the
                # visitor must end on the login page, having seen no staff page.
                hops = 0
                while response.status_code in (302, 303) and hops < 3:
                    location = urlsplit(response.headers["Location"]).path
                    if location == "/admin/login":
                        break
                    response = client.get(response.headers["Location"])
                    hops += 1
                else:
                    wrong.append(f"{method} {url}: {response.status_code}, not to the login")
    assert not wrong, "\n".join(wrong)


def test_leadership_admins_and_sakip_officers_never_receive_report_content(
    app: Flask, init_result: InitResult
) -> None:
    world = build_world(app, init_result)
    # The markers are really on the staff side (so their absence below means something).
    case_id = world.values["case_id"]
    officer_page = html.unescape(
        world.clients["supervisor"].get(f"/admin/cases/{case_id}").get_data(as_text=True)
    )
    assert all(marker in officer_page for marker in world.markers)
    leaks = []
    crawled = 0
    for role in ("leadership", "admin", "sakip"):
        client = world.clients[role]
        for rule in admin_rules(app):
            if "GET" not in methods(rule):
                continue
            for url in urls(app, rule, world.values):
                response = client.get(url, follow_redirects=True)
                assert response.status_code != 500, url
                crawled += 1
                # The XLSX export is a zip file: not text, and holds figures only.
                body = html.unescape(response.get_data().decode("utf-8", "replace"))
                leaks += [f"{role} {url}: {m}" for m in world.markers if m in body]
    assert crawled >= 3 * 10
    assert not leaks, "\n".join(leaks)


def test_a_disabled_account_with_a_live_session_is_sent_to_the_login_page(
    app: Flask, init_result: InitResult
) -> None:
    _staff(app, init_result, "verifikator", {"intake"})
    client = app.test_client()
    login(client, "verifikator", PASSWORD)
    assert client.get("/admin/cases").status_code == 200
    # Switched off behind the pages' back (a script, the database console): the session
    # row still exists, but the account must no longer get in, nor loop between pages.
    with database(app).session() as session:
        session.scalars(select(Staff).where(Staff.username == "verifikator")).one().active = False
    for path in ("/admin/cases", "/admin/", "/admin/account"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert response.request.path == "/admin/login", path
