"""Staff accounts (admin), case access for officers (supervisor) and every officer's
own conflicts of interest (DESIGN.md, "Who uses it").

Admins manage accounts but never get report content from that: a new or reset account
holds no key to the unit key, and only a supervisor whose session holds the unit key
can grant one (wbs/access_keys.py). Every action writes an audit entry naming ids and
roles only, never a password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import Field

from case_admin import blueprint
from case_admin.admin_forms import ConflictForm, StaffCreateForm, StaffDetailsForm
from wbs import staff_sessions
from wbs.access_keys import grant, has_key_access, revoke_officer_wraps, set_access_key
from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.keyring import active_unit_key
from wbs.models import Agency, Staff, StaffConflict, StaffSession, UnitKeyWrap
from wbs.models.staff import AGENCY_ROLES
from wbs.password_policy import password_problem
from wbs.staff_accounts import create_staff, password_hasher
from wbs.staff_auth import CASE_ROLES, Officer, record, requires

# Who reaches the account pages: admins manage accounts, supervisors grant case access.
ACCOUNT_PAGE_ROLES = ("admin", "supervisor")


@dataclass(frozen=True)
class AccountRow:
    staff: Staff
    locked_until: datetime | None
    # "yes" (an officer wrap), "pending" (a grant redeemed at the next login), "no",
    # or "not_needed" (no case role and no wrap).
    key_access: str
    conflicts: list[str]

    @property
    def handles_cases(self) -> bool:
        return bool(self.staff.role_set & CASE_ROLES)


def temporary_password(username: str) -> str:
    """A random password that passes the policy; the person replaces it at first login."""
    while True:
        candidate = secrets.token_urlsafe(15)
        # A short username may, rarely, occur inside random text: draw again.
        if password_problem(candidate, username) is None:
            return candidate


def _key_states(session: Session) -> dict[int, str]:
    unit_key = active_unit_key(session)
    states: dict[int, str] = {}
    rows = session.execute(
        select(UnitKeyWrap.staff_id, UnitKeyWrap.kind).where(
            UnitKeyWrap.unit_key_id == unit_key.id,
            UnitKeyWrap.kind.in_(("officer", "grant")),
            UnitKeyWrap.staff_id.is_not(None),
        )
    )
    for staff_id, kind in rows:
        assert staff_id is not None  # the query leaves out wraps of no officer
        if kind == "officer":
            states[staff_id] = "yes"
        else:
            states.setdefault(staff_id, "pending")
    return states


def _conflict_names(session: Session, staff_id: int | None = None) -> dict[int, list[str]]:
    query = (
        select(StaffConflict.staff_id, Agency.name)
        .join(Agency, Agency.id == StaffConflict.agency_id)
        .order_by(Agency.name)
    )
    if staff_id is not None:
        query = query.where(StaffConflict.staff_id == staff_id)
    names: dict[int, list[str]] = {}
    for owner, name in session.execute(query):
        names.setdefault(owner, []).append(name)
    return names


def _row(staff: Staff, states: dict[int, str], conflicts: dict[int, list[str]]) -> AccountRow:
    now = now_utc()
    locked = staff.locked_until if staff.locked_until and staff.locked_until > now else None
    state = states.get(staff.id, "no" if staff.role_set & CASE_ROLES else "not_needed")
    return AccountRow(staff, locked, state, conflicts.get(staff.id, []))


def _target(staff_id: int) -> Staff:
    staff = db_session().get(Staff, staff_id)
    if staff is None:
        abort(404)
    return staff


def _is_last_active_admin(session: Session, staff: Staff) -> bool:
    """True when ``staff`` is the only active admin: without him nobody could manage
    accounts any more (only `wbs init` on an empty database makes a first admin)."""
    if not (staff.active and "admin" in staff.role_set):
        return False
    others = session.scalars(select(Staff).where(Staff.active.is_(True), Staff.id != staff.id))
    return not any("admin" in other.role_set for other in others)


def _drop_session_keys(session: Session, staff_id: int) -> None:
    """Revoked access also leaves the sessions already open (they hold the unit key)."""
    session.execute(
        update(StaffSession).where(StaffSession.staff_id == staff_id).values(unit_key=None)
    )


def _revoke(session: Session, target: Staff) -> None:
    revoke_officer_wraps(session, target)
    _drop_session_keys(session, target.id)


def _roles_text(roles: set[str] | frozenset[str]) -> str:
    return ",".join(sorted(roles)) or "-"


def _offer_agencies(form: StaffDetailsForm, current: int | None = None) -> None:
    """The agencies an agency account may belong to: the active ones, and the one it
    already has (so that saving does not silently drop an inactive agency)."""
    query = select(Agency.id, Agency.name).order_by(Agency.name)
    if current is None:
        query = query.where(Agency.active.is_(True))
    else:
        query = query.where(Agency.active.is_(True) | (Agency.id == current))
    form.agency.choices = list(_agency_choices(form)) + [
        (agency_id, name) for agency_id, name in db_session().execute(query)
    ]


def _agency_choices(form: StaffDetailsForm) -> list[tuple[int, str | LazyString]]:
    """The agency choices: (id, label) pairs, as StaffDetailsForm and _offer_agencies set
    them (the stubs allow any form of choices)."""
    return cast("list[tuple[int, str | LazyString]]", form.agency.choices or [])


def _errors(field: Field) -> list[str]:
    """The field's errors, to add one: called after validate(), which made them a list
    (the stubs say Sequence)."""
    return cast("list[str]", field.errors)


def _checked_agency(form: StaffDetailsForm, roles: frozenset[str] | set[str]) -> int | None:
    """The account's agency for ``roles``, or None; an error on the form when refused.

    An agency account (issue 5: agency staff, head of agency) reaches one agency's
    e-SAKIP pages and nothing of the case work: it needs its agency, and a case role
    would let it read reports, perhaps about its own colleagues. Any other account has
    no agency (a stale one is cleared).
    """
    chosen = form.agency.data or None
    if not roles & AGENCY_ROLES:
        return None
    if roles & CASE_ROLES:
        _errors(form.roles).append(
            _(
                "An agency account (agency staff, head of agency) cannot also hold a case "
                "role (intake officer, investigator, supervisor): it must never see reports."
            )
        )
        return None
    offered = {value for value, _label in _agency_choices(form) if value}
    if chosen is None or chosen not in offered:
        _errors(form.agency).append(_("Choose the agency this agency account belongs to."))
        return None
    return chosen


def _agency_refused(form: StaffDetailsForm) -> bool:
    return bool(form.roles.errors or form.agency.errors)


@blueprint.get("/staff")
@requires(*ACCOUNT_PAGE_ROLES)
def staff_list(officer: Officer) -> str:
    session = db_session()
    states = _key_states(session)
    conflicts = _conflict_names(session)
    accounts = session.scalars(select(Staff).order_by(Staff.username))
    rows = [_row(staff, states, conflicts) for staff in accounts]
    return render_template("case_admin/staff_list.html", rows=rows)


@blueprint.route("/staff/new", methods=["GET", "POST"])
@requires("admin")
def staff_new(officer: Officer) -> str | tuple[str, int]:
    form = StaffCreateForm()
    _offer_agencies(form)
    if form.validate_on_submit():
        session = db_session()
        username = form.username.data or ""
        taken = session.scalar(select(Staff.id).where(func.lower(Staff.username) == username))
        roles = set(form.roles.data or [])
        agency_id = _checked_agency(form, roles)
        if taken is not None:
            _errors(form.username).append(_("This username is already taken. Choose another."))
        elif not _agency_refused(form):
            password = temporary_password(username)
            staff = create_staff(
                session,
                username=username,
                display_name=(form.display_name.data or "").strip(),
                email=form.email.data or None,
                password=password,
                roles=roles,
                params=settings().argon2,
                now=now_utc(),
                must_change_password=True,
            )
            staff.agency_id = agency_id
            detail = f"staff {staff.id} roles {_roles_text(roles)}"
            record(
                "staff.created",
                officer.id,
                detail=detail if agency_id is None else f"{detail} agency {agency_id}",
            )
            session.commit()
            return render_template(
                "case_admin/staff_password.html",
                target=staff,
                password=password,
                reset=False,
                handles_cases=bool(roles & CASE_ROLES),
            ), 201
    status = 400 if form.errors else 200
    return render_template("case_admin/staff_new.html", form=form), status


def _details_form(target: Staff) -> StaffDetailsForm:
    if request.method == "POST":
        return StaffDetailsForm()
    return StaffDetailsForm(
        data={
            "display_name": target.display_name,
            "email": target.email or "",
            "roles": sorted(target.role_set),
            "agency": target.agency_id or 0,
        }
    )


def _save_details(officer: Officer, target: Staff, form: StaffDetailsForm) -> bool:
    """Apply the edit form; False (with the reason on the form) when refused."""
    session = db_session()
    old_roles, new_roles = target.role_set, frozenset(form.roles.data or [])
    if "admin" in old_roles and "admin" not in new_roles and _is_last_active_admin(session, target):
        _errors(form.roles).append(
            _(
                "%(name)s is the last active admin: keep the admin role, or first give it "
                "to another account.",
                name=target.display_name,
            )
        )
        return False
    agency_id = _checked_agency(form, new_roles)
    if _agency_refused(form):
        return False
    changed = []
    display_name = (form.display_name.data or "").strip()
    email = form.email.data or None
    if display_name != target.display_name:
        target.display_name = display_name
        changed.append("display_name")
    if email != target.email:
        target.email = email
        changed.append("email")
    if changed:
        record("staff.updated", officer.id, detail=f"staff {target.id} {','.join(changed)}")
    if agency_id != target.agency_id:
        record(
            "staff.agency_changed",
            officer.id,
            detail=f"staff {target.id} agency {agency_id or '-'} (was {target.agency_id or '-'})",
        )
        target.agency_id = agency_id
    if new_roles != old_roles:
        target.roles = " ".join(sorted(new_roles))
        record(
            "staff.roles_changed",
            officer.id,
            detail=f"staff {target.id} roles {_roles_text(new_roles)} "
            f"(was {_roles_text(old_roles)})",
        )
        if (
            old_roles & CASE_ROLES
            and not new_roles & CASE_ROLES
            and has_key_access(session, target)
        ):
            # Leadership, sakip and admin never see report content (DESIGN.md): an
            # account that no longer handles cases keeps no key to it.
            _revoke(session, target)
            record("key.revoked", officer.id, detail=f"staff {target.id} no case role")
            flash(
                _("The account no longer handles cases: its access to report content was removed."),
                "warning",
            )
    return True


@blueprint.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@requires(*ACCOUNT_PAGE_ROLES)
def staff_edit(officer: Officer, staff_id: int) -> BaseResponse | str | tuple[str, int]:
    target = _target(staff_id)
    if request.method == "POST" and not officer.has("admin"):
        abort(403)
    form = _details_form(target)
    _offer_agencies(form, target.agency_id)
    if form.validate_on_submit():
        if _save_details(officer, target, form):
            db_session().commit()
            flash(_("The account has been saved."), "success")
            return redirect(url_for("admin.staff_edit", staff_id=target.id))
    session = db_session()
    row = _row(target, _key_states(session), _conflict_names(session, target.id))
    status = 400 if form.errors else 200
    return render_template("case_admin/staff_edit.html", row=row, form=form), status


def _back(target: Staff) -> BaseResponse:
    return redirect(url_for("admin.staff_edit", staff_id=target.id))


@blueprint.post("/staff/<int:staff_id>/disable")
@requires("admin")
def staff_disable(officer: Officer, staff_id: int) -> BaseResponse:
    target = _target(staff_id)
    session = db_session()
    if _is_last_active_admin(session, target):
        flash(
            _(
                "%(name)s is the last active admin and cannot be disabled: first give the "
                "admin role to another account.",
                name=target.display_name,
            ),
            "error",
        )
        return _back(target)
    if target.active:
        target.active = False
        # A disabled account is logged out everywhere at once, not at its next request.
        staff_sessions.end_all_for(session, target.id)
        record("staff.disabled", officer.id, detail=f"staff {target.id}")
        session.commit()
    flash(_("The account is disabled and all its sessions have ended."), "success")
    return _back(target)


@blueprint.post("/staff/<int:staff_id>/enable")
@requires("admin")
def staff_enable(officer: Officer, staff_id: int) -> BaseResponse:
    """Enable a disabled account, or unlock an active one: both clear the failed
    attempts (wbs/staff_login.py: an admin unlocks by re-enabling)."""
    target = _target(staff_id)
    action = "staff.unlocked" if target.active else "staff.enabled"
    target.active = True
    target.failed_logins = 0
    target.locked_until = None
    record(action, officer.id, detail=f"staff {target.id}")
    db_session().commit()
    if action == "staff.enabled":
        flash(_("The account is enabled again and unlocked."), "success")
    else:
        flash(_("The account is unlocked."), "success")
    return _back(target)


@blueprint.post("/staff/<int:staff_id>/reset-password")
@requires("admin")
def staff_reset(officer: Officer, staff_id: int) -> BaseResponse | str:
    target = _target(staff_id)
    if target.id == officer.id:
        flash(
            _("To change your own password, use “Change password” on your account page."), "error"
        )
        return _back(target)
    session = db_session()
    config = settings()
    had_access = has_key_access(session, target)
    password = temporary_password(target.username)
    target.password_hash = password_hasher(config.argon2).hash(password)
    target.must_change_password = True
    # A reset is what happens when a password may be known to someone else: the second
    # factor is enrolled again, and the unit key wrapped under the old password (and any
    # grant sealed to the old access key) is gone. A supervisor must grant access again.
    target.totp_secret = None
    target.totp_last_step = None
    target.failed_logins = 0
    target.locked_until = None
    set_access_key(target, password, config.argon2)
    revoke_officer_wraps(session, target)
    staff_sessions.end_all_for(session, target.id)
    record("staff.password_reset", officer.id, detail=f"staff {target.id}")
    session.commit()
    return render_template(
        "case_admin/staff_password.html",
        target=target,
        password=password,
        reset=True,
        had_access=had_access,
    )


@blueprint.post("/staff/<int:staff_id>/grant")
@requires("supervisor")
def staff_grant(officer: Officer, staff_id: int) -> BaseResponse:
    target = _target(staff_id)
    session = db_session()
    private = officer.unit_key()
    if private is None:
        flash(
            _("Your own session has no access to report content, so you cannot grant it."),
            "error",
        )
    elif not target.active or not target.role_set & CASE_ROLES:
        flash(
            _("Only an active account with a case role can get access to report content."), "error"
        )
    elif target.access_public_key is None or target.must_change_password:
        # Until the person has replaced the temporary password, the admin who read it
        # could open a grant sealed to this account: grant only after that first login.
        flash(
            _(
                "%(name)s must log in once and choose his own password before access can "
                "be granted.",
                name=target.display_name,
            ),
            "error",
        )
    elif has_key_access(session, target):
        flash(
            _("%(name)s already has access to report content.", name=target.display_name), "success"
        )
    else:
        grant(session, target, private, now_utc())
        record("key.granted", officer.id, detail=f"staff {target.id}")
        session.commit()
        flash(
            _(
                "Access granted. It takes effect at %(name)s's next login.",
                name=target.display_name,
            ),
            "success",
        )
    return _back(target)


@blueprint.post("/staff/<int:staff_id>/revoke")
@requires("supervisor")
def staff_revoke(officer: Officer, staff_id: int) -> BaseResponse:
    target = _target(staff_id)
    if target.id == officer.id:
        flash(_("You cannot revoke your own access; ask another supervisor."), "error")
        return _back(target)
    session = db_session()
    _revoke(session, target)
    record("key.revoked", officer.id, detail=f"staff {target.id}")
    session.commit()
    flash(
        _("%(name)s no longer has access to report content.", name=target.display_name),
        "success",
    )
    return _back(target)


def conflict_choices(officer: Officer) -> list[Agency]:
    """Active agencies, and any inactive one already declared (so that saving the form
    does not silently withdraw it)."""
    session = db_session()
    query = select(Agency).order_by(Agency.name)
    if officer.conflicts:
        query = query.where(Agency.active.is_(True) | Agency.id.in_(sorted(officer.conflicts)))
    else:
        query = query.where(Agency.active.is_(True))
    return list(session.scalars(query))


def account_context(officer: Officer) -> dict[str, object]:
    """What account.html shows beyond the officer: the agencies he may declare."""
    return {"conflict_agencies": conflict_choices(officer)}


@blueprint.post("/account/conflicts")
@requires()
def account_conflicts(officer: Officer) -> BaseResponse:
    form = ConflictForm()
    if not form.validate_on_submit():
        abort(400)
    session = db_session()
    allowed = {agency.id for agency in conflict_choices(officer)}
    chosen = {agency_id for agency_id in form.agencies.data or [] if agency_id in allowed}
    added, removed = chosen - officer.conflicts, officer.conflicts - chosen
    now = now_utc()
    for agency_id in sorted(added):
        session.add(StaffConflict(staff_id=officer.id, agency_id=agency_id, declared_at=now))
    for agency_id in sorted(removed):
        conflict = session.get(StaffConflict, (officer.id, agency_id))
        if conflict is not None:
            session.delete(conflict)
    if added:
        record(
            "conflict.declared", officer.id, detail="agencies " + ",".join(map(str, sorted(added)))
        )
    if removed:
        record(
            "conflict.withdrawn",
            officer.id,
            detail="agencies " + ",".join(map(str, sorted(removed))),
        )
    session.commit()
    flash(_("Your declaration of conflicts of interest has been saved."), "success")
    return redirect(url_for("admin.account"))
