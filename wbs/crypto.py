"""Sealing, symmetric encryption and key derivation (DESIGN.md, "Constructions").

Plain Python on top of ``cryptography`` and ``argon2-cffi``; no Flask import, no
home-made primitive. Every ciphertext is bound to its row by associated data, so a
blob moved to another row or purpose fails to open instead of returning garbage.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

BLOB_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
_TAG_BYTES = 16


class DecryptionError(Exception):
    """A ciphertext failed authentication: altered, truncated, or opened in the wrong place."""

    def __init__(self, what: str = "data") -> None:
        super().__init__(
            f"The encrypted {what} could not be authenticated: it was altered, cut off, "
            "moved from another record, or the key is wrong."
        )


@dataclass(frozen=True)
class Argon2Params:
    memory_kib: int
    time_cost: int
    parallelism: int


class DataKey:
    """A random 256-bit key that encrypts everything of one case."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError("a data key is exactly 32 bytes")
        self._raw = raw

    @classmethod
    def generate(cls) -> DataKey:
        return cls(os.urandom(KEY_BYTES))

    @property
    def raw(self) -> bytes:
        return self._raw

    def __repr__(self) -> str:
        return "DataKey(<secret>)"


class UnitPrivateKey:
    """The inspectorate's X25519 private key; only ever stored wrapped."""

    __slots__ = ("_key",)

    def __init__(self, key: X25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> UnitPrivateKey:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> UnitPrivateKey:
        if len(raw) != KEY_BYTES:
            raise ValueError("a unit private key is exactly 32 bytes")
        return cls(X25519PrivateKey.from_private_bytes(raw))

    @property
    def raw(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @property
    def public_raw(self) -> bytes:
        return public_raw(self._key.public_key())

    @property
    def key(self) -> X25519PrivateKey:
        return self._key

    def __repr__(self) -> str:
        return "UnitPrivateKey(<secret>)"


def public_raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def associated_data(purpose: str, row_id: int | str, key_version: int = 1, *extra: object) -> bytes:
    """AAD = purpose label ‖ row id ‖ key version (‖ extra fields such as a chunk index)."""
    parts = [purpose, str(row_id), str(key_version), *(str(item) for item in extra)]
    return "\x1f".join(parts).encode()


def hkdf(key_material: bytes, info: str, *, salt: bytes | None = None, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info.encode()).derive(
        key_material
    )


def argon2id(secret: bytes, salt: bytes, params: Argon2Params) -> bytes:
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM with a fresh random nonce. Blob = version ‖ nonce ‖ ciphertext+tag."""
    nonce = os.urandom(NONCE_BYTES)
    return bytes([BLOB_VERSION]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes, what: str = "data") -> bytes:
    if len(blob) < 1 + NONCE_BYTES + _TAG_BYTES or blob[0] != BLOB_VERSION:
        raise DecryptionError(what)
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionError(what) from None


def seal(recipient_public: bytes, plaintext: bytes, info: str, aad: bytes) -> bytes:
    """Encrypt to an X25519 public key with an ephemeral key pair.

    Blob = version ‖ ephemeral public ‖ nonce ‖ ciphertext+tag; the key is
    HKDF-SHA256(shared, salt = ephemeral public ‖ recipient public, info = purpose).
    """
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = public_raw(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = hkdf(shared, info, salt=ephemeral_public + recipient_public)
    nonce = os.urandom(NONCE_BYTES)
    return (
        bytes([BLOB_VERSION])
        + ephemeral_public
        + nonce
        + AESGCM(key).encrypt(nonce, plaintext, aad)
    )


def unseal(private: UnitPrivateKey, blob: bytes, info: str, aad: bytes, what: str = "key") -> bytes:
    header = 1 + KEY_BYTES + NONCE_BYTES
    if len(blob) < header + _TAG_BYTES or blob[0] != BLOB_VERSION:
        raise DecryptionError(what)
    ephemeral_public = blob[1 : 1 + KEY_BYTES]
    nonce = blob[1 + KEY_BYTES : header]
    try:
        shared = private.key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        # A forged ephemeral key of small order gives an all-zero secret, which X25519 refuses.
        raise DecryptionError(what) from None
    key = hkdf(shared, info, salt=ephemeral_public + private.public_raw)
    try:
        return AESGCM(key).decrypt(nonce, blob[header:], aad)
    except InvalidTag:
        raise DecryptionError(what) from None
