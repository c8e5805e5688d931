"""Flask extensions, bound to each app in create_app()."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_mail import Mail
from flask_wtf.csrf import CSRFProtect

from wbs.app_context import server_keys


def client_key() -> str:
    """Rate-limit key: a keyed hash of the client address that rotates daily.

    No address is ever written to the limiter's storage (DESIGN.md, "Anonymity rules").
    """
    address = request.remote_addr or "unknown"
    return server_keys(current_app).address_key(address, datetime.now(UTC).date())


csrf = CSRFProtect()
limiter = Limiter(key_func=client_key, key_prefix="wbs")
babel = Babel()
# Officers' notifications only, sent from the outbox by `wbs send-mail` (wbs.mail_cli).
mail = Mail()
