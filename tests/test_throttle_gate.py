"""wbs/throttle_gate.py on its own: which answers it remembers, for whom and how long."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.test import Client

from wbs.throttle_gate import ThrottleGate

PATH = "/api/v1/reports/status"


class CountingApp:
    """Answers 404 until told to throttle, then 429 with the limiter's headers."""

    def __init__(self) -> None:
        self.calls = 0
        self.retry_after: str | None = "60"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:  # noqa: ANN401
        self.calls += 1
        if self.calls <= 2:
            start_response("404 NOT FOUND", [("Content-Type", "application/json")])
            return [b'{"error": "not_found"}']
        headers = [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "wbs_session=secret; HttpOnly"),
            ("X-RateLimit-Remaining", "0"),
            ("Content-Security-Policy", "default-src 'none'"),
        ]
        if self.retry_after:
            headers.append(("Retry-After", self.retry_after))
        start_response("429 TOO MANY REQUESTS", headers)
        return [f'{{"error": "throttled", "call": {self.calls}}}'.encode()]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _gate() -> tuple[ThrottleGate, CountingApp, Clock, Client]:
    app, clock = CountingApp(), Clock()
    gate = ThrottleGate(app, [PATH], lambda address: f"hash-of-{address}", "lang", clock)
    return gate, app, clock, Client(gate)


def _post(client: Client, address: str = "192.0.2.1", **kw: Any) -> Any:  # noqa: ANN401
    return client.post(PATH, data=b"{}", environ_base={"REMOTE_ADDR": address}, **kw)


def test_a_refusal_is_replayed_until_retry_after_then_the_app_decides_again() -> None:
    _gate_, app, clock, client = _gate()
    assert [_post(client).status_code for _ in range(3)] == [404, 404, 429]
    assert app.calls == 3
    clock.now += 20
    replayed = _post(client)
    assert app.calls == 3  # the app was not asked
    assert replayed.status_code == 429
    assert replayed.get_data() == b'{"error": "throttled", "call": 3}'
    assert replayed.headers["Retry-After"] == "40"
    assert replayed.headers["Content-Length"] == str(len(replayed.get_data()))
    assert replayed.headers["Content-Security-Policy"] == "default-src 'none'"
    # Never someone's cookie, never a stale counter.
    assert "Set-Cookie" not in replayed.headers
    assert "X-RateLimit-Remaining" not in replayed.headers
    clock.now += 41
    assert _post(client).status_code == 429
    assert app.calls == 4  # expired: the app (the limiter) was asked again


def test_other_addresses_languages_methods_and_paths_go_to_the_app() -> None:
    _gate_, app, _clock, client = _gate()
    for _ in range(3):
        _post(client)
    calls = app.calls
    _post(client, address="192.0.2.2")
    client.set_cookie("lang", "id")
    _post(client)
    client.delete_cookie("lang")
    client.get(PATH, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    client.post("/report", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert app.calls == calls + 4
    _post(client)
    assert app.calls == calls + 4  # the remembered one still holds


def test_a_refusal_without_retry_after_is_not_remembered() -> None:
    _gate_, app, _clock, client = _gate()
    app.retry_after = None
    for _ in range(4):
        _post(client)
    assert app.calls == 4
