"""Names of roles and workflow words on the staff pages, in the user's language."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

ROLE_LABELS: dict[str, LazyString] = {
    "admin": _l("Admin"),
    "intake": _l("Intake officer (verifikator)"),
    "investigator": _l("Investigator (pemeriksa)"),
    "supervisor": _l("Supervisor (Inspektur / Irban)"),
    "leadership": _l("Leadership (pimpinan)"),
    "sakip": _l("SAKIP officer"),
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

FORWARD_LABELS: dict[str, LazyString] = {
    "kpk": _l("KPK (state loss of Rp1 billion or more)"),
    "kejaksaan": _l("Public prosecutor (Kejaksaan)"),
    "kepolisian": _l("Police (Kepolisian)"),
    "bkpsdm": _l("BKPSDM (civil service discipline)"),
    "apip_lain": _l("Another internal auditor (APIP)"),
    "sp4n_lapor": _l("SP4N-LAPOR! (public service complaint)"),
    "ombudsman": _l("Ombudsman"),
}

REJECTION_LABELS: dict[str, LazyString] = {
    "incomplete": _l("Incomplete: who, what or evidence missing"),
    "not_a_violation": _l("Not a violation"),
    "no_evidence": _l("No initial evidence"),
    "duplicate": _l("Duplicate of another report"),
    "outside_scope": _l("Outside the scope of the WBS"),
    "other": _l("Other reason"),
}

OUTCOME_LABELS: dict[str, LazyString] = {
    "substantiated": _l("Substantiated"),
    "not_substantiated": _l("Not substantiated"),
    "forwarded": _l("Forwarded"),
    "rejected": _l("Cannot be followed up"),
}

SEVERITY_LABELS: dict[str, LazyString] = {
    # PP 94/2021
    "ringan": _l("Light (ringan)"),
    "sedang": _l("Moderate (sedang)"),
    "berat": _l("Severe (berat)"),
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
