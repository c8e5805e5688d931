"""Refuse a throttled status look-up before Flask sees it.

Guessing tracking codes is the one attack the status limit exists for (DESIGN.md,
"Tracking code"). Once an address has used up its failed look-ups, Flask-Limiter
answers every further guess with 429, but only after the whole request machinery ran:
routing, body and CSRF checks, the session, a Redis round trip per limit, an error page
in the user's language. Under a flood of guesses that is a few milliseconds of CPU
each, taken from the honest look-ups next to it (issue 6, `python -m bench brute-force`).

This WSGI layer remembers, in the worker's memory, each 429 the app gave on a status
path: for whom (the same keyed, daily-rotating address hash the limiter uses, never
the address), in which language, and until when (the limiter's Retry-After). Until
then the same request from the same address gets the same answer replayed without
reading the body or touching Flask, Redis or the database.

What it cannot do: the first refusal in each worker still goes through the app, and a
flood of requests that are each cheap still costs the server its HTTP parsing; the
README's proxy rate limit (`limit_req`) stops a flood before it reaches the app.
Cookies are never replayed: the remembered answer carries no Set-Cookie.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.http import parse_cookie

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Remembered refusals per worker: an address hash, a path and a language each. A flood
# from more addresses than this only costs the full refusal again.
MAX_REFUSALS = 20_000
# Headers of the app's answer that are the same for everyone refused; Set-Cookie and the
# limiter's counters are not, Retry-After is recomputed and Content-Length re-measured.
_DROPPED_HEADERS = frozenset(
    {
        "set-cookie",
        "content-length",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    }
)


@dataclass(frozen=True)
class Refusal:
    until: float
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def replay(self, start_response: StartResponse, now: float) -> list[bytes]:
        wait = max(1, math.ceil(self.until - now))
        headers = [
            *self.headers,
            ("Retry-After", str(wait)),
            ("Content-Length", str(len(self.body))),
        ]
        start_response(self.status, headers)
        return [self.body]


class ThrottleGate:
    """WSGI middleware in front of the app (inside ProxyFix, so REMOTE_ADDR is the
    client's address) for the POST paths of one limit."""

    def __init__(
        self,
        app: WSGIApplication,
        paths: Iterable[str],
        address_key: Callable[[str], str],
        language_cookie: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.address_key = address_key
        self.language_cookie = language_cookie
        self.clock = clock
        self._refusals: dict[tuple[str, str, str], Refusal] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or path not in self.paths:
            return self.app(environ, start_response)
        slot = (
            self.address_key(environ.get("REMOTE_ADDR") or "unknown"),
            path,
            self._language(environ),
        )
        now = self.clock()
        refusal = self._refusals.get(slot)
        if refusal is not None:
            if refusal.until > now:
                return refusal.replay(start_response, now)
            self._refusals.pop(slot, None)
        return self._pass_through(environ, start_response, slot, now)

    def _language(self, environ: WSGIEnvironment) -> str:
        cookie = environ.get("HTTP_COOKIE")
        if not cookie:
            return ""
        return parse_cookie(cookie).get(self.language_cookie, "")

    def _pass_through(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        slot: tuple[str, str, str],
        now: float,
    ) -> Iterable[bytes]:
        seen: list[tuple[str, list[tuple[str, str]]]] = []

        def watch(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            seen.append((status, headers))
            return start_response(status, headers, exc_info)  # type: ignore[arg-type]

        answer = self.app(environ, watch)  # type: ignore[arg-type]
        if not seen or not seen[-1][0].startswith("429"):
            return answer
        status, headers = seen[-1]
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        retry_after = next((v for k, v in headers if k.lower() == "retry-after"), "")
        if retry_after.isdigit() and int(retry_after) > 0:
            kept = tuple((k, v) for k, v in headers if k.lower() not in _DROPPED_HEADERS)
            self._remember(slot, Refusal(now + int(retry_after), status, kept, body))
        return [body]

    def _remember(self, slot: tuple[str, str, str], refusal: Refusal) -> None:
        with self._lock:
            if len(self._refusals) >= MAX_REFUSALS:
                now = self.clock()
                for key in [k for k, r in self._refusals.items() if r.until <= now]:
                    del self._refusals[key]
                while len(self._refusals) >= MAX_REFUSALS:
                    del self._refusals[next(iter(self._refusals))]
            self._refusals[slot] = refusal
