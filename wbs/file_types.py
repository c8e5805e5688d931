"""Recognise an evidence file by its content, whatever its name says.

A reporter's phone or a hostile client may name a photo ``scan.pdf`` or ``notes.txt``:
if the name decided, a JPEG would skip the EXIF stripping (and keep its GPS position,
DESIGN.md "Anonymity rules") and the officer's computer would open it with the wrong
program. So the first bytes decide for every type that has a signature; the name
decides only for types without one (plain text, audio, video).
"""

from __future__ import annotations

import zipfile
from typing import IO

# Extension → MIME type of every accepted file.
ALLOWED_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "zip": "application/zip",
}
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "gif"})

# What a recognised content may be called: the first name is the one given to a file
# whose extension lies. A Word document called .zip is a zip, too, so it keeps its name.
_NAMES_FOR = {
    "jpeg": ("jpg", "jpeg"),
    "png": ("png",),
    "gif": ("gif",),
    "webp": ("webp",),
    "pdf": ("pdf",),
    "docx": ("docx", "zip"),
    "xlsx": ("xlsx", "zip"),
    "odt": ("odt", "zip"),
    "ods": ("ods", "zip"),
    "zip": ("zip", "docx", "xlsx", "odt", "ods"),
    "ole": ("doc", "xls"),
}
# Extensions whose content has a signature: such a file without it is refused.
SIGNED_EXTENSIONS = frozenset(name for names in _NAMES_FOR.values() for name in names)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}


def _zip_kind(stream: IO[bytes]) -> str:
    """Which Office or OpenDocument file a zip is, from its member names only: nothing
    is decompressed except the few bytes of an OpenDocument ``mimetype`` entry."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                kind = _ODF_MIMETYPES.get(archive.read("mimetype").strip())
                if kind:
                    return kind
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return "docx"
                if any(name.startswith("xl/") for name in names):
                    return "xlsx"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        # A damaged or unusual zip is not an Office file: it stays a plain "zip", which
        # the naming table then accepts or refuses by its own rule.
        return "zip"
    finally:
        stream.seek(0)
    return "zip"


def sniff(stream: IO[bytes]) -> str | None:
    """The kind of content (a key of the naming table), or None when it has no signature
    this module knows. The stream is left at its start."""
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(stream)
    return None


def extension_for(kind: str, claimed: str) -> str:
    """The extension a file of ``kind`` keeps: the claimed one when it fits the content,
    else the content's own."""
    names = _NAMES_FOR[kind]
    return claimed if claimed in names else names[0]
