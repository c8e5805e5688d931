"""Names of roles and workflow words on the staff pages, in the user's language."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from wbs.case_labels import FORWARD_LABELS, OUTCOME_LABELS, REJECTION_LABELS, SEVERITY_LABELS

__all__ = [
    "EVENT_LABELS",
    "FORWARD_LABELS",
    "OUTCOME_LABELS",
    "REJECTION_LABELS",
    "ROLE_LABELS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "role_label",
    "status_label",
]

ROLE_LABELS: dict[str, LazyString] = {
    "admin": _l("Admin"),
    "intake": _l("Intake officer (verifikator)"),
    "investigator": _l("Investigator (pemeriksa)"),
    "supervisor": _l("Supervisor (Inspektur / Irban)"),
    "leadership": _l("Leadership (pimpinan)"),
    "sakip": _l("SAKIP officer"),
    "agency_staff": _l("Agency staff (operator OPD)"),
    "agency_head": _l("Head of agency (kepala OPD)"),
    "asn": _l("Civil servant (ASN, e-Kinerja)"),
}


def role_label(role: str) -> LazyString | str:
    return ROLE_LABELS.get(role, role)


STATUS_LABELS: dict[str, LazyString] = {
    # DESIGN.md, "Case workflow": the Indonesian labels are the catalogue's translations.
    "received": _l("Received"),
    "triage": _l("Triage"),
    "need_info": _l("Waiting for the reporter"),
    "investigation": _l("Investigation"),
    "forwarded": _l("Forwarded"),
    "rejected": _l("Cannot be followed up"),
    "concluded": _l("Concluded"),
    "follow_up": _l("Follow-up"),
    "closed": _l("Closed"),
}

EVENT_LABELS: dict[str, LazyString] = {
    "received": _l("Report received"),
    "status_change": _l("Status changed"),
    "assigned": _l("Assigned"),
    "reporter_reply": _l("The reporter replied"),
    "reporter_evidence": _l("The reporter added evidence"),
    "proposed_reject": _l("Rejection proposed"),
    "proposed_conclude": _l("Conclusion proposed"),
    "declined_reject": _l("Rejection declined"),
    "declined_conclude": _l("Conclusion declined"),
    "follow_up_done": _l("Follow-up completed"),
}


def status_label(status: str) -> LazyString | str:
    return STATUS_LABELS.get(status, status)
