"""The atasan's review of one ASN's day (issue 7): approve it, or return it with a comment
so that the ASN corrects it. No Flask: the view checks who may review (access.may_review)
and writes the audit entry; this module keeps the rules of the day's state.

- Only a day that is "submitted" and holds at least one entry is reviewed; an approved or
  returned day waits until the ASN submits it again.
- Returning needs a comment of 3 to 1,000 characters (what to correct); approving may
  carry one.
- Nobody reviews his own day, even when a profile names him as his own atasan.
- The update is conditional on the state still being "submitted" (and, when the view
  passes it, on the day being unchanged since the atasan opened it): two reviews at once,
  or an ASN editing while his atasan reads, cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.orm import Session

from wbs.kinerja.monthly import APPROVED, RETURNED, SUBMITTED
from wbs.models import ActivityDay, ActivityEntry

COMMENT_MIN: Final = 3
COMMENT_MAX: Final = 1000

# Reasons of ReviewRefused, for the view to phrase.
NOT_SUBMITTED: Final = "not_submitted"
NO_ENTRIES: Final = "no_entries"
OWN_DAY: Final = "own_day"
COMMENT_MISSING: Final = "comment_missing"
COMMENT_TOO_LONG: Final = "comment_too_long"
CHANGED: Final = "changed"


class ReviewRefused(ValueError):
    """The review cannot be recorded; ``reason`` is one of the codes above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_comment(comment: str, *, required: bool) -> str:
    """The comment stripped; ReviewRefused when it is too long, or too short while
    ``required`` (returning a day)."""
    text = comment.strip()
    if len(text) > COMMENT_MAX:
        raise ReviewRefused(COMMENT_TOO_LONG)
    if required and len(text) < COMMENT_MIN:
        raise ReviewRefused(COMMENT_MISSING)
    return text


def approve_day(
    session: Session,
    day: ActivityDay,
    *,
    reviewer_id: int,
    now: datetime,
    comment: str = "",
    seen_updated_at: datetime | None = None,
) -> None:
    """Approve the day: its entries become realisasi (wbs.kinerja.monthly)."""
    _review(
        session,
        day,
        APPROVED,
        reviewer_id,
        now,
        clean_comment(comment, required=False),
        seen_updated_at,
    )


def return_day(
    session: Session,
    day: ActivityDay,
    *,
    reviewer_id: int,
    now: datetime,
    comment: str,
    seen_updated_at: datetime | None = None,
) -> None:
    """Return the day to the ASN with what to correct."""
    _review(
        session,
        day,
        RETURNED,
        reviewer_id,
        now,
        clean_comment(comment, required=True),
        seen_updated_at,
    )


def reviewable(session: Session, day: ActivityDay) -> bool:
    """Whether the day can be reviewed now: submitted and holding an entry."""
    return day.state == SUBMITTED and _has_entries(session, day)


def _has_entries(session: Session, day: ActivityDay) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(ActivityEntry.staff_id == day.staff_id, ActivityEntry.day == day.day)
            )
        )
    )


def _review(
    session: Session,
    day: ActivityDay,
    state: str,
    reviewer_id: int,
    now: datetime,
    comment: str,
    seen_updated_at: datetime | None,
) -> None:
    if reviewer_id == day.staff_id:
        raise ReviewRefused(OWN_DAY)
    if day.state != SUBMITTED:
        raise ReviewRefused(NOT_SUBMITTED)
    if seen_updated_at is not None and day.updated_at != seen_updated_at:
        raise ReviewRefused(CHANGED)
    if not _has_entries(session, day):
        raise ReviewRefused(NO_ENTRIES)
    at = now.replace(tzinfo=None)
    # An UPDATE's result is a CursorResult; some SQLAlchemy stubs type execute() as Result.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(ActivityDay)
            .where(
                ActivityDay.staff_id == day.staff_id,
                ActivityDay.day == day.day,
                ActivityDay.state == SUBMITTED,
                ActivityDay.updated_at == day.updated_at,
            )
            .values(state=state, comment=comment, reviewed_by_id=reviewer_id, reviewed_at=at)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        # Someone else got there first: the ASN edited the day or another review won.
        raise ReviewRefused(CHANGED)
    session.refresh(day)
