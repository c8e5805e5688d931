"""Issue 2, "Security and anonymity": strict headers on every page, nothing loaded from
another host, no script, CSRF on every form, and typed markup shown as text."""

from __future__ import annotations

import io
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.helpers import (
    CODE_PATTERN,
    REPORTER_ADDRESS,
    file_report,
    hidden_value,
    jpeg_bytes,
    open_status,
    post_report,
    report_form_data,
)
from wbs.app_context import database
from wbs.models import Case, Message
from wbs.settings import Settings

UNKNOWN_CODE = "0000000000000000"  # a valid check digit; no report has it


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small limits so that the 413 and 429 pages are cheap to reach.
    return settings.replace(max_upload_mb=1, status_rate_limit="2 per hour")


# --- What every response must carry

_URL_ATTRIBUTES = {
    "action",
    "background",
    "cite",
    "data",
    "formaction",
    "href",
    "icon",
    "longdesc",
    "manifest",
    "ping",
    "poster",
    "src",
    "srcset",
    "xlink:href",
}
_FORBIDDEN_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "style"}


class PageAudit(HTMLParser):
    """Everything in a page that would load or run something, or break its own CSP."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, raw in attrs:
            value = (raw or "").strip()
            self.attributes.append((tag, name, value))
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style (blocked by the CSP)")
            if name == "http-equiv" and value.lower() == "refresh":
                self.problems.append("<meta http-equiv=refresh>")
            if name in _URL_ATTRIBUTES:
                urls = [part.split()[0] for part in value.split(",") if part.split()]
                for url in urls if name == "srcset" else [value]:
                    if not _same_origin(url, data_allowed=(tag == "img" and name == "src")):
                        self.problems.append(f"<{tag} {name}={url!r}> leaves this site")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _same_origin(url: str, data_allowed: bool) -> bool:
    if url.startswith(("\\", "/\\")):  # browsers read "/\host" as "//host"
        return False
    parts = urlsplit(url)
    if parts.scheme == "data" and data_allowed:
        return True
    return not parts.scheme and not parts.netloc


def audit_page(response: TestResponse) -> PageAudit:
    html = response.get_data(as_text=True)
    assert "<script" not in html.lower()
    audit = PageAudit()
    audit.feed(html)
    audit.close()
    assert audit.problems == [], f"{response.request.path}: {audit.problems}"
    return audit


def _csp_directives(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"directive {words[0]} given twice"
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response: TestResponse, static: bool = False) -> None:
    headers = response.headers
    where = f"{response.request.method} {response.request.path} ({response.status_code})"
    assert len(headers.getlist("Content-Security-Policy")) == 1, where
    csp = _csp_directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"], where
    assert csp.get("script-src", ["'none'"]) == ["'none'"], where
    assert csp["frame-ancestors"] == ["'none'"], where
    assert csp["form-action"] == ["'self'"], where
    assert csp["base-uri"] == ["'none'"], where
    for directive, sources in csp.items():
        for source in sources:
            allowed = {"'self'", "'none'"} | ({"data:"} if directive == "img-src" else set())
            assert source in allowed, f"{where}: {directive} {source}"
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Referrer-Policy"] == "no-referrer", where
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin", where
    permissions = headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "interest-cohort=()"):
        assert feature in permissions, where
    if not static:
        assert headers["Cache-Control"] == "no-store", where
    for cookie in headers.getlist("Set-Cookie"):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, f"{where}: {cookie}"


def check_html(response: TestResponse, status: int) -> PageAudit:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    assert_security_headers(response)
    return audit_page(response)


# --- Every public page, and every error page, in both languages

_PAGE_GETTERS: dict[str, tuple[int, Callable[[FlaskClient], TestResponse]]] = {
    "home": (200, lambda c: c.get("/")),
    "report form": (200, lambda c: c.get("/report")),
    "status form": (200, lambda c: c.get("/status")),
    "not found": (404, lambda c: c.get("/no-such-page")),
    "wrong method": (405, lambda c: c.get("/status/reply")),
    "form without CSRF token": (400, lambda c: c.post("/status", data={"tracking_code": "1"})),
    "report form with errors": (
        400,
        lambda c: post_report(c, report_form_data(c, description="pendek")),
    ),
    "unknown code": (404, lambda c: open_status(c, UNKNOWN_CODE)),
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_public_page_has_strict_headers_and_loads_nothing_from_elsewhere(
    app: Flask, client: FlaskClient, language: str
) -> None:
    client.set_cookie("lang", language)
    for name, (status, get_page) in _PAGE_GETTERS.items():
        audit = check_html(get_page(client), status)
        assert "html" in audit.tags, name

    # A filed report: the confirmation page (which shows the code) and the case page.
    data = report_form_data(client, evidence=(io.BytesIO(jpeg_bytes()), "foto.jpg"))
    filed = post_report(client, data)
    check_html(filed, 201)
    data["evidence"] = (io.BytesIO(jpeg_bytes()), "foto.jpg")
    check_html(post_report(client, data), 200)  # the same form again: same code, shown again
    match = CODE_PATTERN.search(filed.get_data(as_text=True))
    assert match
    code = match.group(1)
    looked_up = open_status(client, code)
    assert looked_up.status_code == 303
    assert_security_headers(looked_up)
    audit = check_html(client.get("/status/case"), 200)
    downloads = [v for t, n, v in audit.attributes if n == "href" and "/attachment/" in v]
    assert len(downloads) == 1
    download = client.get(downloads[0])
    assert download.status_code == 200
    assert_security_headers(download)
    assert download.headers["Content-Disposition"].startswith("attachment;")

    # Leaving the status page, then coming back without a session: a redirect.
    page = client.get("/status/case").get_data(as_text=True)
    left = client.post("/status/end", data={"csrf_token": hidden_value(page, "csrf_token")})
    assert left.status_code == 303
    assert_security_headers(left)
    ended = client.get("/status/case")
    assert ended.status_code == 303
    assert_security_headers(ended)


def test_error_pages_for_too_large_throttled_and_damaged_data(
    app: Flask, client: FlaskClient
) -> None:
    too_large = post_report(
        client,
        report_form_data(client, evidence=(io.BytesIO(b"%PDF" + b"0" * 1_600_000), "besar.pdf")),
    )
    check_html(too_large, 413)

    code = file_report(client, description="Kepala seksi meminta imbalan untuk setiap izin usaha.")
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        case.body = case.body[:-1] + bytes([case.body[-1] ^ 1])
    assert open_status(client, code).status_code == 303
    check_html(client.get("/status/case"), 500)

    for _attempt in range(2):
        check_html(open_status(client, UNKNOWN_CODE), 404)
    check_html(open_status(client, UNKNOWN_CODE), 429)


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/v1/openapi.json", "/api/v1/agencies", "/api/v1/no-such-thing"]
)
def test_json_responses_carry_the_same_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.mimetype == "application/json"
    assert_security_headers(response)


def test_static_files_carry_the_headers(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert_security_headers(response, static=True)
    assert "@import" not in response.get_data(as_text=True)
    assert "url(http" not in response.get_data(as_text=True).replace(" ", "")


# --- CSRF on every form (and why the JSON API needs none)


def _case_count(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def test_report_without_or_with_a_foreign_csrf_token_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    data = report_form_data(client)
    without = {key: value for key, value in data.items() if key != "csrf_token"}
    assert post_report(client, without).status_code == 400
    foreign = report_form_data(app.test_client())["csrf_token"]
    assert post_report(client, {**without, "csrf_token": foreign}).status_code == 400
    assert post_report(client, {**without, "csrf_token": "forged"}).status_code == 400
    assert _case_count(app) == 0
    assert post_report(client, data).status_code == 201  # the same form with its token


def test_status_look_up_without_csrf_token_is_refused_even_for_a_valid_code(
    app: Flask, client: FlaskClient
) -> None:
    code = file_report(client)
    response = client.post("/status", data={"tracking_code": code})
    assert response.status_code == 400
    assert client.get("/status/case").status_code == 303  # no reporter session was opened


def test_reply_and_leaving_without_csrf_token_are_refused(app: Flask, client: FlaskClient) -> None:
    code = file_report(client)
    assert open_status(client, code).status_code == 303
    reply = client.post(
        "/status/reply",
        data={"message": "Tambahan keterangan dari pelapor."},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert reply.status_code == 400
    with database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0
    assert client.post("/status/end").status_code == 400
    assert client.get("/status/case").status_code == 200  # still open


def test_json_api_refuses_what_a_cross_site_form_can_send(app: Flask, client: FlaskClient) -> None:
    """The API is exempt from CSRF because it takes JSON only, which no HTML form of
    another site can send (forms send urlencoded, multipart or text/plain bodies)."""
    body = '{"category": "pungli", "agency": "DINKES", "description": "Laporan dari situs lain."}'
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
        response = client.post("/api/v1/reports", data=body, content_type=content_type)
        assert response.status_code == 415, content_type
    response = client.post("/api/v1/reports/status", data=body, content_type="text/plain")
    assert response.status_code == 415
    assert _case_count(app) == 0


# --- Text is stored as text and rendered escaped

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)><b>tebal</b>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def test_markup_typed_into_every_field_is_shown_as_text_on_the_case_page(
    app: Flask, client: FlaskClient
) -> None:
    fields = {
        "description": f"Uraian kejadian {MARKUP} selesai.",
        "involved": f"Terlapor {MARKUP}",
        "location": f"Lokasi {MARKUP}",
        "reporter_name": f"Nama {MARKUP}",
        "reporter_contact": f"Kontak {MARKUP}",
    }
    evidence_name = "<img src=x onerror=alert(2)>.txt"
    code = file_report(client, **fields, evidence=(io.BytesIO(b"catatan bukti"), evidence_name))
    open_status(client, code)
    page = client.get("/status/case").get_data(as_text=True)
    reply = f"Balasan {MARKUP}"
    response = client.post(
        "/status/reply",
        data={"csrf_token": hidden_value(page, "csrf_token"), "message": reply},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 303

    response = client.get("/status/case")
    audit = check_html(response, 200)  # no <script>, no event handler, no foreign URL
    html = response.get_data(as_text=True)
    text = "".join(audit.text)
    assert "<b>tebal</b>" not in html  # harmless markup is not a tag either
    # Each field the page shows holds the markup as text: escaped in the HTML, exact
    # once parsed (stored as typed, neither stripped nor escaped twice).
    for shown in (fields["description"], fields["involved"], fields["location"], reply):
        assert shown in text
    assert html.count(ESCAPED) == 4
    assert "&lt;img src=x onerror=alert(2)&gt;.txt" in html
    assert "&amp;lt;" not in html
    # The identity is not shown on the reporter's page at all.
    assert "Nama" not in text and "Kontak" not in text


def test_markup_typed_into_the_report_form_is_kept_as_text_after_an_error(
    client: FlaskClient,
) -> None:
    """A form sent back with errors shows every typed value again, escaped."""
    typed = {
        "description": f"Pendek {MARKUP}"[:19],  # too short: the form comes back
        "involved": f"Terlapor {MARKUP}",
        "location": f"Lokasi {MARKUP}",
        "reporter_name": f"Nama {MARKUP}",
        "reporter_contact": f"Kontak {MARKUP}",
        "estimated_loss": f"{MARKUP}"[:30],
    }
    data = report_form_data(
        client, **typed, evidence=(io.BytesIO(b"x"), "<img src=x onerror=alert(3)>.pdf")
    )
    response = post_report(client, data)
    audit = check_html(response, 400)
    text = "".join(audit.text)
    for name in ("involved", "description"):
        assert typed[name] in text, name  # textareas: the value is the element's text
    for name in ("location", "reporter_name", "reporter_contact", "estimated_loss"):
        assert any(
            attr == "value" and value == typed[name] for _tag, attr, value in audit.attributes
        ), name
    assert "<img src=x onerror=alert(3)>.pdf" in text  # named again, as text
