"""ASN profiles (admins): every account with the "asn" role by agency, with its atasan
and the profile it lacks; one person's profile form. The rules are in
wbs/kinerja/people.py; each change writes an audit entry naming ids, never the NIP.

Without JavaScript the node list cannot follow the agency select, so the form works in
two steps: the node list belongs to the agency it was shown for (a hidden field says
which); when the agency changes, the node is cleared and, after saving, the new
agency's tree is offered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, HiddenField, SelectField, StringField

from wbs.app_context import db_session
from wbs.kinerja import people
from wbs.kinerja.refusals import FieldsRefused
from wbs.kinerja.web import blueprint
from wbs.kinerja.web.access import PROFILE_ROLES
from wbs.kinerja.web.field_problems import mark_fields
from wbs.models import Agency, AsnProfile, PerformanceNode, Staff
from wbs.sakip.web.form_pages import form_page
from wbs.sakip.web.labels import LEVEL_LABELS
from wbs.sakip.web.tree_forms import stripped
from wbs.staff_auth import Officer, record, requires

PROBLEM_MESSAGES: dict[str, LazyString] = {
    people.NOT_ASN: _l(
        "This account does not have the civil servant (ASN) role: give it the role on its "
        "account page first."
    ),
    people.AGENCY_MISSING: _l("Choose the agency he works for."),
    people.AGENCY_INACTIVE: _l("This agency is deactivated: choose an active agency."),
    people.NODE_NOT_IN_TREE: _l("Choose a part of this agency's performance tree, or none."),
    people.NODE_INACTIVE: _l("This part of the tree is deactivated: choose another one, or none."),
    people.SUPERVISOR_UNKNOWN: _l(
        "This account is disabled: choose an active account as his atasan."
    ),
    people.SUPERVISOR_SELF: _l("Nobody can be his own atasan: choose another account."),
    people.SUPERVISOR_CYCLE: _l(
        "This account is already below him in the line of atasan: each would approve the "
        "other's days. Choose another atasan."
    ),
    people.NIP_FORMAT: _l(
        "A NIP has exactly 18 digits (PP 11/2017), for example 19800101 200501 1 001. "
        "Leave it empty if you do not know it."
    ),
    people.POSITION_TOO_LONG: _l("Use at most 200 characters."),
}


class ProfileForm(FlaskForm):
    # The service checks the choices (an agency deactivated meanwhile, a node of another
    # tree): WTForms' own "Not a valid choice" would say less.
    agency = SelectField(_l("Agency"), coerce=int, validate_choice=False)
    # The agency whose tree the node list shows ("" before any agency was saved).
    node_agency = HiddenField()
    node = SelectField(
        _l("Part of the performance tree he works on"), coerce=int, validate_choice=False
    )
    supervisor = SelectField(
        _l("Atasan langsung (who reviews his days)"), coerce=int, validate_choice=False
    )
    nip = StringField(_l("NIP"), filters=[stripped], render_kw={"inputmode": "numeric"})
    position = StringField(
        _l("Position (jabatan)"),
        filters=[stripped],
        render_kw={"maxlength": people.POSITION_MAX_CHARS},
    )
    field_officer = BooleanField(_l("Field officer: reports field work with photos"))


class RemoveForm(FlaskForm):
    """The CSRF check of the removal button."""


@dataclass(frozen=True)
class PersonRow:
    staff: Staff
    profile: AsnProfile | None
    supervisor: Staff | None
    node: PerformanceNode | None


@dataclass(frozen=True)
class AgencyGroup:
    # None: the accounts without a profile, who cannot record anything yet.
    agency: Agency | None
    rows: list[PersonRow]


# --- the list ------------------------------------------------------------------------------


def _asn_accounts(session: Session) -> list[tuple[Staff, AsnProfile | None]]:
    rows = session.execute(
        select(Staff, AsnProfile)
        .outerjoin(AsnProfile, AsnProfile.staff_id == Staff.id)
        .where(Staff.roles.contains("asn"))
        .order_by(Staff.display_name, Staff.username)
    )
    # "contains" also matches a longer role name; the role set is exact.
    return [(staff, profile) for staff, profile in rows if "asn" in staff.role_set]


def people_groups(session: Session) -> list[AgencyGroup]:
    """The ASN accounts: those without a profile first, then by agency name."""
    accounts = _asn_accounts(session)
    profiles = [profile for _staff, profile in accounts if profile is not None]
    supervisor_ids = {p.supervisor_id for p in profiles if p.supervisor_id is not None}
    node_ids = {p.node_id for p in profiles if p.node_id is not None}
    supervisors = {
        s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(supervisor_ids)))
    }
    nodes = {
        n.id: n
        for n in session.scalars(select(PerformanceNode).where(PerformanceNode.id.in_(node_ids)))
    }
    agencies = {
        a.id: a
        for a in session.scalars(
            select(Agency).where(Agency.id.in_({p.agency_id for p in profiles}))
        )
    }
    without: list[PersonRow] = []
    grouped: dict[int, list[PersonRow]] = defaultdict(list)
    for staff, profile in accounts:
        if profile is None:
            without.append(PersonRow(staff, None, None, None))
            continue
        supervisor = supervisors.get(profile.supervisor_id) if profile.supervisor_id else None
        node = nodes.get(profile.node_id) if profile.node_id else None
        grouped[profile.agency_id].append(PersonRow(staff, profile, supervisor, node))
    groups = [AgencyGroup(None, without)] if without else []
    ordered = sorted(grouped, key=lambda agency_id: agencies[agency_id].name)
    return groups + [AgencyGroup(agencies[agency_id], grouped[agency_id]) for agency_id in ordered]


@blueprint.get("/people", endpoint="people")
@requires(*PROFILE_ROLES)
def people_list(officer: Officer) -> str:
    groups = people_groups(db_session())
    missing = len(groups[0].rows) if groups and groups[0].agency is None else 0
    return render_template("kinerja/people.html", groups=groups, missing=missing)


# --- one person's profile ------------------------------------------------------------------


def _tree_choices(session: Session, agency_id: int, current: int | None) -> list[tuple[int, str]]:
    """The agency's active nodes (and the current one), parents before children."""
    query = select(PerformanceNode).where(PerformanceNode.agency_id == agency_id)
    if current is None:
        query = query.where(PerformanceNode.active.is_(True))
    else:
        query = query.where(PerformanceNode.active.is_(True) | (PerformanceNode.id == current))
    nodes = list(session.scalars(query.order_by(PerformanceNode.sort_order, PerformanceNode.code)))
    known = {node.id for node in nodes}
    children: dict[int | None, list[PerformanceNode]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id if node.parent_id in known else None].append(node)
    choices: list[tuple[int, str]] = []

    def visit(node: PerformanceNode, depth: int) -> None:
        level = LEVEL_LABELS.get(node.level, node.level)
        choices.append((node.id, f"{'– ' * depth}{node.code} {node.name} ({level})"))
        for child in children.get(node.id, []):
            visit(child, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    return choices


def _offer_choices(
    form: ProfileForm, staff: Staff, profile: AsnProfile | None, node_agency: int | None
) -> None:
    """The options of the selects: active agencies and accounts, plus the profile's
    current ones and the ones just posted, so that a refused choice (an agency or
    account deactivated meanwhile) stays selected next to its message."""
    session = db_session()
    kept_agencies = {a for a in (profile and profile.agency_id, form.agency.data) if a}
    agencies = (
        select(Agency.id, Agency.name)
        .where(Agency.active.is_(True) | Agency.id.in_(kept_agencies))
        .order_by(Agency.name)
    )
    form.agency.choices = [(0, _("Choose an agency"))] + [
        (agency_id, name) for agency_id, name in session.execute(agencies)
    ]
    node_choices = (
        _tree_choices(session, node_agency, profile.node_id if profile else None)
        if node_agency is not None
        else []
    )
    form.node.choices = [(0, _("The whole agency"))] + node_choices
    # Any active account may be an atasan (a head of division need not be an ASN user
    # himself).
    kept_accounts = {s for s in (profile and profile.supervisor_id, form.supervisor.data) if s}
    accounts = (
        select(Staff.id, Staff.display_name, Staff.username)
        .where((Staff.active.is_(True) & (Staff.id != staff.id)) | Staff.id.in_(kept_accounts))
        .order_by(Staff.display_name, Staff.username)
    )
    form.supervisor.choices = [(0, _("Nobody yet"))] + [
        (staff_id, f"{name} ({username})") for staff_id, name, username in session.execute(accounts)
    ]


def _profile_form(profile: AsnProfile | None) -> ProfileForm:
    if request.method == "POST" or profile is None:
        return ProfileForm()
    return ProfileForm(
        data={
            "agency": profile.agency_id,
            "node_agency": str(profile.agency_id),
            "node": profile.node_id or 0,
            "supervisor": profile.supervisor_id or 0,
            "nip": profile.nip,
            "position": profile.position,
            "field_officer": profile.field_officer,
        }
    )


def _node_agency(form: ProfileForm, profile: AsnProfile | None) -> int | None:
    """The agency whose tree the node list shows."""
    if request.method != "POST":
        return profile.agency_id if profile else None
    raw = (form.node_agency.data or "").strip()
    return int(raw) if raw.isdecimal() else None


def _audit(officer: Officer, saved: people.ProfileSaved) -> None:
    profile = saved.profile
    if saved.created:
        record(
            "kinerja.profile_created",
            officer.id,
            detail=f"staff {profile.staff_id} agency {profile.agency_id} "
            f"node {profile.node_id or '-'} supervisor {profile.supervisor_id or '-'}",
        )
    elif saved.changed:
        # Ids of what the changes point to; the NIP and position are named, not copied.
        shown = {
            "agency_id": f"agency {profile.agency_id}",
            "node_id": f"node {profile.node_id or '-'}",
            "supervisor_id": f"supervisor {profile.supervisor_id or '-'}",
        }
        parts = [shown.get(name, name.removesuffix("_id")) for name in saved.changed]
        record(
            "kinerja.profile_updated",
            officer.id,
            detail=f"staff {profile.staff_id} " + " ".join(parts),
        )


def _save(
    officer: Officer, staff: Staff, form: ProfileForm, node_agency: int | None
) -> people.ProfileSaved | None:
    """Apply the form; None (with the reasons on the form) when refused."""
    agency_id = form.agency.data or None
    # A node chosen from another agency's list cannot belong to this one: the new
    # agency's tree is offered once the agency is saved.
    node_id = (form.node.data or None) if agency_id == node_agency else None
    draft = people.ProfileDraft(
        agency_id=agency_id,
        node_id=node_id,
        supervisor_id=form.supervisor.data or None,
        nip=form.nip.data or "",
        position=form.position.data or "",
        field_officer=bool(form.field_officer.data),
    )
    try:
        return people.save_profile(db_session(), staff, draft)
    except FieldsRefused as refused:
        mark_fields(form, refused.problems, lambda problem: str(PROBLEM_MESSAGES[problem.reason]))
        return None


def _target(staff_id: int) -> tuple[Staff, AsnProfile | None]:
    """The account and its profile; 404 unless it is an ASN account or has a profile."""
    session = db_session()
    staff = session.get(Staff, staff_id)
    profile = session.get(AsnProfile, staff_id) if staff is not None else None
    if staff is None or (profile is None and "asn" not in staff.role_set):
        abort(404)
    return staff, profile


def _remove(officer: Officer, staff: Staff) -> BaseResponse:
    if not RemoveForm().validate_on_submit():
        abort(400)
    session = db_session()
    try:
        removed = people.remove_profile(session, staff.id)
    except people.ProfileInUse as in_use:
        flash(
            _(
                "%(name)s has already recorded activities (entries: %(count)d), so the "
                "profile stays: his days count in his agency's figures. To stop him "
                "recording, disable the account.",
                name=staff.display_name,
                count=in_use.entries,
            ),
            "error",
        )
        return redirect(url_for("kinerja.person", staff_id=staff.id), code=303)
    if removed:
        record("kinerja.profile_removed", officer.id, detail=f"staff {staff.id}")
        session.commit()
        flash(_("The profile of %(name)s has been removed.", name=staff.display_name), "success")
    return redirect(url_for("kinerja.people"), code=303)


@blueprint.route("/people/<int:staff_id>", methods=["GET", "POST"])
@requires(*PROFILE_ROLES)
def person(officer: Officer, staff_id: int) -> BaseResponse | tuple[str, int]:
    staff, profile = _target(staff_id)
    if request.method == "POST" and request.form.get("action") == "remove":
        return _remove(officer, staff)
    form = _profile_form(profile)
    node_agency = _node_agency(form, profile)
    _offer_choices(form, staff, profile, node_agency)
    if form.validate_on_submit():
        saved = _save(officer, staff, form, node_agency)
        if saved is not None:
            _audit(officer, saved)
            db_session().commit()
            tree_offered = saved.profile.agency_id != node_agency and bool(
                _tree_choices(db_session(), saved.profile.agency_id, None)
            )
            if tree_offered:
                flash(
                    _(
                        "The profile has been saved. You can now choose the part of the "
                        "agency's performance tree he works on."
                    ),
                    "success",
                )
            else:
                flash(_("The profile has been saved."), "success")
            return redirect(url_for("kinerja.person", staff_id=staff.id), code=303)
    return form_page(
        "kinerja/person.html",
        bool(form.errors),
        staff=staff,
        profile=profile,
        form=form,
        node_agency=node_agency,
        entries=people.entry_count(db_session(), staff.id) if profile else 0,
    )
