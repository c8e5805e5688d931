"""Search everything the server keeps (database, instance folder, logs) for secrets.

A secret counts as leaked when any common encoding of it appears in any byte: the
text itself (UTF-8 and UTF-16), its hex in either case (PostgreSQL dumps bytea as
hex) and its base64 at each of the three byte alignments (cookies, JSON blobs).
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

PG_DUMP = "/usr/bin/pg_dump"


def encodings(text: str) -> dict[str, bytes]:
    raw = text.encode("utf-8")
    forms = {
        "utf-8": raw,
        "utf-16-le": text.encode("utf-16-le"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
    }
    # The characters of a base64 text that depend on the secret's bytes alone, for the
    # secret starting at each offset modulo 3 of the encoded data.
    for shift, start in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * shift + raw).rstrip(b"=")
        middle = encoded[start:-4]
        if len(middle) >= 8:
            forms[f"base64+{shift}"] = middle
            forms[f"urlsafe-base64+{shift}"] = middle.replace(b"+", b"-").replace(b"/", b"_")
    return forms


def find_leaks(sources: Mapping[str, bytes], secrets: Mapping[str, str]) -> list[str]:
    """Every (secret, encoding, source) where a secret shows; empty when nothing leaked."""
    found = []
    for secret_name, secret in secrets.items():
        for form_name, needle in encodings(secret).items():
            for source_name, data in sources.items():
                if needle in data:
                    found.append(f"{secret_name} ({form_name}) in {source_name}")
    return found


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root, and every file name (a name can leak as well as content)."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        files[f"name of {relative}"] = relative.encode()
        if path.is_file():
            files[relative] = path.read_bytes()
    return files


def pg_dump(database_url: str) -> bytes:
    """A plain-text dump of the whole database, as an operator's backup would hold it."""
    url = make_url(database_url).set(drivername="postgresql")
    return subprocess.run(
        [PG_DUMP, "--no-owner", "--no-privileges", "--dbname", url.render_as_string(False)],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


def database_bytes(database_url: str) -> dict[str, bytes]:
    """The stored bytes of the database: the SQLite file with its WAL and shared memory
    files, or a pg_dump of the PostgreSQL database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        return {
            f"database file {candidate.name}": candidate.read_bytes()
            for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
            if candidate.exists()
        }
    return {"pg_dump": pg_dump(database_url)}
