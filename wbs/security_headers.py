"""Response headers for every page: strict CSP, no referrer, no caching of secrets.

Public pages use no JavaScript and load nothing from another host (DESIGN.md).
"""

from __future__ import annotations

from flask import Response, request

from wbs.app_context import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def apply(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # e-Kinerja's entry page asks for the camera and the location (wbs/kinerja/web).
    headers.setdefault(
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=(), browsing-topics=()",
    )
    if settings().secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    # Pages may hold a tracking code or report content: never keep them in any cache.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response
