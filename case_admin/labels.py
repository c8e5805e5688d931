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
