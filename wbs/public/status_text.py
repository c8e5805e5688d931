"""Plain words for the reporter: what each status and event means for him."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

STATUS_TEXT: dict[str, tuple[LazyString, LazyString]] = {
    "received": (
        _l("Received"),
        _l("Your report has arrived and is waiting to be examined by an officer."),
    ),
    "triage": (
        _l("Being examined"),
        _l(
            "An officer is checking whether the report is complete and whether the "
            "inspectorate is the right body to handle it."
        ),
    ),
    "need_info": (
        _l("Waiting for your answer"),
        _l(
            "The officers have asked you a question. Read it below and reply; "
            "the case waits for you."
        ),
    ),
    "investigation": (
        _l("Under investigation"),
        _l("The inspectorate is investigating the matter you reported."),
    ),
    "forwarded": (
        _l("Passed to another authority"),
        _l(
            "The matter is outside the inspectorate's authority and was passed to the "
            "body that can act on it."
        ),
    ),
    "rejected": (
        _l("Cannot be followed up"),
        _l("The report cannot be followed up. The reason is given below."),
    ),
    "concluded": (
        _l("Investigation finished"),
        _l("The investigation is finished and its outcome is recorded."),
    ),
    "follow_up": (
        _l("Follow-up under way"),
        _l("The agency concerned is carrying out what the inspectorate recommended."),
    ),
    "closed": (_l("Closed"), _l("The handling of this report is finished.")),
}

EVENT_TEXT: dict[str, LazyString] = {
    "received": _l("Report received"),
    "reporter_reply": _l("You sent a reply"),
    "reporter_evidence": _l("You added evidence"),
    "status_change": _l("Status changed"),
    "question": _l("The officers asked you a question"),
}


def status_label(status: str) -> LazyString:
    return STATUS_TEXT[status][0]


def status_explanation(status: str) -> LazyString:
    return STATUS_TEXT[status][1]


def event_label(kind: str) -> LazyString:
    return EVENT_TEXT.get(kind, EVENT_TEXT["status_change"])
