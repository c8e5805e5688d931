"""Bahasa Indonesia by default, English on request; the Indonesian catalogue is complete.

The msgids in code and templates are English. A fresh extraction, run exactly as
`make extract-strings` runs it, must find every msgid translated in the `id` catalogue
(STYLE.md: stale translations fail the build), and the compiled catalogues must match
their sources, since the app only reads the compiled ones.
"""

from __future__ import annotations

import html
import re
import shlex
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_date, format_decimal, refresh

from tests.helpers import REPORTER_ADDRESS, file_report, open_status, post_report, report_form_data
from wbs.i18n import LANGUAGES, amount_text, date_text, decimal_text
from wbs.tracking_code import TrackingCode

REPO_ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = REPO_ROOT / "wbs" / "translations"
MAKEFILE = REPO_ROOT / "Makefile"
HOW_TO_FIX = (
    "Run `make extract-strings`, translate these messages in "
    "wbs/translations/id/LC_MESSAGES/messages.po (no fuzzy entries, same placeholders), "
    "then `make translations`."
)
# A Python %-format conversion, as gettext's python-format flag understands it.
_PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)
_FORM_ERROR = re.compile(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', re.DOTALL)


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def placeholders(text: str) -> list[str]:
    """The %-conversions of a message, sorted; a stray '%' counts as one too."""
    found = _PLACEHOLDER.findall(text)
    stray = _PLACEHOLDER.sub("", text).count("%")
    return sorted(found + ["%"] * stray)


def extraction_args(output: Path) -> list[str]:
    """The `pybabel extract` arguments of `make extract-strings`, writing to `output`."""
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        if "pybabel extract" in line:
            args = shlex.split(line.split("pybabel", 1)[1])
            args[args.index("-o") + 1] = str(output)
            return args
    raise AssertionError("the Makefile has no `pybabel extract` line in `extract-strings`")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Every msgid in the code and templates today, from a fresh extraction."""
    template = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *extraction_args(template)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"the extraction failed:\n{result.stderr}"
    return read_catalogue(template)


def indonesian_catalogue() -> Catalog:
    return read_catalogue(po_path("id"), "id")


def catalogue_problems(template: Catalog, catalogue: Catalog) -> list[str]:
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None:
            problems.append(f"missing from the catalogue: {message.id!r}")
        elif not translated.string:
            problems.append(f"not translated: {message.id!r}")
        elif translated.fuzzy:
            problems.append(f"fuzzy (needs review): {message.id!r}")
        elif placeholders(message.id) != placeholders(translated.string):
            problems.append(
                f"placeholders differ: {message.id!r} has {placeholders(message.id)}, "
                f"the translation {translated.string!r} has {placeholders(translated.string)}"
            )
    for message in catalogue:
        if message.id and template.get(message.id, message.context) is None:
            problems.append(f"no longer in the code: {message.id!r}")
    return problems


def test_indonesian_catalogue_translates_every_message(extracted: Catalog) -> None:
    assert len(extracted) > 100, "the extraction found almost nothing: check babel.cfg"
    problems = catalogue_problems(extracted, indonesian_catalogue())
    assert not problems, (
        f"The Indonesian catalogue is out of date ({len(problems)} problems):\n  "
        + "\n  ".join(problems)
        + f"\n{HOW_TO_FIX}"
    )


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_catalogue_entries_keep_their_placeholders(locale: str) -> None:
    """English msgstrs may stay empty; any text that is there must format like the msgid."""
    wrong = [
        message.id
        for message in read_catalogue(po_path(locale), locale)
        if message.id
        and message.string
        and placeholders(message.id) != placeholders(message.string)
    ]
    assert not wrong, f"{locale}: placeholders differ in {wrong}"


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_compiled_catalogue_is_up_to_date(locale: str) -> None:
    source = po_path(locale)
    compiled = source.with_suffix(".mo")
    assert source.is_file(), f"no catalogue for {LANGUAGES[locale]}: {source}"
    assert compiled.is_file(), f"{compiled} is missing: run `make translations`"
    older = compiled.stat().st_mtime < source.stat().st_mtime
    assert not older, f"{compiled} is older than its .po: run `make translations`"
    with compiled.open("rb") as mo_file:
        loaded = read_mo(mo_file)
    expected = {
        message.id: message.string
        for message in read_catalogue(source, locale)
        if message.id and message.string and not message.fuzzy
    }
    actual = {message.id: message.string for message in loaded if message.id}
    assert actual == expected, f"{compiled} does not match its .po: run `make translations`"


def test_home_page_is_indonesian_by_default_and_english_on_request(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Laporkan pelanggaran oleh ASN dengan aman" in page
    assert "Cara kami melindungi identitas Anda" in page
    assert "Report a violation by a civil servant, safely" not in page

    switch = client.get("/lang/en?next=/")
    assert switch.status_code == 303
    assert switch.headers["Location"] == "/"
    assert "lang=en" in switch.headers["Set-Cookie"]

    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Report a violation by a civil servant, safely" in page
    assert "How your anonymity is protected" in page
    assert "Laporkan pelanggaran" not in page

    client.get("/lang/id?next=/")
    assert "Laporkan pelanggaran oleh ASN dengan aman" in client.get("/").get_data(as_text=True)


def test_report_form_and_status_pages_are_indonesian(client: FlaskClient) -> None:
    form = client.get("/report").get_data(as_text=True)
    assert "Jenis pelanggaran" in form
    assert "Perangkat daerah (OPD) tempat terlapor bertugas" in form
    assert "Kirim laporan" in form
    assert "Kind of violation" not in form

    status = client.get("/status").get_data(as_text=True)
    assert "Cek status laporan Anda" in status
    assert "Buka laporan saya" in status

    open_status(client, file_report(client))
    case = client.get("/status/case").get_data(as_text=True)
    assert "Status: <strong>Diterima</strong>" in case
    assert "Laporan Anda telah masuk dan menunggu ditelaah oleh petugas." in case
    assert "Riwayat penanganan" in case


def test_api_error_messages_follow_the_language(client: FlaskClient) -> None:
    def status_error(code: str) -> tuple[int, str]:
        response = client.post(
            "/api/v1/reports/status",
            json={"tracking_code": code},
            environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
        )
        return response.status_code, response.get_json()["error"]["message"]

    assert status_error("1234") == (
        400,
        "Kode pelacakan terdiri atas 16 digit. Periksa kembali kode yang Anda ketik.",
    )
    unknown = TrackingCode.generate().digits
    status, message = status_error(unknown)
    assert status == 404
    assert message.startswith("Tidak ada laporan dengan kode ini.")

    client.get("/lang/en")
    assert status_error("1234") == (400, "A tracking code has 16 digits. Check what you typed.")


# Every field below fails its own check, so each validator's message is shown at once.
INVALID_REPORT = {
    "category": "",
    "agency": "",
    "description": "terlalu pendek",
    "location": "x" * 501,
    "incident_from": "2024-02-31",
    "incident_until": "2024-01-15",
    "how_known": "ditebak",
    "estimated_loss": "kira-kira lima belas juta rupiah",
    "reporter_name": "n" * 201,
}


def as_patterns(catalogue: Catalog) -> list[re.Pattern[str]]:
    """The catalogue's translations as patterns, with any placeholder matching a value."""
    patterns = []
    for message in catalogue:
        if message.id and message.string:
            parts = _PLACEHOLDER.split(message.string)
            patterns.append(re.compile(".+?".join(re.escape(part) for part in parts)))
    return patterns


def untranslated(messages: list[str], catalogue: Catalog) -> list[str]:
    patterns = as_patterns(catalogue)
    return [text for text in messages if not any(p.fullmatch(text) for p in patterns)]


def test_form_validation_messages_are_indonesian(client: FlaskClient) -> None:
    response = post_report(client, report_form_data(client, **INVALID_REPORT))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Mohon perbaiki kolom yang ditandai." in page
    errors = [(field, html.unescape(text)) for field, text in _FORM_ERROR.findall(page)]
    assert {field for field, _text in errors} >= set(INVALID_REPORT) - {"incident_until"}
    assert ("description", "Uraikan kejadiannya dalam 20 sampai 20.000 karakter.") in errors
    assert ("incident_from", "Isikan tanggal lengkap: tanggal, bulan, dan tahun.") in errors
    assert ("incident_until", "Isikan juga tanggal awal periode.") in errors
    # WTForms ships no Indonesian catalogue: a built-in message would stay English.
    assert not untranslated([text for _field, text in errors], indonesian_catalogue())


def test_api_validation_messages_are_indonesian(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/reports", json=INVALID_REPORT, environ_base={"REMOTE_ADDR": REPORTER_ADDRESS}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == "Beberapa isian tidak valid."
    messages = [text for texts in error["fields"].values() for text in texts]
    assert "Paling banyak 30 karakter." in error["fields"]["estimated_loss"]
    assert not untranslated(messages, indonesian_catalogue())


@pytest.mark.parametrize("language", ["id", "en"])
def test_quick_number_and_date_texts_match_babels(app: Flask, language: str) -> None:
    # wbs.i18n's remembered and quick formats must print what flask-babel prints.
    values = ["0", "5", "1234", "1250000000", "1234.5", "1234.56", "1234.565", "0.004", "-7.1"]
    with app.test_request_context(headers={"Cookie": f"lang={language}"}):
        refresh()
        for text in values:
            value = Decimal(text)
            expected = format_decimal(value, format="#,##0.##")
            assert amount_text(value) == expected, text
            assert decimal_text(value, "#,##0.##") == expected, text
        for day in (date(2026, 1, 5), date(2026, 12, 31)):
            assert date_text(day) == format_date(day, "medium")
            assert date_text(day, "long") == format_date(day, "long")
