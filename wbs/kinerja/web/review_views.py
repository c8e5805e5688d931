"""The atasan's pages (issue 7): the days waiting for his review, one day with its photos
and their flags in plain words, and the photo itself.

A day or photo the officer may not see answers 404 (wbs/kinerja/web/access.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, SubmitField, TextAreaField

from wbs.app_context import db_session, settings
from wbs.i18n import date_text
from wbs.installation import now_utc
from wbs.kinerja import data, reviews
from wbs.kinerja.data import DayEntry
from wbs.kinerja.entries import target_labels
from wbs.kinerja.photo_evidence import distance_m
from wbs.kinerja.photo_store import photo_chunks
from wbs.kinerja.web import blueprint
from wbs.kinerja.web.access import check_sees_person, may_review, profile_or_404
from wbs.kinerja.web.flag_words import distance_text, photo_flag_texts
from wbs.models import ActivityDay, ActivityPhoto, AsnProfile, Staff
from wbs.sakip.web.form_pages import form_page
from wbs.staff_auth import Officer, record, requires

# Served inline only as a picture; anything else goes out as an opaque download.
INLINE_MEDIA_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heif", "image/heic"}
)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment"))
    # The day's updated_at as the atasan saw it: a day the ASN changed since is not
    # approved unseen.
    version = HiddenField()
    approve = SubmitField(_l("Approve the day"))
    send_back = SubmitField(_l("Return to the ASN"))


REFUSALS = {
    reviews.NOT_SUBMITTED: _l("This day is not waiting for review: it was already reviewed."),
    reviews.NO_ENTRIES: _l("This day has no entries to review."),
    reviews.OWN_DAY: _l("You cannot review your own day."),
    reviews.CHANGED: _l(
        "The ASN changed this day while you were reading it, or it was reviewed meanwhile. "
        "Please look at it again."
    ),
    reviews.COMMENT_MISSING: _l("Say what the ASN should correct (at least 3 characters)."),
    reviews.COMMENT_TOO_LONG: _l("The comment can be at most 1,000 characters long."),
}
COMMENT_REASONS = frozenset({reviews.COMMENT_MISSING, reviews.COMMENT_TOO_LONG})


# --- the queue --------------------------------------------------------------------------


@blueprint.get("/review")
@requires()
def review_queue(officer: Officer) -> str:
    return render_template(
        "kinerja/review_queue.html", days=data.review_queue(db_session(), officer.id)
    )


# --- one day ----------------------------------------------------------------------------


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


def _day_to_review(
    officer: Officer, staff_id: int, day_text: str
) -> tuple[AsnProfile, ActivityDay]:
    profile = profile_or_404(staff_id)
    if not may_review(officer, profile):
        abort(404)
    found = db_session().get(ActivityDay, (staff_id, _parse_day(day_text)))
    if found is None:
        abort(404)
    return profile, found


@dataclass(frozen=True)
class PhotoView:
    """One photo as the review page shows it."""

    photo: ActivityPhoto
    taken_at: str | None
    uploaded_at: str
    position: str | None
    distance: str | None
    flags: tuple[str, ...]


def _local(moment: datetime) -> str:
    """A stored (naive UTC) time in the installation's zone, as "3 Nov 2026, 09:15 WIB"."""
    zone = ZoneInfo(settings().timezone)
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    return f"{date_text(local.date())}, {local:%H:%M} {local.tzname()}"


def _position(latitude: Decimal | None, longitude: Decimal | None) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    return (float(latitude), float(longitude))


def photo_views(session: Session, staff_id: int, entries: list[DayEntry]) -> dict[int, PhotoView]:
    """What the page shows of each photo of the day, by photo id."""
    flags = photo_flag_texts(
        session, staff_id, (photo for item in entries for photo in item.photos)
    )
    views: dict[int, PhotoView] = {}
    for item in entries:
        site = _position(item.entry.latitude, item.entry.longitude)
        for photo in item.photos:
            where = _position(photo.latitude, photo.longitude)
            views[photo.id] = PhotoView(
                photo=photo,
                taken_at=None if photo.taken_at is None else _local(photo.taken_at),
                uploaded_at=_local(photo.uploaded_at),
                position=None if where is None else f"{where[0]:.6f}, {where[1]:.6f}",
                distance=None
                if where is None or site is None
                else distance_text(distance_m(where, site)),
                flags=flags[photo.id],
            )
    return views


