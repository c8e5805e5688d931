"""Filing a report: one transaction writes the case, its keys, its first event and its files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.attachments import EvidenceFile, store_attachment
from wbs.case_crypto import CASE_BODY, encrypt_json, seal_data_key, wrap_for_reporter
from wbs.crypto import Argon2Params, DataKey
from wbs.keyring import active_unit_key, code_salt
from wbs.models import Agency, Case, CaseEvent, Category
from wbs.tracking_code import CodeKeys, TrackingCode, derive_code_keys
from wbs.workflow import INITIAL

HOW_KNOWN = ("witnessed", "experienced", "told", "documents", "other")


class UnknownReference(ValueError):
    """The category or agency code names nothing that can be reported on."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class ReportContent:
    """What the reporter wrote (4W1H, DOMAIN.md). Stored only encrypted."""

    category: str
    agency: str
    description: str
    involved: str = ""
    location: str = ""
    incident_from: date | None = None
    incident_until: date | None = None
    how_known: str = ""
    estimated_loss: int | None = None
    reporter_name: str = ""
    reporter_contact: str = ""

    @property
    def confidential(self) -> bool:
        """Identity given: confidential, not anonymous (DOMAIN.md)."""
        return bool(self.reporter_name or self.reporter_contact)

    def to_json(self) -> dict[str, object]:
        values = asdict(self)
        for name in ("incident_from", "incident_until"):
            values[name] = values[name].isoformat() if values[name] else None
        return values

    @classmethod
    def from_json(cls, values: dict[str, object]) -> ReportContent:
        values = dict(values)
        for name in ("incident_from", "incident_until"):
            raw = values.get(name)
            values[name] = date.fromisoformat(raw) if isinstance(raw, str) else None
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, repr=False)
class IntakeKeys:
    """What filing needs from the installation, read before the write transaction."""

    unit_key_id: int
    unit_public_key: bytes
    code_salt: bytes
    pepper: bytes
    argon2: Argon2Params

    def derive(self, code: TrackingCode) -> CodeKeys:
        return derive_code_keys(code, self.code_salt, self.pepper, self.argon2)


def load_intake_keys(session: Session, pepper: bytes, argon2: Argon2Params) -> IntakeKeys:
    unit_key = active_unit_key(session)
    return IntakeKeys(unit_key.id, unit_key.public_key, code_salt(session), pepper, argon2)


def new_code(keys: IntakeKeys) -> tuple[TrackingCode, CodeKeys]:
    """A fresh code and its derived keys: the costly Argon2id run, done outside any lock."""
    code = TrackingCode.generate()
    return code, keys.derive(code)


def file_report(
    session: Session,
    keys: IntakeKeys,
    code_keys: CodeKeys,
    content: ReportContent,
    files: Sequence[EvidenceFile],
    today: date,
    max_image_pixels: int,
) -> Case:
    category = session.scalar(
        select(Category).where(Category.code == content.category, Category.active.is_(True))
    )
    if category is None:
        raise UnknownReference("category")
    agency = session.scalar(
        select(Agency).where(Agency.code == content.agency, Agency.active.is_(True))
    )
    if agency is None:
        raise UnknownReference("agency")
    data_key = DataKey.generate()
    # The unit key is read again inside the write transaction: a `wbs rotate-unit-key`
    # that switched keys since ``keys`` was loaded must not get a case sealed to a key
    # it is about to delete. (The tracking-code keys do not depend on the unit key.)
    unit_key = active_unit_key(session)
    case = Case(
        lookup_id=code_keys.lookup_id,
        status=INITIAL,
        category_id=category.id,
        agency_id=agency.id,
        received_on=today,
        unit_key_id=unit_key.id,
        sealed_key=b"",
        reporter_key=b"",
        body=b"",
    )
    session.add(case)
    session.flush()
    case.sealed_key = seal_data_key(data_key, case.id, unit_key.id, unit_key.public_key)
    case.reporter_key = wrap_for_reporter(data_key, case.id, code_keys.wrap_key)
    case.body = encrypt_json(data_key, CASE_BODY, case.id, content.to_json())
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_on=today,
            kind="received",
            status_to=INITIAL,
            visible_to_reporter=True,
        )
    )
    for evidence in files:
        store_attachment(session, case.id, data_key, evidence, today, max_image_pixels)
    return case
