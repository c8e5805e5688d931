"""Settings: every WBS_* variable is documented with its real default, and parsed strictly."""

from __future__ import annotations

import os
import re
import runpy
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from wbs.crypto import Argon2Params
from wbs.settings import Settings, SettingsError, load_settings, normalise_database_url

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_ENV = REPO / "config" / "wbs.example.env"
GUNICORN_CONF = REPO / "config" / "gunicorn.conf.py"
SETTINGS_PY = REPO / "wbs" / "settings.py"
SETTING_LINE = re.compile(r"^#?\s*(WBS_[A-Z0-9_]+)=(.*)$")
SECRET = "a-test-secret-key-of-at-least-32-characters"


def names_used_in(path: Path) -> set[str]:
    return set(re.findall(r"\bWBS_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))


def documented() -> dict[str, str]:
    """Each documented variable with the default the example file shows for it."""
    values: dict[str, str] = {}
    for line in EXAMPLE_ENV.read_text().splitlines():
        match = SETTING_LINE.match(line)
        if match:
            name, value = match.groups()
            assert name not in values, f"{name} is documented twice"
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values[name] = value
    return values


def load(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"WBS_INSTANCE_PATH": str(tmp_path), "WBS_SECRET_KEY": SECRET, **env})


def error_for(tmp_path: Path, **env: str) -> str:
    with pytest.raises(SettingsError) as raised:
        load(tmp_path, **env)
    message = str(raised.value)
    assert "\n" not in message
    return message


# --- the example file -----------------------------------------------------------------------


def test_every_variable_read_is_documented_and_nothing_else() -> None:
    used = names_used_in(SETTINGS_PY) | names_used_in(GUNICORN_CONF)
    assert {"WBS_SECRET_KEY", "WBS_BIND", "WBS_ARGON2_TIME_COST"} <= used  # the scan works
    assert set(documented()) == used


def test_every_documented_variable_is_explained() -> None:
    lines = EXAMPLE_ENV.read_text().splitlines()
    for number, line in enumerate(lines):
        if SETTING_LINE.match(line):
            before = lines[number - 1]
            assert before.startswith("# ") and not SETTING_LINE.match(before), (
                f"{line!r} needs a one-line explanation above it"
            )


def test_documented_defaults_are_the_real_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the documented instance path is relative
    app_names = names_used_in(SETTINGS_PY)
    from_file = {name: value for name, value in documented().items() if name in app_names}
    assert load_settings(from_file) == load_settings({})


def test_documented_gunicorn_defaults_are_the_real_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def gunicorn_config() -> dict[str, Any]:
        values = runpy.run_path(str(GUNICORN_CONF))
        return {key: values[key] for key in ("bind", "workers", "threads", "accesslog", "loglevel")}

    for name in [name for name in os.environ if name.startswith("WBS_")]:
        monkeypatch.delenv(name)
    defaults = gunicorn_config()
    for name, value in documented().items():
        if name in names_used_in(GUNICORN_CONF):
            monkeypatch.setenv(name, value)
    assert gunicorn_config() == defaults
    assert defaults["accesslog"] is None  # no access log unless asked for (anonymity)


def test_example_file_values_survive_a_posix_shell(tmp_path: Path) -> None:
    """Uncommented, the file is valid for `set -a; . file`: quoted values keep their spaces."""
    active = tmp_path / "wbs.env"
    active.write_text(
        "\n".join(
            line[1:] if SETTING_LINE.match(line) and line.startswith("#") else line
            for line in EXAMPLE_ENV.read_text().splitlines()
        )
    )
    script = f"set -a; . '{active}'; set +a; env"
    output = subprocess.run(
        ["/bin/sh", "-c", script], capture_output=True, text=True, check=True, env={}
    ).stdout
    seen = dict(line.split("=", 1) for line in output.splitlines() if line.startswith("WBS_"))
    assert seen == documented()


# --- parsing --------------------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.instance_path == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'wbs.sqlite3'}"
    assert settings.max_upload_mb == 50 and settings.max_content_length == 50 * 1024 * 1024
    assert settings.argon2 == Argon2Params(memory_kib=65536, time_cost=3, parallelism=1)
    assert settings.ratelimit_storage_uri == "memory://"
    assert settings.secure_cookies is False
    assert settings.timezone == "Asia/Jakarta"
    assert settings.default_locale == "id"
    assert settings.testing is False


@pytest.mark.parametrize(
    ("name", "attribute", "minimum"),
    [
        ("WBS_MAX_UPLOAD_MB", "max_upload_mb", 1),
        ("WBS_MAX_FILES", "max_files", 1),
        ("WBS_MAX_IMAGE_PIXELS", "max_image_pixels", 1),
        ("WBS_REPORTER_SESSION_MINUTES", "reporter_session_minutes", 1),
        ("WBS_TRUSTED_PROXIES", "trusted_proxies", 0),
        ("WBS_ARGON2_MEMORY_KIB", "argon2.memory_kib", 8),
        ("WBS_ARGON2_TIME_COST", "argon2.time_cost", 1),
        ("WBS_ARGON2_PARALLELISM", "argon2.parallelism", 1),
    ],
)
def test_whole_numbers_with_a_minimum(
    tmp_path: Path, name: str, attribute: str, minimum: int
) -> None:
    def value(settings: Settings) -> Any:
        result: Any = settings
        for part in attribute.split("."):
            result = getattr(result, part)
        return result

    assert value(load(tmp_path, **{name: "12"})) == 12
    assert value(load(tmp_path, **{name: str(minimum)})) == minimum
    assert value(load(tmp_path, **{name: ""})) == value(load(tmp_path))
    assert error_for(tmp_path, **{name: str(minimum - 1)}) == (
        f"{name} must be at least {minimum}, not {minimum - 1}"
    )
    for bad in ("abc", "1.5", "10MB"):
        assert error_for(tmp_path, **{name: bad}) == f"{name} must be a whole number, not {bad!r}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_booleans(tmp_path: Path, raw: str, expected: bool) -> None:
    assert load(tmp_path, WBS_SECURE_COOKIES=raw).secure_cookies is expected


def test_boolean_that_is_neither_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, WBS_SECURE_COOKIES="maybe")
    assert message == "WBS_SECURE_COOKIES must be true or false, not 'maybe'"


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_indonesian_time_zones(tmp_path: Path, zone: str) -> None:
    assert load(tmp_path, WBS_TIMEZONE=zone).timezone == zone