def _render_day(
    profile: AsnProfile,
    day: ActivityDay,
    form: ReviewForm,
    status: int = 200,
    problem: str | None = None,
) -> tuple[str, int]:
    session = db_session()
    entries = data.day_entries(session, day.staff_id, day.day)
    reviewer = None if day.reviewed_by_id is None else session.get(Staff, day.reviewed_by_id)
    staff = session.get(Staff, profile.staff_id)
    page, default_status = form_page(
        "kinerja/review_day.html",
        bool(form.errors),
        form=form,
        profile=profile,
        asn=staff,
        activity_day=day,
        entries=entries,
        photos=photo_views(session, day.staff_id, entries),
        targets=target_labels(session, [item.entry.target_key for item in entries]),
        reviewable=reviews.reviewable(session, day),
        reviewer=reviewer,
        reviewed_at=None if day.reviewed_at is None else _local(day.reviewed_at),
        problem=problem,
    )
    return page, max(status, default_status)


def _seen(version: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(version or "")
    except ValueError:
        return None


@blueprint.route("/review/<int:staff_id>/<day>", methods=["GET", "POST"])
@requires()
def review_day(officer: Officer, staff_id: int, day: str) -> BaseResponse | tuple[str, int]:
    profile, activity_day = _day_to_review(officer, staff_id, day)
    form = ReviewForm()
    if not form.is_submitted():
        form.version.data = activity_day.updated_at.isoformat()
        return _render_day(profile, activity_day, form)
    if not form.validate_on_submit() or not (form.approve.data or form.send_back.data):
        return _render_day(profile, activity_day, form, 400)
    session = db_session()
    seen = _seen(form.version.data) or datetime.min
    decide = reviews.approve_day if form.approve.data else reviews.return_day
    if form.approve.data:
        action, message = "kinerja.day_approved", _("The day has been approved.")
    else:
        action, message = "kinerja.day_returned", _("The day has been returned to the ASN.")
    try:
        decide(
            session,
            activity_day,
            reviewer_id=officer.id,
            now=now_utc(),
            comment=form.comment.data or "",
            seen_updated_at=seen,
        )
    except reviews.ReviewRefused as refused:
        session.rollback()
        text = str(REFUSALS.get(refused.reason, refused.reason))
        if refused.reason in COMMENT_REASONS:
            form.comment.errors = [text]
            return _render_day(profile, activity_day, form, 400)
        # Show the day as it is now, with the version the atasan has now seen.
        session.refresh(activity_day)
        form.version.data = activity_day.updated_at.isoformat()
        return _render_day(profile, activity_day, form, 409, problem=text)
    record(action, officer.id, detail=f"staff {staff_id} day {activity_day.day.isoformat()}")
    session.commit()
    flash(message, "success")
    return redirect(url_for("kinerja.review_queue"), 303)


# --- the photo --------------------------------------------------------------------------


def safe_file_name(photo: ActivityPhoto) -> str:
    """The stored name reduced to letters, digits, dot, dash and underscore, so that it
    cannot break out of the header's quotes; "photo-<id>" when nothing is left."""
    name = _UNSAFE_NAME.sub("_", photo.file_name).strip("._")[:100]
    return name or f"photo-{photo.id}"


@blueprint.get("/photo/<int:photo_id>")
@requires()
def photo(officer: Officer, photo_id: int) -> BaseResponse:
    session = db_session()
    found = session.get(ActivityPhoto, photo_id)
    if found is None:
        abort(404)
    check_sees_person(officer, profile_or_404(found.staff_id))
    chunks = iter(photo_chunks(session, found.id))
    # The first chunk is read before any header is sent: a photo whose bytes are gone
    # answers 404 rather than a download that stops.
    first = next(chunks, None)
    if first is None:
        abort(404)
    inline = found.media_type in INLINE_MEDIA_TYPES
    response = Response(
        stream_with_context(_prepend(first, chunks)),
        mimetype=found.media_type if inline else "application/octet-stream",
    )
    response.headers["Content-Length"] = str(found.size)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{safe_file_name(found)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
