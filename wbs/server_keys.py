"""Purpose keys split from the server secret by HKDF; no key serves two purposes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wbs.crypto import hkdf, hmac_sha256


@dataclass(frozen=True, repr=False)
class ServerKeys:
    session_signing: bytes
    tracking_pepper: bytes
    submission_receipts: bytes
    ratelimit_addresses: bytes
    # Encrypts officers' TOTP secrets, so a copy of the database cannot mint codes.
    totp_secrets: bytes
    # Keys the audit hash chain, so rewriting the log needs the server secret too.
    audit_chain: bytes

    @classmethod
    def from_secret(cls, secret: str) -> ServerKeys:
        material = secret.encode()
        return cls(
            session_signing=hkdf(material, "wbs/session-signing/v1"),
            tracking_pepper=hkdf(material, "wbs/tracking-pepper/v1"),
            submission_receipts=hkdf(material, "wbs/submission-receipt/v1"),
            ratelimit_addresses=hkdf(material, "wbs/ratelimit-address/v1"),
            totp_secrets=hkdf(material, "wbs/totp-secret/v1"),
            audit_chain=hkdf(material, "wbs/audit-chain/v1"),
        )

    def address_key(self, address: str, day: date) -> str:
        """A keyed hash of a client address that changes every day.

        Rate limits need to recognise an address for a few hours; they must not let
        anyone who reads the limiter's storage learn or link addresses across days.
        """
        daily = hmac_sha256(self.ratelimit_addresses, day.isoformat().encode())
        return hmac_sha256(daily, address.encode()).hex()[:32]

    def __repr__(self) -> str:
        return "ServerKeys(<secret>)"