@pytest.mark.parametrize("zone", ["Asia/Atlantis", "WIB", "../../etc/passwd"])
def test_unknown_time_zone_is_refused(tmp_path: Path, zone: str) -> None:
    assert (
        error_for(tmp_path, WBS_TIMEZONE=zone) == f"WBS_TIMEZONE {zone!r} is not a known time zone"
    )


def test_locale(tmp_path: Path) -> None:
    assert load(tmp_path, WBS_DEFAULT_LOCALE="en").default_locale == "en"
    assert load(tmp_path, WBS_DEFAULT_LOCALE="id").default_locale == "id"
    assert error_for(tmp_path, WBS_DEFAULT_LOCALE="fr") == "WBS_DEFAULT_LOCALE must be id or en"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://wbs:pw@db/wbs", "postgresql+psycopg://wbs:pw@db/wbs"),
        ("postgresql://wbs:pw@db:5433/wbs", "postgresql+psycopg://wbs:pw@db:5433/wbs"),
        ("postgresql+psycopg://wbs@db/wbs", "postgresql+psycopg://wbs@db/wbs"),
        ("sqlite:////var/lib/wbs/wbs.sqlite3", "sqlite:////var/lib/wbs/wbs.sqlite3"),
    ],
)
def test_database_url_uses_psycopg_3(tmp_path: Path, given: str, expected: str) -> None:
    assert load(tmp_path, WBS_DATABASE_URL=given).database_url == expected
    assert normalise_database_url(given) == expected


def test_text_settings_are_taken_as_given(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        WBS_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/2",
        WBS_SUBMIT_RATE_LIMIT="5 per hour",
        WBS_STATUS_RATE_LIMIT="3 per minute;20 per day",
        WBS_ORGANISATION="Inspektorat Kota Contoh",
    )
    assert settings.ratelimit_storage_uri == "redis://127.0.0.1:6379/2"
    assert settings.submit_rate_limit == "5 per hour"
    assert settings.status_rate_limit == "3 per minute;20 per day"
    assert settings.organisation == "Inspektorat Kota Contoh"


def test_environment_is_read_when_no_mapping_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WBS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WBS_SECRET_KEY", SECRET)
    monkeypatch.setenv("WBS_MAX_FILES", "4")
    assert load_settings().max_files == 4


# --- the server secret ----------------------------------------------------------------------


def test_secret_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    instance = tmp_path / "new" / "instance"
    first = load_settings({"WBS_INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    assert key_file.read_text().strip() == first.secret_key
    again = load_settings({"WBS_INSTANCE_PATH": str(instance)})
    assert again.secret_key == first.secret_key
    other = load_settings({"WBS_INSTANCE_PATH": str(tmp_path / "other")})
    assert other.secret_key != first.secret_key


def test_secret_key_from_the_environment_writes_no_file(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.secret_key == SECRET
    assert not (tmp_path / "secret_key").exists()


def test_short_secret_key_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, WBS_SECRET_KEY="x" * 31)
    assert message == "WBS_SECRET_KEY must be at least 32 characters long"
    assert "x" * 31 not in message


def test_secret_key_never_appears_in_repr(tmp_path: Path) -> None:
    assert SECRET not in repr(load(tmp_path))


def test_settings_are_immutable(tmp_path: Path) -> None:
    settings = load(tmp_path)
    with pytest.raises(AttributeError):
        settings.max_files = 99  # type: ignore[misc]
    assert settings.replace(max_files=3).max_files == 3
    assert settings.max_files == 10
