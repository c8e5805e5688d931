"""The shipped gunicorn config serves the app: smoke test on a real server."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from tests.live_server import gunicorn_server, server_env

pytestmark = pytest.mark.server


def test_gunicorn_serves_home_page(tmp_path: Path, database_url: str) -> None:
    env = server_env(tmp_path / "instance", database_url)
    with gunicorn_server(env, tmp_path / "logs") as server:
        with urllib.request.urlopen(f"{server.url}/") as response:  # noqa: S310
            assert response.status == 200
            assert "<html" in response.read().decode()
