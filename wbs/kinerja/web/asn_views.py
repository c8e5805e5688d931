"""The ASN's own e-Kinerja pages (issue 7): his month, and one day's entries with their
photos. The rules and writes are in wbs/kinerja/entries.py and photo_store.py; these
views parse the request, phrase the problems (entry_forms.py) and render. His monthly
plan is in plan_views.py.

The day page alone may use the camera and the location (Permissions-Policy) and runs
one small script of our own (wbs/static/kinerja.js: "use my location"); every other
page keeps the site's policy of no script at all. Without JavaScript the typed place,
position and time work the same.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from wbs.app_context import db_session, settings
from wbs.holiday_calendar import list_holidays, national_holidays, working_calendar
from wbs.kinerja import data, entries, photo_store
from wbs.kinerja.entries import DayApproved, DayNotOpen
from wbs.kinerja.monthly import month_days
from wbs.kinerja.photo_store import PhotoRefused
from wbs.kinerja.refusals import FieldsRefused
from wbs.kinerja.web import access, blueprint
from wbs.kinerja.web.asn_pages import (
    chosen_month,
    clock,
    day_or_404,
    evidence_rules,
    local_time,
    month_text,
    own_profile_or_404,
    shift_month,
    uploads,
)
from wbs.kinerja.web.entry_forms import (
    REFUSED_MESSAGES,
    DeleteForm,
    EntryForm,
    choices,
    entry_data,
    entry_fields,
    photo_message,
    problem_message,
)
from wbs.kinerja.web.field_problems import mark_fields
from wbs.kinerja.web.flag_words import photo_flag_texts
from wbs.models import ActivityDay, ActivityEntry, ActivityPhoto, AsnProfile
from wbs.sakip.numbers_input import format_number_input
from wbs.sakip.web.tree_forms import csrf_refused
from wbs.security_headers import CONTENT_SECURITY_POLICY
from wbs.staff_auth import Officer, record, requires

# The day page may ask for the camera and the position, and load our own script.
DAY_PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(self), interest-cohort=(), browsing-topics=()"
)
DAY_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY + "; script-src 'self'"

STATE_LABELS = {
    "submitted": _l("Submitted, waiting for review"),
    "approved": _l("Approved"),
    "returned": _l("Returned for correction"),
}


# --- the month -------------------------------------------------------------------------


@dataclass(frozen=True)
class DayLine:
    day: date
    working: bool
    holiday: str
    state: str | None
    comment: str
    entries: int
    missing: bool
    future: bool


def _elsewhere(officer: Officer) -> BaseResponse | str:
    """Where /kinerja/ leads someone who has no e-Kinerja of his own."""
    if access.reviews_anyone(officer):
        return redirect(url_for("kinerja.review_queue"))
    if officer.has("agency_head") and officer.staff.agency_id is not None:
        return redirect(url_for("kinerja.agency_month", agency_id=officer.staff.agency_id))
    if officer.has(*access.PROFILE_ROLES):
        return redirect(url_for("kinerja.people"))
    return render_template("kinerja/no_profile.html")


@blueprint.get("/")
@requires()
def home(officer: Officer) -> BaseResponse | str:
    """The ASN's month: each day's state, missing due days, output against plan."""
    profile = access.own_profile(officer)
    if profile is None:
        return _elsewhere(officer)
    session = db_session()
    _now, today = clock()
    month = chosen_month(today)
    first, last = month_days(month)
    calendar = working_calendar(session, [month[0]])
    names = national_holidays([month[0]])
    names.update({row.day: row.name for row in list_holidays(session, month[0])})
    days = {
        row.day: row
        for row in session.scalars(
            select(ActivityDay).where(
                ActivityDay.staff_id == profile.staff_id, ActivityDay.day.between(first, last)
            )
        )
    }
    month_input = data.asn_month_input(session, profile.staff_id, month, calendar)
    summary = month_input.summary(today).asns[0]
    counts: dict[date, int] = defaultdict(int)
    for line in month_input.days:
        for day, entries_of_day in zip(line.days, line.entries, strict=True):
            counts[day] += entries_of_day
    missing = set(summary.missing_days)
    lines = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        day_row = days.get(day)
        lines.append(
            DayLine(
                day=day,
                working=calendar.is_working_day(day),
                holiday=names.get(day, ""),
                state=day_row.state if day_row else None,
                comment=day_row.comment if day_row else "",
                entries=counts.get(day, 0),
                missing=day in missing,
                future=day > today,
            )
        )
    labels = entries.target_labels(session, [o.target_key for o in summary.outputs])
    return render_template(
        "kinerja/home.html",
        profile=profile,
        month=month,
        month_start=first,
        month_text=month_text(month),
        previous_month=month_text(shift_month(month, -1)),
        next_month=month_text(shift_month(month, 1)),
        lines=lines,
        summary=summary,
        labels=labels,
        today=today,
        state_labels=STATE_LABELS,
        reviews=access.reviews_anyone(officer),
    )


# --- one day ---------------------------------------------------------------------------


def _day_response(body: str, status: int) -> BaseResponse:
    response = make_response(body, status)
    response.headers["Permissions-Policy"] = DAY_PERMISSIONS_POLICY
    response.headers["Content-Security-Policy"] = DAY_CONTENT_SECURITY_POLICY
    return response


def _day_page(
    profile: AsnProfile,
    the_day: date,
    form: EntryForm,
    *,
    editing: ActivityEntry | None = None,
    status: int = 200,
    photo_errors: list[str] | None = None,
    lost_files: list[str] | None = None,
) -> BaseResponse:
    session = db_session()
    _now, today = clock()
    day_row = entries.find_day(session, profile.staff_id, the_day)
    day_entries = data.day_entries(session, profile.staff_id, the_day)
    rows = [item.entry for item in day_entries]
    photos = {item.entry.id: list(item.photos) for item in day_entries}
    labels = entries.target_labels(session, [row.target_key for row in rows])
    closed_reason: str | None = None
    try:
        entries.check_day_open(day_row, the_day, today)
    except (DayApproved, DayNotOpen) as refused:
        closed_reason = refused.reason
    flags = photo_flag_texts(
        session, profile.staff_id, (photo for items in photos.values() for photo in items)
    )
    body = render_template(
        "kinerja/day.html",
        profile=profile,
        the_day=the_day,
        day_row=day_row,
        rows=rows,
        photos=photos,
        flags=flags,
        labels=labels,
        form=form,
        editing=editing,
        editing_photos=photos.get(editing.id, []) if editing is not None else [],
        closed_message=REFUSED_MESSAGES[closed_reason] if closed_reason else None,
        photo_errors=photo_errors or [],
        lost_files=lost_files or [],
        state_labels=STATE_LABELS,
        local_time=local_time,
        max_files=settings().max_files,
        number_text=format_number_input,
        previous_day=the_day - timedelta(days=1),
        next_day=the_day + timedelta(days=1) if the_day < today else None,
    )
    return _day_response(body, status)


def _add_entry(
    profile: AsnProfile,
    the_day: date,
    fields: entries.EntryFields,
    targets: list[str],
    files: list[FileStorage],
    today: date,
    now: datetime,
) -> tuple[ActivityEntry, list[ActivityPhoto]]:
    """Add the entry and its photos. A double click sends the first entry of a day twice
    at once: both requests create the day and the second insert fails on its primary
    key; that one is tried once more, now that the day exists."""
    session = db_session()
    for attempt in (1, 2):
        try:
            entry = entries.add_entry(session, profile, the_day, fields, targets, today, now)
            return entry, _store_photos(entry, files, now)
        except IntegrityError:
            if attempt == 2:
                raise
            session.rollback()
            for upload in files:
                upload.stream.seek(0)
    raise AssertionError("unreachable: the second attempt returns or raises")


def _store_photos(
    entry: ActivityEntry, files: list[FileStorage], now: datetime
) -> list[ActivityPhoto]:
    rules, max_pixels = evidence_rules(), settings().max_image_pixels
    return [
        photo_store.store_photo(
            db_session(), entry, upload.stream, upload.filename or "", rules, max_pixels, now
        )
        for upload in files
    ]


def _too_many(files: list[FileStorage]) -> str | None:
    limit = settings().max_files
    if len(files) > limit:
        return _("Send at most %(count)d photos at once.", count=limit)
    return None


def _refused(the_day: date, reason: str) -> BaseResponse:
    flash(str(REFUSED_MESSAGES[reason]), "error")
    return redirect(url_for("kinerja.day", iso=the_day.isoformat()))


def _own_entry_or_404(officer: Officer, entry_id: int) -> tuple[AsnProfile, ActivityEntry]:
    profile = own_profile_or_404(officer)
    entry = entries.own_entry(db_session(), profile.staff_id, entry_id)
    if entry is None:
        abort(404)
    return profile, entry


def _form_refused(
    profile: AsnProfile,
    the_day: date,
    form: EntryForm,
    files: list[FileStorage],
    *,
    editing: ActivityEntry | None = None,
) -> BaseResponse | None:
    """The page for a post refused before any write (no CSRF token, too many photos),
    or None when the post may go on."""
    if csrf_refused(form):
        return _day_page(profile, the_day, form, editing=editing, status=400)
    too_many = _too_many(files)
    if too_many:
        return _form_again(profile, the_day, form, files, editing, [too_many])
    return None


# What a write of an entry (added or changed, with its photos) may be refused with.
WRITE_REFUSALS = (DayApproved, DayNotOpen, FieldsRefused, PhotoRefused)


def _write_refused(
    profile: AsnProfile,
    the_day: date,
    form: EntryForm,
    files: list[FileStorage],
    refused: DayApproved | DayNotOpen | FieldsRefused | PhotoRefused,
    *,
    editing_id: int | None = None,
) -> BaseResponse:
    """Undo the refused write; a closed day goes back to the day page with why, bad
    values or a bad photo re-render the form as typed (the entry being changed, if any,
    read again as it is stored)."""
    session = db_session()
    session.rollback()
    if isinstance(refused, DayApproved | DayNotOpen):
        return _refused(the_day, refused.reason)
    editing = (
        None if editing_id is None else entries.own_entry(session, profile.staff_id, editing_id)
    )
    if isinstance(refused, FieldsRefused):
        mark_fields(form, refused.problems, problem_message)
        return _form_again(profile, the_day, form, files, editing, [])
    return _form_again(profile, the_day, form, files, editing, [photo_message(refused)])


def _form_again(
    profile: AsnProfile,
    the_day: date,
    form: EntryForm,
    files: list[FileStorage],
    editing: ActivityEntry | None,
    photo_errors: list[str],
) -> BaseResponse:
    """The day page with the refused form as typed, naming the photos sent (a browser
    does not keep them: they must be chosen again)."""
    return _day_page(
        profile,
        the_day,
        form,
        editing=editing,
        status=400,
        photo_errors=photo_errors,
        lost_files=[f.filename or "" for f in files],
    )


@blueprint.route("/day/<iso>", methods=["GET", "POST"])
@requires("asn")
def day(officer: Officer, iso: str) -> BaseResponse:
    """A day's entries with their photos, its review state, and the form to add an
    entry (or, with ?edit=<entry id>, to change one)."""
    profile = own_profile_or_404(officer)
    the_day = day_or_404(iso)
    session = db_session()
    options = entries.target_options(session, profile)
    editing = None
    if request.method == "GET" and request.args.get("edit", "").isdigit():
        editing = entries.own_entry(session, profile.staff_id, int(request.args["edit"]))
        if editing is None or editing.day != the_day:
            abort(404)
        form = EntryForm(formdata=None, data=entry_data(editing))
        form.target_key.choices = choices(options, editing.target_key)
        return _day_page(profile, the_day, form, editing=editing)
    form = EntryForm()
    form.target_key.choices = choices(options)
    if request.method == "GET":
        return _day_page(profile, the_day, form)
    files = uploads()
    form_refused = _form_refused(profile, the_day, form, files)
    if form_refused is not None:
        return form_refused
    now, today = clock()
    try:
        entry, stored = _add_entry(
            profile, the_day, entry_fields(form), [o.key for o in options], files, today, now
        )
    except WRITE_REFUSALS as refused:
        return _write_refused(profile, the_day, form, files, refused)
    record(
        "kinerja.entry_added",
        officer.id,
        detail=f"entry {entry.id} day {the_day.isoformat()} photos {len(stored)}",
    )
    session.commit()
    flash(_("The activity was saved."), "success")
    return redirect(url_for("kinerja.day", iso=the_day.isoformat()))


@blueprint.post("/entry/<int:entry_id>/edit")
@requires("asn")
def entry_edit(officer: Officer, entry_id: int) -> BaseResponse:
    """Change an own entry: its values, photos added, photos removed."""
    profile, entry = _own_entry_or_404(officer, entry_id)
    the_day = entry.day
    session = db_session()
    options = entries.target_options(session, profile)
    form = EntryForm()
    form.target_key.choices = choices(options, entry.target_key)
    files = uploads()
    form_refused = _form_refused(profile, the_day, form, files, editing=entry)
    if form_refused is not None:
        return form_refused
    removing = [int(v) for v in request.form.getlist("remove_photo") if v.isdigit()]
    now, today = clock()
    try:
        entries.edit_entry(
            session,
            profile,
            entry,
            entry_fields(form),
            [o.key for o in options],
            today,
            now,
            remove_photo_ids=removing,
        )
        stored = _store_photos(entry, files, now)
    except WRITE_REFUSALS as refused:
        return _write_refused(profile, the_day, form, files, refused, editing_id=entry_id)
    record(
        "kinerja.entry_changed",
        officer.id,
        detail=f"entry {entry_id} day {the_day.isoformat()} photos +{len(stored)} -{len(removing)}",
    )
    session.commit()
    flash(_("The activity was changed."), "success")
    return redirect(url_for("kinerja.day", iso=the_day.isoformat()))


@blueprint.post("/entry/<int:entry_id>/delete")
@requires("asn")
def entry_delete(officer: Officer, entry_id: int) -> BaseResponse:
    """Delete an own entry with its photos."""
    profile, entry = _own_entry_or_404(officer, entry_id)
    the_day = entry.day
    session = db_session()
    if csrf_refused(DeleteForm()):
        abort(400)
    now, today = clock()
    try:
        entries.delete_entry(session, profile, entry, today, now)
    except (DayApproved, DayNotOpen) as refused:
        session.rollback()
        return _refused(the_day, refused.reason)
    record(
        "kinerja.entry_deleted", officer.id, detail=f"entry {entry_id} day {the_day.isoformat()}"
    )
    session.commit()
    flash(_("The activity was deleted."), "success")
    return redirect(url_for("kinerja.day", iso=the_day.isoformat()))
