"""How each part of a case is sealed and opened: purposes and associated data in one place.

Every blob is bound to its row (purpose ‖ row id ‖ key version), so a blob copied into
another case or another column fails with DecryptionError instead of opening.
"""

from __future__ import annotations

import json
from typing import Any

from wbs.crypto import (
    DataKey,
    UnitPrivateKey,
    associated_data,
    decrypt,
    encrypt,
    seal,
    unseal,
)

SEAL_CASE_KEY = "wbs/seal-case-key/v1"
REPORTER_WRAP = "wbs/reporter-wrap/v1"
CASE_BODY = "wbs/case-body/v1"
MESSAGE_BODY = "wbs/message/v1"
EVENT_NOTE = "wbs/event-note/v1"
# What the reporter reads about a step: its own purpose, so it cannot be swapped with
# the internal note of the same event.
EVENT_PUBLIC_NOTE = "wbs/event-public-note/v1"
CASE_NOTE = "wbs/case-note/v1"
PROPOSAL = "wbs/proposal/v1"
ATTACHMENT_META = "wbs/attachment-meta/v1"
ATTACHMENT_CHUNK = "wbs/attachment-chunk/v1"


def seal_data_key(data_key: DataKey, case_id: int, unit_key_id: int, public_key: bytes) -> bytes:
    return seal(
        public_key,
        data_key.raw,
        SEAL_CASE_KEY,
        associated_data(SEAL_CASE_KEY, case_id, unit_key_id),
    )


def open_sealed_key(
    blob: bytes, case_id: int, unit_key_id: int, private: UnitPrivateKey
) -> DataKey:
    return DataKey(
        unseal(
            private,
            blob,
            SEAL_CASE_KEY,
            associated_data(SEAL_CASE_KEY, case_id, unit_key_id),
            what="case key",
        )
    )


def wrap_for_reporter(data_key: DataKey, case_id: int, wrap_key: bytes) -> bytes:
    return encrypt(wrap_key, data_key.raw, associated_data(REPORTER_WRAP, case_id))


def open_reporter_wrap(blob: bytes, case_id: int, wrap_key: bytes) -> DataKey:
    return DataKey(
        decrypt(wrap_key, blob, associated_data(REPORTER_WRAP, case_id), what="case key")
    )


def encrypt_json(data_key: DataKey, purpose: str, row_id: int, value: Any) -> bytes:
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return encrypt(data_key.raw, plaintext, associated_data(purpose, row_id))


def decrypt_json(data_key: DataKey, purpose: str, row_id: int, blob: bytes) -> Any:
    plaintext = decrypt(
        data_key.raw, blob, associated_data(purpose, row_id), what=purpose.split("/")[1]
    )
    return json.loads(plaintext)


def encrypt_chunk(
    data_key: DataKey, attachment_id: int, index: int, final: bool, plaintext: bytes
) -> bytes:
    # Index and final flag in the AAD: chunks cannot be reordered, dropped or cut off.
    return encrypt(
        data_key.raw,
        plaintext,
        associated_data(ATTACHMENT_CHUNK, attachment_id, 1, index, int(final)),
    )


def decrypt_chunk(
    data_key: DataKey, attachment_id: int, index: int, final: bool, blob: bytes
) -> bytes:
    return decrypt(
        data_key.raw,
        blob,
        associated_data(ATTACHMENT_CHUNK, attachment_id, 1, index, int(final)),
        what="attachment",
    )
