"""The case queue: filters, sorting by due date, keyset pagination."""

from __future__ import annotations

from flask import render_template

from case_admin import blueprint
from case_admin.auth import Officer, requires


@blueprint.get("/cases")
@requires("intake", "investigator", "supervisor")
def queue(officer: Officer) -> str:
    return render_template("case_admin/queue.html", page=None)
