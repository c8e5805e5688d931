"""e-Kinerja pages under /kinerja/ (issue 7): each ASN records his daily activities with
photo evidence; his atasan langsung reviews each day; the agency's monthly totals feed
its e-SAKIP picture. Views are thin: rules in wbs/kinerja/*.py (pure), queries and
writes in the service modules beside them."""

from flask import Blueprint

blueprint = Blueprint("kinerja", __name__, url_prefix="/kinerja")


@blueprint.context_processor
def _kinerja_template_globals() -> dict[str, object]:
    from case_admin.labels import role_label
    from wbs.i18n import decimal_text
    from wbs.staff_auth import current_officer

    return {
        "officer": current_officer(),
        "role_label": role_label,
        "decimal": lambda value: decimal_text(value, "#,##0.##"),
    }


from wbs.kinerja.web import (  # noqa: E402,F401  (routes register on import)
    agency_views,
    asn_views,
    people_views,
    plan_views,
    review_views,
)
