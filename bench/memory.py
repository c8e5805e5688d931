"""How much a worker's peak memory grows when a report carries a 25 MB attachment
that the reporter then downloads again.

Method. Peak RSS (VmHWM) only ever rises, so each variant runs on a FRESH one-worker
server: first a warm-up round without attachment (imports, templates, connection
pool, one Argon2id run of 64 MiB), then VmHWM is read, then the measured round:
the HTML form posted as multipart with CSRF and form tokens and cookies, the status
page opened with the code, and (with attachment) the file downloaded through the
link on the status page, streamed and discarded. VmHWM is read again at the end.
The figure that counts is peak(with attachment) − peak(without), both taken after
the same rounds; the growth within each run (after − warm) is printed beside it.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import re
import secrets
import statistics
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.load import DESCRIPTION
from bench.server import gunicorn, memory_kib

ATTACHMENT_BYTES = 25 * 1024 * 1024
_HIDDEN = 'name="{name}" type="hidden" value="([^"]*)"'
_CODE = re.compile(r"<strong>(\d{4} \d{4} \d{4} \d{4})</strong>")
_ATTACHMENT_LINK = re.compile(r'href="(/status/attachment/\d+)"')


@dataclass(frozen=True)
class MemoryRun:
    attachment: bool
    warm_hwm_kib: int
    peak_hwm_kib: int
    final_rss_kib: int
    upload_s: float
    download_s: float
    downloaded_bytes: int

    @property
    def growth_kib(self) -> int:
        return self.peak_hwm_kib - self.warm_hwm_kib


def pdf_attachment(size: int = ATTACHMENT_BYTES) -> bytes:
    """A PDF-looking file of random bytes (incompressible, passes the magic check)."""
    return b"%PDF-1.7\n" + os.urandom(size - 9)


class Browser:
    """Cookies and form tokens, as a browser with JavaScript off would send them."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=300) as response:
            return response.read().decode()

    def post(self, path: str, body: bytes, content_type: str) -> str:
        # The URL is always the benchmark's own http:// loopback server.
        request = urllib.request.Request(  # noqa: S310
            self.base_url + path, data=body, headers={"Content-Type": content_type}
        )
        with self.opener.open(request, timeout=300) as response:
            return response.read().decode()

    def download(self, path: str) -> tuple[int, str]:
        """Stream a file and discard it; return its size and SHA-256."""
        digest, size = hashlib.sha256(), 0
        with self.opener.open(self.base_url + path, timeout=300) as response:
            while piece := response.read(256 * 1024):
                digest.update(piece)
                size += len(piece)
        return size, digest.hexdigest()


def _hidden(html: str, name: str) -> str:
    match = re.search(_HIDDEN.format(name=name), html)
    if not match:
        raise RuntimeError(f"no hidden field {name} in the page")
    return match.group(1)


def _multipart(fields: dict[str, str], file: tuple[str, str, bytes] | None) -> tuple[bytes, str]:
    boundary = "bench" + secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    if file is not None:
        field_name, filename, content = file
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def reporter_round(
    base_url: str, category: str, agency: str, attachment: bytes | None
) -> tuple[float, float, int]:
    """File through the HTML form, open the status page, download the attachment.
    Returns (upload seconds, download seconds, bytes downloaded)."""
    browser = Browser(base_url)
    form = browser.get("/report")
    fields = {
        "csrf_token": _hidden(form, "csrf_token"),
        "submission_token": _hidden(form, "submission_token"),
        "category": category,
        "agency": agency,
        "description": DESCRIPTION,
    }
    body, content_type = _multipart(
        fields, ("evidence", "bukti.pdf", attachment) if attachment is not None else None
    )
    began = time.perf_counter()
    done = browser.post("/report", body, content_type)
    upload_s = time.perf_counter() - began
    code = _CODE.search(done)
    if not code:
        raise RuntimeError("the confirmation page shows no tracking code")
    status_form = browser.get("/status")
    case_page = browser.post(
        "/status",
        urllib.parse.urlencode(
            {"csrf_token": _hidden(status_form, "csrf_token"), "tracking_code": code.group(1)}
        ).encode(),
        "application/x-www-form-urlencoded",
    )
    links = _ATTACHMENT_LINK.findall(case_page)
    if attachment is None:
        if links:
            raise RuntimeError("a report without attachment shows an attachment")
        return upload_s, 0.0, 0
    if len(links) != 1:
        raise RuntimeError("the status page does not link the attachment")
    began = time.perf_counter()
    size, digest = browser.download(links[0])
    download_s = time.perf_counter() - began
    if size != len(attachment) or digest != hashlib.sha256(attachment).hexdigest():
        raise RuntimeError("the downloaded attachment differs from the one uploaded")
    return upload_s, download_s, size


def measure_variant(
    env: dict[str, str],
    log_dir: Path,
    category: str,
    agency: str,
    attachment: bytes | None,
) -> MemoryRun:
    with gunicorn(env, log_dir, workers=1) as server:
        (worker,) = server.worker_pids()
        reporter_round(server.url, category, agency, None)
        warm = memory_kib(worker)
        upload_s, download_s, size = reporter_round(server.url, category, agency, attachment)
        after = memory_kib(worker)
    return MemoryRun(
        attachment is not None,
        warm["VmHWM"],
        after["VmHWM"],
        after["VmRSS"],
        upload_s,
        download_s,
        size,
    )


@dataclass(frozen=True)
class MemoryResult:
    without: list[MemoryRun]
    with_attachment: list[MemoryRun]

    @staticmethod
    def _median(runs: list[MemoryRun], attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in runs)

    @property
    def growth_mib(self) -> float:
        """Median peak with attachment minus median peak without, in MiB."""
        return (
            self._median(self.with_attachment, "peak_hwm_kib")
            - self._median(self.without, "peak_hwm_kib")
        ) / 1024

    def summary(self) -> dict[str, object]:
        def runs(items: list[MemoryRun]) -> list[dict[str, object]]:
            return [
                {
                    "warm_hwm_kib": run.warm_hwm_kib,
                    "peak_hwm_kib": run.peak_hwm_kib,
                    "growth_in_run_kib": run.growth_kib,
                    "final_rss_kib": run.final_rss_kib,
                    "upload_s": round(run.upload_s, 3),
                    "download_s": round(run.download_s, 3),
                    "downloaded_bytes": run.downloaded_bytes,
                }
                for run in items
            ]

        return {
            "attachment_bytes": ATTACHMENT_BYTES,
            "without_attachment": runs(self.without),
            "with_attachment": runs(self.with_attachment),
            "peak_growth_mib": round(self.growth_mib, 2),
        }


def measure(
    env: dict[str, str], log_dir: Path, category: str, agency: str, repeats: int
) -> MemoryResult:
    """Alternate the variants, each on a fresh server, `repeats` times each."""
    attachment = pdf_attachment()
    without, with_attachment = [], []
    for _ in range(repeats):
        without.append(measure_variant(env, log_dir, category, agency, None))
        with_attachment.append(measure_variant(env, log_dir, category, agency, attachment))
    return MemoryResult(without, with_attachment)
