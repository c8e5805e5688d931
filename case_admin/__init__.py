"""Staff side under /admin/: login with TOTP, the case queue, the case page and its
actions, and account administration. Views are thin: rules live in ``wbs``."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.context_processor
def _staff_template_globals() -> dict[str, object]:
    from case_admin.labels import role_label
    from wbs.staff_auth import current_officer

    return {"officer": current_officer(), "role_label": role_label}


from case_admin import (  # noqa: E402,F401  (routes register on import)
    audit_views,
    case_views,
    dashboard_views,
    export_views,
    login_views,
    queue_views,
    reference_views,
    report_views,
    settings_views,
    staff_views,
    token_views,
)
