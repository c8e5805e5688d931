"""Who may reach which e-SAKIP page (issue 5; DESIGN.md, "Who uses it").

Like tests/test_staff_roles.py for /admin/: the routes come from ``app.url_map``, so a
new /sakip/ route fails here until its access is written down. Agency accounts belong
to DINKES and every agency-scoped URL points at DINKES, their own agency; reaching
another agency (404) is tested in each page's own tests.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.sakip_helpers import NOW, agency_account, build_tree, staff_account
from tests.staff_helpers import csrf_token
from tests.test_staff_roles import HANDLED, methods, request
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import ROLES, EvaluationFinding, ProcurementPackage, RiskEntry, SakipEvaluation

READ_ALL = frozenset({"sakip", "leadership", "supervisor", "admin"})
AGENCY = frozenset({"agency_staff", "agency_head"})
EVERY_SAKIP = READ_ALL | AGENCY
ENTRY = frozenset({"sakip", "agency_staff"})
MAINTAIN = frozenset({"sakip"})

# endpoint → method → roles allowed. Agency accounts reach pages about all agencies
# (HIDDEN_FROM_AGENCIES) or about the Pemda (/sakip/pemda...) as if they did not exist (404).
ACCESS: dict[str, dict[str, frozenset[str]]] = {
    "sakip.home": {"GET": EVERY_SAKIP},
    "sakip.agency": {"GET": EVERY_SAKIP},
    "sakip.pemda": {"GET": READ_ALL},
    # Realisation monitoring.
    "sakip.monitoring": {"GET": EVERY_SAKIP},
    "sakip.monitoring_entry": {"GET": ENTRY, "POST": ENTRY},
    "sakip.package_new": {"GET": ENTRY, "POST": ENTRY},
    "sakip.package_edit": {"GET": ENTRY, "POST": ENTRY},
    "sakip.package_delete": {"POST": ENTRY},
    "sakip.monitoring_ranking": {"GET": READ_ALL},
    "sakip.monitoring_evaluations": {"GET": READ_ALL},
    "sakip.monitoring_evaluation": {"GET": READ_ALL},
    "sakip.ranking": {"GET": READ_ALL},
    # SAKIP evaluation and the risk register.
    "sakip.evaluations": {"GET": READ_ALL},
    "sakip.evaluation": {"GET": EVERY_SAKIP},
    "sakip.evaluation_create": {"POST": MAINTAIN},
    "sakip.evaluation_scores": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.evaluation_finalise": {"POST": MAINTAIN},
    "sakip.evaluation_reopen": {"POST": MAINTAIN},
    "sakip.finding_new": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.finding_edit": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.pemda_evaluation": {"GET": READ_ALL},
    "sakip.pemda_result": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.risks": {"GET": EVERY_SAKIP},
    "sakip.risk_new": {"GET": ENTRY, "POST": ENTRY},
    "sakip.risk_edit": {"GET": ENTRY, "POST": ENTRY},
    "sakip.risk_delete": {"POST": ENTRY},
    # The integrity link: agency accounts see their own row only.
    "sakip.integrity": {"GET": EVERY_SAKIP},
    "sakip.staff_counts_form": {"GET": MAINTAIN, "POST": MAINTAIN},
    # Editing the trees, indicators and targets; entering realisations.
    "sakip.tree_edit": {"GET": MAINTAIN},
    "sakip.node_new": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.node_edit": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.node_deactivate": {"POST": MAINTAIN},
    "sakip.node_reactivate": {"POST": MAINTAIN},
    "sakip.indicator_new": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.indicator_edit": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.indicator_deactivate": {"POST": MAINTAIN},
    "sakip.indicator_reactivate": {"POST": MAINTAIN},
    "sakip.indicator_targets": {"GET": MAINTAIN, "POST": MAINTAIN},
    "sakip.realisations": {"GET": ENTRY, "POST": ENTRY},
    "sakip.agency_head": {"GET": MAINTAIN, "POST": MAINTAIN},
    # Import and export of targets and realisations.
    "sakip.transfer": {"GET": ENTRY, "POST": ENTRY},
    "sakip.transfer_export": {"GET": EVERY_SAKIP},
    "sakip.transfer_template": {"GET": ENTRY},
}
HIDDEN_FROM_AGENCIES = {
    "sakip.pemda",
    "sakip.evaluations",
    "sakip.pemda_evaluation",
    "sakip.ranking",
}


def sakip_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("sakip.")),
        key=lambda rule: rule.rule,
    )


def url(app: Flask, rule: Rule, values: dict[str, object]) -> str:
    """The rule's URL with its parameters from ``values`` (those the rule fixes itself,
    such as the Pemda variants' ``agency_id=None``, are left to the rule)."""
    arguments = {name: values[name] for name in rule.arguments if name not in (rule.defaults or {})}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **arguments)


