"""Personal API tokens for the statistics API (issue 4): each account with a dashboard
role lists, creates and revokes its own tokens under My account.

A new token is shown once, in the answer to the form that created it, and never put
in a cookie or a flash message (STYLE.md: no secret in a signed-but-readable cookie).
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField
from wtforms.validators import InputRequired, Length, NumberRange

from case_admin import blueprint
from case_admin.admin_forms import WholeNumberField
from case_admin.dashboard_views import DASHBOARD_ROLES
from wbs.api_tokens import (
    DEFAULT_DAYS_VALID,
    MAX_DAYS_VALID,
    MAX_NAME_LENGTH,
    IssuedToken,
    create_token,
    is_usable,
    list_tokens,
    revoke_token,
)
from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.staff_auth import Officer, record, requires


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        [
            InputRequired(_l("Enter a name that says where the token is used.")),
            Length(
                max=MAX_NAME_LENGTH,
                message=_l("A name has at most %(max)d characters.", max=MAX_NAME_LENGTH),
            ),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    # invalid_value_message is WTForms 3.3; types-WTForms 3.2 does not know it yet.
    days_valid = WholeNumberField(  # type: ignore[call-arg]
        _l("Valid for (days)"),
        [
            InputRequired(_l("Enter a number of days.")),
            NumberRange(
                1,
                MAX_DAYS_VALID,
                _l("Enter a whole number from 1 to %(max)d.", max=MAX_DAYS_VALID),
            ),
        ],
        default=DEFAULT_DAYS_VALID,
        invalid_value_message=_l("Enter a whole number from 1 to %(max)d.", max=MAX_DAYS_VALID),
    )


def _tokens_page(
    officer: Officer, form: ApiTokenForm | None = None, issued: IssuedToken | None = None
) -> str:
    today: date = settings().today()
    return render_template(
        "case_admin/tokens.html",
        tokens=list_tokens(db_session(), officer.staff),
        usable=lambda token: is_usable(token, today),
        form=form or ApiTokenForm(formdata=None),
        issued=issued,
        max_days=MAX_DAYS_VALID,
    )


@blueprint.get("/account/tokens")
@requires(*DASHBOARD_ROLES)
def api_tokens(officer: Officer) -> str:
    return _tokens_page(officer)


@blueprint.post("/account/tokens")
@requires(*DASHBOARD_ROLES)
def api_token_create(officer: Officer) -> tuple[str, int]:
    form = ApiTokenForm()
    if not form.validate_on_submit() or form.days_valid.data is None:
        return _tokens_page(officer, form=form), 400
    session = db_session()
    issued = create_token(
        session,
        officer.staff,
        form.name.data or "",
        settings().today(),
        form.days_valid.data,
        now_utc(),
    )
    # Ids and dates only: the name is the officer's own text, the token a secret.
    record(
        "api_token.created",
        officer.id,
        detail=f"token {issued.row.id} expires {issued.row.expires_on.isoformat()}",
    )
    session.commit()
    return _tokens_page(officer, issued=issued), 201


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@requires(*DASHBOARD_ROLES)
def api_token_revoke(officer: Officer, token_id: int) -> BaseResponse:
    session = db_session()
    if not revoke_token(session, officer.staff, token_id, now_utc()):
        # Someone else's token, an unknown one, or one revoked already.
        abort(404)
    record("api_token.revoked", officer.id, detail=f"token {token_id}")
    session.commit()
    flash(_("The token is revoked: programs using it are refused from now on."), "success")
    return redirect(url_for("admin.api_tokens"))
