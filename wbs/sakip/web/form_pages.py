"""How every e-SAKIP page with a form answers once it has to show the form again."""

from __future__ import annotations

from typing import Any

from flask import render_template


def form_page(template: str, has_errors: bool, /, **context: Any) -> tuple[str, int]:
    """The form's page, rendered with ``context``; status 400 when it shows errors, so
    that a refused form never reads as a success (to tests, tools and the browser's
    history). ``has_errors`` is positional only: a template may take one of that name."""
    return render_template(template, **context), 400 if has_errors else 200
