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
# When the shared storage (Redis) is down, every limit falls back to the same limit
# counted in this worker's memory, and Redis is tried again after 1, 2, 4 ... 32 seconds.
# Chosen over failing closed: a citizen can still file a report and read or answer the
# officers' questions while Redis is down. The cost is bounded: for that time a client
# gets at most (workers x hosts) times the configured attempts, and each status look-up
# still costs one Argon2id run against 10^15 codes (DESIGN.md, "Tracking code").
# swallow_errors: a count taken after the view ran (a filed report, a failed look-up)
# that Redis refuses is logged and skipped, so a report already committed is never
# answered with an error page that hides its tracking code.
limiter = Limiter(
    key_func=client_key,
    key_prefix="wbs",
    in_memory_fallback_enabled=True,
    swallow_errors=True,
    # redis-py waits forever by default: a Redis that swallows packets must not hang
    # the request; after the timeout the fallback above takes over.
    storage_options={"socket_connect_timeout": 2, "socket_timeout": 2},
)
babel = Babel()
# Officers' notifications only, sent from the outbox by `wbs send-mail` (wbs.mail_cli).
mail = Mail()
