"""The forms of the ASN's own e-Kinerja pages (issue 7), and the sentences that turn
the problems wbs/kinerja/entries.py, plans.py and photo_store.py find into messages on
those forms. The values are checked by the service modules, not by the forms."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from wbs.app_context import db_session
from wbs.kinerja import entries
from wbs.kinerja.entries import EntryFields, TargetOption
from wbs.kinerja.photo_store import PhotoRefused
from wbs.kinerja.refusals import FieldProblem
from wbs.models import ActivityEntry
from wbs.sakip.numbers_input import format_number_input

REFUSED_MESSAGES = {
    "approved": _l("This day was approved by your supervisor: its entries can no longer change."),
    "future": _l("A day in the future cannot be filled in."),
    "too_old": _l(
        "This day is more than %(days)d days back: it can no longer be filled in.",
        days=entries.MAX_DAYS_BACK,
    ),
}


def photo_message(refused: PhotoRefused) -> str:
    name = refused.file_name
    if refused.reason == "too_large":
        return _("%(name)s: the photo has too many pixels; send a smaller one.", name=name)
    if refused.reason == "unsupported":
        return _("%(name)s: this format is not accepted. Use JPEG, PNG or WebP.", name=name)
    return _("%(name)s: not a photo that can be read. Use JPEG, PNG or WebP.", name=name)


def problem_message(problem: FieldProblem) -> str:
    """The sentence shown on the field for one problem found by wbs/kinerja/entries.py
    or plans.py."""
    reason = problem.reason
    if problem.field == "activity":
        if reason == "too_long":
            return _(
                "Describe the activity in at most %(count)d characters.", count=entries.ACTIVITY_MAX
            )
        return _(
            "Describe the activity in at least %(count)d characters.", count=entries.ACTIVITY_MIN
        )
    if problem.field in ("quantity", "planned"):
        return {
            "required": _("Enter the output quantity, for example 1 or 2,5."),
            "places": _("Use at most 2 decimal places."),
            "size": _("This number is too large."),
            "not_positive": _("The quantity must be more than 0."),
        }.get(
            reason,
            _(
                "Not a number. Write for example 6,5 or 1.234,5: a comma before the decimals, "
                "dots between thousands."
            ),
        )
    if problem.field == "unit":
        return {
            "required": _("Enter the unit of the output, for example dokumen or kegiatan."),
            "too_long": _("A unit has at most %(count)d characters.", count=entries.UNIT_MAX),
            "duplicate": _("This month's plan already has a line for this target and unit."),
        }[reason]
    if problem.field == "target_key":
        return _("Choose an indicator or sub kegiatan from the list.")
    if problem.field == "place":
        return _("A place has at most %(count)d characters.", count=entries.PLACE_MAX)
    if problem.field in ("latitude", "longitude"):
        if reason == "pair":
            return _("Enter both the latitude and the longitude, or neither.")
        if reason == "range":
            if problem.field == "latitude":
                return _("A latitude lies between -90 and 90.")
            return _("A longitude lies between -180 and 180.")
        return _("Write decimal degrees, for example 1.0525 or -6,2088.")
    return _("Write the time as hours and minutes, for example 08:30.")


# --- forms -----------------------------------------------------------------------------


class EntryForm(FlaskForm):
    """An activity entry; the values are checked by entries.check_entry, not here."""

    activity = TextAreaField(_l("Activity"))
    quantity = StringField(_l("Output quantity"))
    unit = StringField(_l("Unit"))
    target_key = SelectField(_l("Counts towards"), choices=[], validate_choice=False)
    place = StringField(_l("Place"))
    latitude = StringField(_l("Latitude"))
    longitude = StringField(_l("Longitude"))
    started_at = StringField(_l("Start time"))


class PlanForm(FlaskForm):
    target_key = SelectField(_l("Target"), choices=[], validate_choice=False)
    unit = StringField(_l("Unit"))
    planned = StringField(_l("Planned quantity"))


class DeleteForm(FlaskForm):
    """The CSRF token of a delete button."""


def choices(options: list[TargetOption], current: str = "") -> list[tuple[str, str]]:
    kinds = {"ind": _("Indicator"), "node": _("Sub kegiatan")}
    choices = [("", _("No target"))]
    choices += [(o.key, f"{kinds[o.kind]}: {o.label}") for o in options]
    if current and current not in {o.key for o in options}:
        label = entries.target_labels(db_session(), [current]).get(current, current)
        choices.append((current, label))
    return choices


def entry_fields(form: EntryForm) -> EntryFields:
    return EntryFields(
        activity=form.activity.data or "",
        quantity=form.quantity.data or "",
        unit=form.unit.data or "",
        target_key=form.target_key.data or "",
        place=form.place.data or "",
        latitude=form.latitude.data or "",
        longitude=form.longitude.data or "",
        started_at=form.started_at.data or "",
    )


def entry_data(entry: ActivityEntry) -> dict[str, str]:
    return {
        "activity": entry.activity,
        "quantity": format_number_input(entry.quantity),
        "unit": entry.unit,
        "target_key": entry.target_key,
        "place": entry.place,
        "latitude": "" if entry.latitude is None else format(entry.latitude, "f"),
        "longitude": "" if entry.longitude is None else format(entry.longitude, "f"),
        "started_at": entry.started_at,
    }
