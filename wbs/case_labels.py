"""Names of forwarding destinations, rejection reasons, outcomes and severities, shown
to officers and (destination, outcome) to reporters, in the user's language."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

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

# How the reporter knows what he reports (the report form's question).
HOW_KNOWN_LABELS = {
    "witnessed": _l("I saw it myself"),
    "experienced": _l("It happened to me"),
    "told": _l("Someone told me"),
    "documents": _l("From documents or records"),
    "other": _l("Other"),
}
