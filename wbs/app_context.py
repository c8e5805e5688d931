"""Typed access to what create_app() hangs on the app, and the request's DB session."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from wbs.db import Database
from wbs.server_keys import ServerKeys
from wbs.settings import Settings


def settings(app: Flask | None = None) -> Settings:
    return (app or current_app).extensions["wbs.settings"]


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["wbs.database"]


def server_keys(app: Flask | None = None) -> ServerKeys:
    return (app or current_app).extensions["wbs.server_keys"]


def db_session() -> Session:
    """The request's session; closed (and rolled back if not committed) at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def close_db_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError:
        # The database went away during the request (a restart, a failover): even the
        # rollback fails. Nothing uncommitted survives a lost connection, so drop the
        # connection instead of turning the answer already made (the 503 page that says
        # nothing was saved) into a bare 500 from the server.
        session.invalidate()