def clients(app: Flask, init_result: InitResult) -> dict[str, FlaskClient]:
    found = {}
    for role in ROLES:
        if role in AGENCY:
            found[role] = agency_account(app, init_result, f"satu-{role}", {role}, "DINKES")
        else:
            found[role] = staff_account(app, init_result, f"satu-{role}", {role})
    return found


def test_every_sakip_route_is_classified(app: Flask) -> None:
    missing = sorted(
        f"{rule.endpoint} {method}"
        for rule in sakip_rules(app)
        for method in methods(rule)
        if method not in ACCESS.get(rule.endpoint, {})
    )
    assert not missing, f"decide who may use these routes and add them to ACCESS: {missing}"


def dinkes_rows(app: Flask, agency: int) -> dict[str, int]:
    """An evaluation with a finding, a risk and a procurement package of DINKES, so that
    every id in a URL names a row of the agency accounts' own agency."""
    with database(app).session() as session:
        evaluation = SakipEvaluation(
            agency_id=agency, year=2026, template="88/2021", evaluator="inspektorat", updated_at=NOW
        )
        risk = RiskEntry(
            agency_id=agency,
            year=2026,
            risk="Data capaian terlambat",
            likelihood=3,
            impact=2,
            updated_at=NOW,
        )
        package = ProcurementPackage(
            agency_id=agency,
            year=2026,
            name="Rehabilitasi puskesmas",
            stage="kontrak",
            updated_at=NOW,
        )
        session.add_all([evaluation, risk, package])
        session.flush()
        finding = EvaluationFinding(
            evaluation_id=evaluation.id, finding="Renstra belum selaras", updated_at=NOW
        )
        session.add(finding)
        session.flush()
        return {
            "evaluation_id": evaluation.id,
            "finding_id": finding.id,
            "risk_id": risk.id,
            "package_id": package.id,
        }


def test_each_role_reaches_exactly_its_sakip_routes(app: Flask, init_result: InitResult) -> None:
    ids = build_tree(app)
    values: dict[str, object] = {
        "agency_id": ids["agency"],
        "node_id": ids["program"],
        "indicator_id": ids["Cakupan imunisasi"],
        "year": 2026,
        "period_key": "2026-07",
        "extension": "xlsx",
        **dinkes_rows(app, ids["agency"]),
    }
    wrong = []
    for role, client in clients(app, init_result).items():
        token = csrf_token(client, "/admin/account")
        for rule in sakip_rules(app):
            for method in methods(rule):
                allowed = role in ACCESS.get(rule.endpoint, {}).get(method, frozenset())
                address = url(app, rule, values)
                hidden = role in AGENCY and (
                    rule.endpoint in HIDDEN_FROM_AGENCIES or address.startswith("/sakip/pemda")
                )
                status = request(client, method, address, token).status_code
                if allowed:
                    ok = status in HANDLED
                else:
                    # Hidden pages answer 404, or 403 when the role could never use them.
                    ok = status in ((403, 404) if hidden else (403,))
                if not ok:
                    wrong.append(f"{role} {method} {address}: {status}, allowed={allowed}")
    assert not wrong, "\n".join(wrong)
