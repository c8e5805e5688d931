"""Filing a validated report form, shared by the HTML form and the JSON API.

The Argon2id run happens before the write transaction; the receipt is the first row
the transaction writes, so a second request with the same form token waits for the
first and then finds its receipt instead of filing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from wbs import submission_receipts
from wbs.app_context import database, server_keys, settings
from wbs.attachments import EvidenceFile
from wbs.deadlines import DeadlineRules, WorkingCalendar
from wbs.holiday_calendar import refresh_due
from wbs.installation import now_utc
from wbs.intake import ReportContent, file_report, load_intake_keys, new_code
from wbs.notifications import notify_new_case
from wbs.tracking_code import TrackingCode


@dataclass(frozen=True)
class Filed:
    code: TrackingCode
    # True when this form had already been filed: the code is the one shown before.
    repeated: bool = False


class AlreadyFiledUnreadable(RuntimeError):
    """The form was filed before, but its receipt can no longer be read (expired)."""


def file(content: ReportContent, files: Sequence[EvidenceFile], token: str | None) -> Filed:
    config = settings()
    keys_server = server_keys()
    db = database()
    if token:
        with db.session() as session:
            earlier = submission_receipts.recall(session, keys_server.submission_receipts, token)
        if earlier is not None:
            return Filed(earlier, repeated=True)
    with db.session() as session:
        keys = load_intake_keys(session, keys_server.tracking_pepper, config.argon2)
    code, code_keys = new_code(keys)
    try:
        with db.session() as session:
            if token:
                submission_receipts.record(
                    session, keys_server.submission_receipts, token, code, now_utc()
                )
            case = file_report(
                session, keys, code_keys, content, files, config.today(), config.max_image_pixels
            )
            # A new case runs the acknowledge and feedback clocks, both in calendar
            # days, so no holiday table is needed here.
            refresh_due(case, DeadlineRules.from_settings(config), WorkingCalendar())
            # Officers are mailed a link, in the same transaction: no case without its mail.
            notify_new_case(session, case, config, now_utc())
    except IntegrityError:
        if not token:
            raise
        with db.session() as session:
            earlier = submission_receipts.recall(session, keys_server.submission_receipts, token)
        if earlier is None:
            raise AlreadyFiledUnreadable() from None
        return Filed(earlier, repeated=True)
    return Filed(code)
