"""Issue 6, "Hostile input": schemathesis runs every operation of ``/api/v1/openapi.json``,
loaded from the app itself (WSGI), with every one of its checks, on positive and
negative data. A failure is a mismatch between the API and its description: fix the
one that is wrong, do not exclude the check.

``WBS_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 8);
``WBS_FUZZ_RANDOM=1`` draws new examples each run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import given
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from sqlalchemy import select

# Registers the map_case hook that keeps positive cases within the described rules.
import tests.schemathesis_hooks  # noqa: F401
from tests.fuzz_support import fuzz_settings
from tests.live_server import BIN, REPO, gunicorn_server, run_cli, server_env
from tests.staff_helpers import create_officer
from wbs.api_tokens import create_token
from wbs.app_context import database
from wbs.db import Database
from wbs.installation import InitResult, now_utc
from wbs.models import Staff
from wbs.settings import Settings, normalise_database_url

EXAMPLES = int(os.environ.get("WBS_FUZZ_EXAMPLES", "8"))
RANDOM = os.environ.get("WBS_FUZZ_RANDOM") == "1"

API_SETTINGS = fuzz_settings(8)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # After ten reports the submission limit would answer 429 to the rest of the run,
    # which would then test nothing. tests/test_rate_limits.py checks the limits.
    return settings.replace(
        submit_rate_limit="100000 per minute", status_rate_limit="100000 per minute"
    )


def _token(app: Flask, init_result: InitResult) -> str:
    """A personal API token of an account that may read the statistics."""
    staff_id = create_officer(app, init_result, "pimpinan", {"leadership"})
    with database(app).session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        return create_token(session, staff, "schemathesis", now_utc().date(), 30, now_utc()).secret


def test_the_api_keeps_to_its_openapi_description(app: Flask, init_result: InitResult) -> None:
    token = _token(app, init_result)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    load_all_checks()
    checks = CHECKS.get_all()
    failures: list[str] = []
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @API_SETTINGS
            @given(case=strategy)
            def run(case):  # noqa: ANN001, ANN202 - hypothesis fills it
                case.call_and_validate(checks=checks, headers={"Authorization": f"Bearer {token}"})

            try:
                run()
            except Unsatisfiable:
                # Nothing to make invalid: an operation without parameters or body.
                assert mode is GenerationMode.NEGATIVE
                assert not operation.body and not list(operation.iter_parameters())
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - report them all
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    assert not failures, "\n\n".join(failures)
    # Every documented operation ran; schemathesis leaves out the document's own path.
    documented = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    expected = {
        f"{method.upper()} {path}"
        for path, methods in documented.items()
        for method in methods
        if path != "/api/v1/openapi.json"
    }
    assert set(labels) == expected


@pytest.mark.server
def test_schemathesis_run_passes_against_a_real_server(tmp_path: Path, database_url: str) -> None:
    """The command line itself, as issue 6 names it: ``schemathesis run`` with
    ``--checks all`` against a gunicorn server, every phase (examples, coverage,
    fuzzing), with a token so that the statistics are reached too."""
    env = server_env(
        tmp_path / "instance",
        database_url,
        WBS_SUBMIT_RATE_LIMIT="100000 per minute",
        WBS_STATUS_RATE_LIMIT="100000 per minute",
    )
    run_cli(env, "demo")
    database = Database(normalise_database_url(database_url))
    with database.session() as session:
        staff = session.scalars(select(Staff).where(Staff.username == "pimpinan")).one()
        token = create_token(session, staff, "schemathesis", now_utc().date(), 2, now_utc())
    database.dispose()
    with gunicorn_server(env, tmp_path / "logs", workers=1, demo=False) as server:
        run = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "--no-color",
                "run",
                f"{server.url}/api/v1/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                str(EXAMPLES),
                "--workers",
                "1",
                "--header",
                f"Authorization: Bearer {token.secret}",
                *(() if RANDOM else ("--seed", "6")),
            ],
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks"},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "Tested: 5" in run.stdout
