"""The HTML pages take form bodies only, and no request carries a NUL character.

Flask-WTF reads a JSON body as form data when one is sent, so a script could post JSON
to a page's form: nested values then reach code written for strings, and a body that is
not even JSON breaks the form-expired page (issue 6, "Hostile input"). A browser's form
sends only the two form encodings (``text/plain`` is possible but never used here); the
JSON API under /api/ has its own check (wbs/api/views.py).
"""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _

from wbs.errors import error_response

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_other_bodies() -> Response | None:
    """Before every request (and before the CSRF check, which would read the body):
    415 for a page request whose body is not a form."""
    if request.method not in _BODY_METHODS or request.path.startswith("/api/"):
        return None
    if not request.mimetype or request.mimetype in FORM_TYPES:
        return None
    return error_response(
        415,
        "unsupported_media_type",
        _(
            "This page accepts only what its form sends. Go back, reload the page and send it again."
        ),
    )


def refuse_nul_characters() -> Response | None:
    """400 for a NUL character in the query string or in a form field.

    PostgreSQL cannot store or even compare a text holding NUL: such a value in a
    login name or a search box was a 500 before any check could answer. No browser
    sends one from what a person types. (File names are cleaned instead, in
    wbs/attachments.py; JSON bodies are checked field by field by the API.)
    """
    values = [value for _name, value in request.args.items(multi=True)]
    if request.method in _BODY_METHODS and not request.path.startswith("/api/"):
        values += [value for _name, value in request.form.items(multi=True)]
    if not any("\x00" in value for value in values):
        return None
    return error_response(
        400,
        "invalid_character",
        _(
            "What you sent contains a NUL character, which cannot be stored. Remove it "
            "and send it again."
        ),
    )
