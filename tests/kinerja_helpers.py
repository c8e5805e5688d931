"""Helpers the e-Kinerja tests (tests/test_kinerja_*.py) share."""

from __future__ import annotations

import html
import re

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from wbs.app_context import database
from wbs.models import AuditEntry


def text(response: TestResponse | str) -> str:
    """A page (or a piece of one) as the words a reader sees: tags dropped, entities
    decoded, white space collapsed."""
    page = response if isinstance(response, str) else response.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def audit(app: Flask) -> list[tuple[str, str]]:
    """The e-Kinerja audit records (action, detail), oldest first."""
    with database(app).session() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.action.like("kinerja.%"))
            .order_by(AuditEntry.seq)
        )
        return [(action, detail) for action, detail in rows]
