"""One typed, immutable settings object, read once from ``WBS_*`` environment variables.

Nothing else in the application reads ``os.environ``. Every field is documented in
``config/wbs.example.env``; a test keeps that file and this class in step.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from limits import parse_many

from wbs.crypto import Argon2Params


class SettingsError(click.ClickException, ValueError):
    """A setting has a value the application cannot use.

    A ClickException so that `wbs ...` and `flask --app wbs ...`, which both build the
    app before running a command, print it as one line (exit code 2), not a traceback.
    """

    exit_code = 2


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    secret_key: str = field(repr=False)
    ratelimit_storage_uri: str = "memory://"
    # Upper bound of one whole request (form plus every file), in MiB.
    max_upload_mb: int = 50
    max_files: int = 10
    # Images larger than this are refused before they are decoded (decompression bombs).
    max_image_pixels: int = 40_000_000
    # DESIGN.md: m = 64 MiB, t = 3, p = 1 (OWASP minimum is 19 MiB, t = 2).
    argon2: Argon2Params = Argon2Params(memory_kib=65536, time_cost=3, parallelism=1)
    submit_rate_limit: str = "10 per hour;30 per day"
    # Counted only for look-ups that found nothing (DESIGN.md, "Tracking code").
    status_rate_limit: str = "10 per 15 minutes;30 per day"
    reporter_session_minutes: int = 30
    secure_cookies: bool = False
    # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.
    trusted_proxies: int = 0
    organisation: str = "Inspektorat Kabupaten Contoh"
    # Dates shown and stored are local: WIB (Asia/Jakarta), WITA (Asia/Makassar), WIT (Asia/Jayapura).
    timezone: str = "Asia/Jakarta"
    default_locale: str = "id"
    # Public address of the site, for the links in officers' notification mails.
    base_url: str = "http://127.0.0.1:5000"
    # Officers' notifications (flask-mail); reporters are never mailed.
    mail_server: str = "localhost"
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_use_ssl: bool = False
    mail_username: str = ""
    mail_password: str = field(default="", repr=False)
    mail_sender: str = "wbs@localhost"
    # Deadlines (DOMAIN.md, "Deadlines"; each Pemda may set its own by Perbup/Perwali).
    # Acknowledge receipt: 7 days [D, EU Directive 2019/1937 art. 9].
    deadline_acknowledge_days: int = 7
    # Verification of completeness: 5 working days [P, SP4N-LAPOR practice].
    deadline_verification_working_days: int = 5
    # Telaah / confirmation: 14 days [R, Permenkumham 57/2016].
    deadline_telaah_days: int = 14
    # Feedback to the reporter: 3 months [D, EU Directive 2019/1937 art. 9].
    deadline_feedback_months: int = 3
    # Completion: 60 days after the file is complete [R, Perpres 76/2013].
    deadline_completion_days: int = 60
    # Officers are mailed this many days before a case falls due.
    deadline_warning_days: int = 3
    # Closed cases are purged (crypto-shredded) this many days after closing [D].
    retention_days: int = 1825
    # Staff sessions end after this many idle minutes, and after this many hours at most.
    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    # Failed logins before an account locks, and for how long.
    login_lockout_attempts: int = 5
    login_lockout_minutes: int = 15
    # Failed staff logins (password or code) per client address, across all accounts:
    # the per-account lockout cannot stop one address trying many usernames.
    login_rate_limit: str = "30 per 15 minutes;100 per day"
    # Statistics: counts of 1 .. threshold - 1 are shown as "< threshold" (issue 4).
    small_cell_threshold: int = 3
    # e-SAKIP (DOMAIN.md, "Indicator achievement"): an optional cap on capaian used in
    # roll-ups, in percent (common choices 100 or 120); 0 = no cap, the default [P].
    sakip_capaian_cap: int = 0
    testing: bool = False

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

    @property
    def max_content_length(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(env: Mapping[str, str], instance_path: Path) -> str:
    """The server secret: from WBS_SECRET_KEY, else a file the instance keeps.

    The file is created on first use with mode 0600 so that ``make run`` needs no
    set-up; production deployments pass WBS_SECRET_KEY from their secret store.
    """
    from_env = env.get("WBS_SECRET_KEY")
    if from_env:
        if len(from_env) < 32:
            raise SettingsError("WBS_SECRET_KEY must be at least 32 characters long")
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A limit such as "10 per hour;30 per day", checked now: the limiter would only fail
    at the first request, and (with its Redis fallback, wbs.extensions) log and let every
    request through instead of refusing to start."""
    value = env.get(name) or default
    try:
        parse_many(value)
    except ValueError:
        raise SettingsError(
            f"{name} must be limits like '10 per hour;30 per day', not {value!r}"
        ) from None
    return value


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"WBS_TIMEZONE {name!r} is not a known time zone") from None
    return name


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    instance_path = Path(env.get("WBS_INSTANCE_PATH") or "instance").resolve()
    database_url = env.get("WBS_DATABASE_URL") or f"sqlite:///{instance_path / 'wbs.sqlite3'}"
    locale = env.get("WBS_DEFAULT_LOCALE") or "id"
    if locale not in {"id", "en"}:
        raise SettingsError("WBS_DEFAULT_LOCALE must be id or en")
    return Settings(
        instance_path=instance_path,
        database_url=normalise_database_url(database_url),
        ratelimit_storage_uri=env.get("WBS_RATELIMIT_STORAGE_URI") or "memory://",
        max_upload_mb=_int(env, "WBS_MAX_UPLOAD_MB", 50),
        max_files=_int(env, "WBS_MAX_FILES", 10),
        max_image_pixels=_int(env, "WBS_MAX_IMAGE_PIXELS", 40_000_000),
        argon2=Argon2Params(
            memory_kib=_int(env, "WBS_ARGON2_MEMORY_KIB", 65536, minimum=8),
            time_cost=_int(env, "WBS_ARGON2_TIME_COST", 3),
            parallelism=_int(env, "WBS_ARGON2_PARALLELISM", 1),
        ),
        submit_rate_limit=_rate_limit(env, "WBS_SUBMIT_RATE_LIMIT", Settings.submit_rate_limit),
        status_rate_limit=_rate_limit(env, "WBS_STATUS_RATE_LIMIT", Settings.status_rate_limit),
        reporter_session_minutes=_int(env, "WBS_REPORTER_SESSION_MINUTES", 30),
        secure_cookies=_bool(env, "WBS_SECURE_COOKIES", False),
        trusted_proxies=_int(env, "WBS_TRUSTED_PROXIES", 0, minimum=0),
        organisation=env.get("WBS_ORGANISATION") or Settings.organisation,
        timezone=_timezone(env.get("WBS_TIMEZONE") or Settings.timezone),
        default_locale=locale,
        base_url=(env.get("WBS_BASE_URL") or Settings.base_url).rstrip("/"),
        mail_server=env.get("WBS_MAIL_SERVER") or Settings.mail_server,
        mail_port=_int(env, "WBS_MAIL_PORT", 25),
        mail_use_tls=_bool(env, "WBS_MAIL_USE_TLS", False),
        mail_use_ssl=_bool(env, "WBS_MAIL_USE_SSL", False),
        mail_username=env.get("WBS_MAIL_USERNAME") or "",
        mail_password=env.get("WBS_MAIL_PASSWORD") or "",
        mail_sender=env.get("WBS_MAIL_SENDER") or Settings.mail_sender,
        deadline_acknowledge_days=_int(env, "WBS_DEADLINE_ACKNOWLEDGE_DAYS", 7),
        deadline_verification_working_days=_int(env, "WBS_DEADLINE_VERIFICATION_WORKING_DAYS", 5),
        deadline_telaah_days=_int(env, "WBS_DEADLINE_TELAAH_DAYS", 14),
        deadline_feedback_months=_int(env, "WBS_DEADLINE_FEEDBACK_MONTHS", 3),
        deadline_completion_days=_int(env, "WBS_DEADLINE_COMPLETION_DAYS", 60),
        deadline_warning_days=_int(env, "WBS_DEADLINE_WARNING_DAYS", 3, minimum=0),
        retention_days=_int(env, "WBS_RETENTION_DAYS", 1825),
        staff_idle_minutes=_int(env, "WBS_STAFF_IDLE_MINUTES", 30),
        staff_session_hours=_int(env, "WBS_STAFF_SESSION_HOURS", 12),
        login_lockout_attempts=_int(env, "WBS_LOGIN_LOCKOUT_ATTEMPTS", 5),
        login_lockout_minutes=_int(env, "WBS_LOGIN_LOCKOUT_MINUTES", 15),
        login_rate_limit=_rate_limit(env, "WBS_LOGIN_RATE_LIMIT", Settings.login_rate_limit),
        small_cell_threshold=_int(env, "WBS_SMALL_CELL_THRESHOLD", 3),
        sakip_capaian_cap=_int(env, "WBS_SAKIP_CAPAIAN_CAP", 0, minimum=0),
        # Last: arguments are evaluated in order, so a bad setting above raises before
        # a secret key file is ever created.
        secret_key=_secret_key(env, instance_path),
    )
