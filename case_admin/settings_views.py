"""Settings an admin changes on the pages (issue 4: agency figures on the transparency page).

Each save writes an audit entry naming the setting and its new value.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField

from case_admin import blueprint
from wbs.app_context import db_session
from wbs.installation import now_utc
from wbs.site_settings import TRANSPARENCY_AGENCIES, get_flag, set_flag
from wbs.staff_auth import Officer, record, requires


class SiteSettingsForm(FlaskForm):
    transparency_agencies = BooleanField(_l("Publish figures per agency on the transparency page"))


@blueprint.route("/settings", methods=["GET", "POST"])
@requires("admin")
def settings(officer: Officer) -> BaseResponse | tuple[str, int]:
    session = db_session()
    form = SiteSettingsForm(
        data={"transparency_agencies": get_flag(session, TRANSPARENCY_AGENCIES)}
    )
    if form.validate_on_submit():
        publish = bool(form.transparency_agencies.data)
        set_flag(session, TRANSPARENCY_AGENCIES, publish, officer.id, now_utc())
        state = "on" if publish else "off"
        record("setting.changed", officer.id, detail=f"{TRANSPARENCY_AGENCIES} {state}")
        session.commit()
        if publish:
            flash(_("Saved. The transparency page now shows figures per agency."), "success")
        else:
            flash(_("Saved. The transparency page shows no figures per agency."), "success")
        return redirect(url_for("admin.settings"))
    status = 400 if form.errors else 200
    return render_template("case_admin/settings.html", form=form), status
