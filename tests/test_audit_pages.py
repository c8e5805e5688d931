"""The audit trail on the staff pages: a case's for supervisors, the whole log for admins."""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import ADMIN_PASSWORD
from tests.helpers import file_report
from tests.staff_helpers import STAFF_PASSWORD, create_officer, english, login
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Case


def _officer(app: Flask, init_result: InitResult, username: str, roles: set[str]):  # noqa: ANN202
    create_officer(app, init_result, username, roles)
    client = english(app.test_client())
    login(client, username, STAFF_PASSWORD)
    return client


def test_a_supervisor_reads_who_opened_a_case_and_intake_may_not(
    app: Flask, init_result: InitResult
) -> None:
    file_report(app.test_client(), description="Pungli di loket kecamatan.")
    with database(app).session() as session:
        case_id = session.query(Case.id).scalar()
    intake = _officer(app, init_result, "rina", {"intake"})
    assert intake.get(f"/admin/cases/{case_id}").status_code == 200
    supervisor = english(app.test_client())
    login(supervisor, "admin", ADMIN_PASSWORD)
    page = supervisor.get(f"/admin/cases/{case_id}/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The intake officer's opening of the case content is on the trail, with his name.
    row = re.search(
        r"<tr>\s*<td>\d+</td>\s*<td>[^<]+</td>\s*<td>Rina</td>\s*<td><code>case.decrypted</code>",
        html,
    )
    assert row, html
    assert "Pungli" not in html
    assert intake.get(f"/admin/cases/{case_id}/audit").status_code == 403
    assert intake.get("/admin/audit").status_code == 403


def test_an_admin_pages_through_the_whole_log_newest_first(
    app: Flask, init_result: InitResult
) -> None:
    admin = english(app.test_client())
    login(admin, "admin", ADMIN_PASSWORD)
    for _ in range(60):
        admin.get("/admin/account")
        admin.get("/admin/audit")
    first = admin.get("/admin/audit").get_data(as_text=True)
    numbers = [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", first)]
    assert len(numbers) == 50 and numbers == sorted(numbers, reverse=True)
    older = re.search(r'href="(/admin/audit\?before=\d+)"', first)
    assert older
    second = admin.get(older.group(1)).get_data(as_text=True)
    more = [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", second)]
    assert more and max(more) < min(numbers)
    assert "login.success" in first + second or "login.success" in admin.get(
        "/admin/audit?before=20"
    ).get_data(as_text=True)
