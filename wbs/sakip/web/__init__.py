"""e-SAKIP pages under /sakip/ (issue 5), for SAKIP officers, leadership, the
Inspektorat and each agency's own accounts. Views are thin: the rules are in
wbs/sakip/*.py (pure), the queries in wbs/sakip/data/."""

from flask import Blueprint

blueprint = Blueprint("sakip", __name__, url_prefix="/sakip")


@blueprint.context_processor
def _sakip_template_globals() -> dict[str, object]:
    from case_admin.labels import role_label
    from wbs.i18n import decimal_text
    from wbs.sakip.web.labels import GAP_LABELS, LEVEL_LABELS, PERIOD_LABELS, POLARITY_LABELS
    from wbs.staff_auth import current_officer

    return {
        "officer": current_officer(),
        "role_label": role_label,
        "decimal": lambda value: decimal_text(value, "#,##0.##"),
        "gap_labels": GAP_LABELS,
        "level_labels": LEVEL_LABELS,
        "period_labels": PERIOD_LABELS,
        "polarity_labels": POLARITY_LABELS,
    }


from wbs.sakip.web import (  # noqa: E402,F401  (routes register on import)
    agency_views,
    evaluation_views,
    indicator_views,
    integrity_views,
    monitoring_views,
    ranking_views,
    realisation_views,
    risk_views,
    transfer_views,
    tree_views,
)
