"""Evidence files: checked, stripped of metadata, encrypted in chunks of at most 1 MiB.

Chunks are written with Core inserts one at a time and read back one at a time, so a
25 MB file never sits in memory whole; they share the report's transaction, so a
crash leaves no orphan chunk (DESIGN.md, "Storage").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wbs.case_crypto import (
    ATTACHMENT_META,
    decrypt_chunk,
    decrypt_json,
    encrypt_chunk,
    encrypt_json,
)
from wbs.crypto import DataKey
from wbs.file_types import (
    ALLOWED_TYPES,
    IMAGE_EXTENSIONS,
    SIGNED_EXTENSIONS,
    extension_for,
    sniff,
)
from wbs.images import IMAGE_FORMATS, ImageRejected, strip_metadata
from wbs.models import Attachment, AttachmentChunk

CHUNK_SIZE = 1024 * 1024


class EvidenceRejected(ValueError):
    """A file the reporter chose cannot be stored; ``reason`` names why."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        # "type", "empty", "content", "image_broken", "image_too_large", "image_unsupported"
        self.reason = reason


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    stream: IO[bytes]


@dataclass(frozen=True)
class AttachmentMeta:
    id: int
    filename: str
    mime_type: str
    size: int
    added_on: date


def safe_filename(filename: str) -> str:
    """The last path component, without control characters, at most 120 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot else name[:120]
    return name or "berkas"


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _renamed(name: str, claimed: str, actual: str) -> str:
    if claimed == actual:
        return name
    base = name[: -len(claimed) - 1] if claimed else name
    return f"{base or 'berkas'}.{actual}"


def check_evidence(evidence: EvidenceFile, max_pixels: int) -> tuple[IO[bytes], str, str]:
    """Validate one file; return (stream to store, safe name, MIME type).

    The content decides the type wherever it has a signature, and the stored name gets
    the matching extension: a photo called ``scan.pdf`` or ``notes.txt`` is stored as
    the JPEG it is, without its EXIF.
    """
    name = safe_filename(evidence.filename)
    claimed = extension(name)
    stream = evidence.stream
    head = stream.read(8)
    stream.seek(0)
    if not head:
        if claimed not in ALLOWED_TYPES:
            raise EvidenceRejected(name, "type")
        raise EvidenceRejected(name, "empty")
    kind = sniff(stream)
    if kind is None:
        if claimed not in ALLOWED_TYPES:
            raise EvidenceRejected(name, "type")
        if claimed in SIGNED_EXTENSIONS:
            # Called a PDF, an image or an Office file, but it is none of them.
            raise EvidenceRejected(name, "content")
        return stream, name, ALLOWED_TYPES[claimed]
    actual = extension_for(kind, claimed)
    name = _renamed(name, claimed, actual)
    if actual in IMAGE_EXTENSIONS:
        try:
            clean, mime = strip_metadata(stream, max_pixels)
        except ImageRejected as error:
            raise EvidenceRejected(name, f"image_{error.reason}") from None
        if mime != ALLOWED_TYPES[actual]:
            # Pillow read another image format than the signature said (a PNG
            # signature with a JPEG behind it): the decoded format wins.
            name = _renamed(name, actual, _extension_for(mime))
        return clean, name, mime
    return stream, name, ALLOWED_TYPES[actual]


def _extension_for(mime: str) -> str:
    return {value: key for key, value in IMAGE_FORMATS.items()}[mime].lower().replace("jpeg", "jpg")


def store_attachment(
    session: Session,
    case_id: int,
    data_key: DataKey,
    evidence: EvidenceFile,
    today: date,
    max_pixels: int,
) -> Attachment:
    stream, name, mime = check_evidence(evidence, max_pixels)
    attachment = Attachment(case_id=case_id, added_on=today, meta=b"", chunk_count=0)
    session.add(attachment)
    session.flush()
    count, size = 0, 0
    chunk = stream.read(CHUNK_SIZE)
    while True:
        following = stream.read(CHUNK_SIZE)
        final = not following
        session.execute(
            insert(AttachmentChunk).values(
                attachment_id=attachment.id,
                chunk_index=count,
                data=encrypt_chunk(data_key, attachment.id, count, final, chunk),
            )
        )
        count += 1
        size += len(chunk)
        if final:
            break
        chunk = following
    attachment.meta = encrypt_json(
        data_key, ATTACHMENT_META, attachment.id, {"name": name, "mime": mime, "size": size}
    )
    attachment.chunk_count = count
    return attachment


def read_meta(attachment: Attachment, data_key: DataKey) -> AttachmentMeta:
    meta = decrypt_json(data_key, ATTACHMENT_META, attachment.id, attachment.meta)
    return AttachmentMeta(
        attachment.id, meta["name"], meta["mime"], meta["size"], attachment.added_on
    )


def iter_content(session: Session, attachment: Attachment, data_key: DataKey) -> Iterator[bytes]:
    """Decrypted content, one chunk per query: memory stays at one chunk."""
    for index in range(attachment.chunk_count):
        blob = session.execute(
            select(AttachmentChunk.data).where(
                AttachmentChunk.attachment_id == attachment.id,
                AttachmentChunk.chunk_index == index,
            )
        ).scalar_one()
        yield decrypt_chunk(
            data_key, attachment.id, index, index == attachment.chunk_count - 1, blob
        )
