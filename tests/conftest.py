"""Fixtures in one place: an app on a temp instance folder, on SQLite and, when
WBS_TEST_DATABASE_URL is set, on PostgreSQL too. No test depends on another.

Each test gets its own fresh database, copied from a template that was migrated once
per run (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from wbs import create_app
from wbs.app_context import database
from wbs.crypto import Argon2Params
from wbs.db import migrate
from wbs.demo_data import load_reference_data
from wbs.installation import InitResult, initialise
from wbs.settings import Settings, normalise_database_url

PG_URL = os.environ.get("WBS_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
# The smallest Argon2id cost: tests check behaviour, bench/ measures the real cost.
FAST_ARGON2 = Argon2Params(memory_kib=256, time_cost=1, parallelism=1)
ADMIN_PASSWORD = "kunci-uji-pengelola-2026"
_counter = itertools.count()


def _pg_admin_dsn() -> str:
    url = make_url(normalise_database_url(PG_URL or ""))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_url(name: str) -> str:
    url = make_url(normalise_database_url(PG_URL or "")).set(database=name)
    return url.render_as_string(hide_password=False)


def _pg_execute(sql: str) -> None:
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"wbs_tpl_{os.getpid()}"
    _pg_execute(f"DROP DATABASE IF EXISTS {name}")
    _pg_execute(f"CREATE DATABASE {name}")
    migrate(_pg_url(name))
    yield name
    _pg_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "wbs.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"wbs_t_{os.getpid()}_{next(_counter)}"
    _pg_execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield _pg_url(name)
    _pg_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no table at all, for tests of migrations and `wbs init`."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"wbs_e_{os.getpid()}_{next(_counter)}"
    _pg_execute(f"CREATE DATABASE {name}")
    yield _pg_url(name)
    _pg_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return Settings(
        instance_path=instance,
        database_url=normalise_database_url(database_url),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        argon2=FAST_ARGON2,
        testing=True,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    yield application
    database(application).dispose()


@pytest.fixture
def init_result(app: Flask, settings: Settings) -> InitResult:
    """An initialised instance with the demo agencies and categories."""
    result = initialise(database(app), settings, "admin", ADMIN_PASSWORD)
    assert result is not None
    with database(app).session() as session:
        load_reference_data(session)
    return result


@pytest.fixture
def client(app: Flask, init_result: InitResult) -> FlaskClient:
    return app.test_client()
