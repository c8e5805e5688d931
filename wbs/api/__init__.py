"""JSON API v1, described by /api/v1/openapi.json."""

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

from wbs.api import views  # noqa: E402,F401  (routes register on import)
