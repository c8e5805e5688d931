"""Language choice: Bahasa Indonesia by default, English on request, remembered in a cookie."""

from __future__ import annotations

from flask import request

from wbs.app_context import settings

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
COOKIE = "lang"


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return settings().default_locale
