"""The WBS application: create_app() builds it from one typed settings object."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from wbs import app_context, errors, form_bodies, security_headers
from wbs.db import REPO_ROOT, Database
from wbs.extensions import babel, csrf, limiter, mail
from wbs.i18n import COOKIE as LANGUAGE_COOKIE
from wbs.i18n import LANGUAGES, file_size, select_locale
from wbs.lookup_priority import LookupLanes
from wbs.server_keys import ServerKeys
from wbs.settings import Settings, load_settings
from wbs.throttle_gate import ThrottleGate

PACKAGE_DIR = Path(__file__).resolve().parent
# Ids are 32-bit INTEGER columns on every backend: a larger number in a URL is a 404,
# not an overflow deep in the database driver.
MAX_ID = 2**31 - 1
# The POST paths of the failed-look-up limit (scope "status"), refused cheaply once
# throttled (wbs/throttle_gate.py).
STATUS_LOOKUP_PATHS = ("/status", "/api/v1/reports/status")
# More threads than a gunicorn worker has request threads (WBS_THREADS, default 4): the
# low-priority lane never makes a look-up wait for a thread, only for the CPU.
LOW_PRIORITY_THREADS = 16


class IdConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)  # type: ignore[arg-type]


def _template_globals() -> dict[str, object]:
    return {
        "organisation": app_context.settings().organisation,
        "languages": LANGUAGES,
        "current_locale": str(get_locale()),
    }


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    # The SQLite database lives here even when the secret comes from the environment
    # (then no key file has created the folder).
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    keys = ServerKeys.from_secret(settings.secret_key)
    app = Flask(
        "wbs",
        instance_path=str(settings.instance_path),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    app.config.update(
        SECRET_KEY=keys.session_signing.hex(),
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        # Werkzeug keeps form fields in memory; files are spooled to an unlinked temp file.
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        SESSION_COOKIE_NAME="wbs_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # A citizen may take a long time to write a report; the form also survives expiry.
        WTF_CSRF_TIME_LIMIT=4 * 3600,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        # Officers' notifications; only `wbs send-mail` sends, from the outbox.
        MAIL_SERVER=settings.mail_server,
        MAIL_PORT=settings.mail_port,
        MAIL_USE_TLS=settings.mail_use_tls,
        MAIL_USE_SSL=settings.mail_use_ssl,
        MAIL_USERNAME=settings.mail_username or None,
        MAIL_PASSWORD=settings.mail_password or None,
        MAIL_DEFAULT_SENDER=settings.mail_sender,
        # Flask-Mail silences sending when TESTING is set; the tests send to a real SMTP
        # server on loopback instead, so what they check is what production does.
        MAIL_SUPPRESS_SEND=False,
    )
    # Inside ProxyFix (wrapped first): it keys on the client's address, not the proxy's.
    # Wrapping app.wsgi_app is Flask's documented way to add WSGI middleware; mypy sees
    # an assignment to a method, hence the ignores here and below.
    app.wsgi_app = ThrottleGate(  # type: ignore[method-assign]
        app.wsgi_app,
        STATUS_LOOKUP_PATHS,
        lambda address: keys.address_key(address, datetime.now(UTC).date()),
        LANGUAGE_COOKIE,
    )
    if settings.trusted_proxies:
        # Behind a reverse proxy the client address comes from X-Forwarded-For.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
        )
    app.url_map.converters["int"] = IdConverter
    app.extensions["wbs.settings"] = settings
    app.extensions["wbs.server_keys"] = keys
    app.extensions["wbs.database"] = Database(settings.database_url)
    app.extensions["wbs.lookup_lanes"] = LookupLanes(LOW_PRIORITY_THREADS)

    # Before the CSRF check: it reads the body, which must be a form (wbs/form_bodies.py).
    app.before_request(form_bodies.refuse_other_bodies)
    app.before_request(form_bodies.refuse_nul_characters)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    mail.init_app(app)

    from case_admin import blueprint as admin_blueprint
    from wbs.api import blueprint as api_blueprint
    from wbs.kinerja.web import blueprint as kinerja_blueprint
    from wbs.public import blueprint as public_blueprint
    from wbs.sakip.web import blueprint as sakip_blueprint

    app.register_blueprint(public_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(sakip_blueprint)
    app.register_blueprint(kinerja_blueprint)
    csrf.exempt(api_blueprint)
    errors.register(app)
    app.context_processor(_template_globals)
    app.jinja_env.filters["filesizeformat"] = file_size
    app.after_request(security_headers.apply)
    app.teardown_appcontext(app_context.close_db_session)

    from wbs.cli import register_commands

    register_commands(app)
    return app
