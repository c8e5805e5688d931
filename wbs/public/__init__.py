"""Public pages: home, report form, status check. They work with JavaScript off."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from wbs.public import transparency_views, views  # noqa: E402,F401  (routes register on import)
