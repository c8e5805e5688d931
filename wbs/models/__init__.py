"""All models, imported here so that Alembic and the app see one metadata."""

from wbs.models.base import Base
from wbs.models.case import Attachment, AttachmentChunk, Case, CaseEvent, Message
from wbs.models.keys import InstallationValue, UnitKey, UnitKeyWrap
from wbs.models.reference import Agency, Category
from wbs.models.sessions import ReporterSession, SubmissionReceipt
from wbs.models.staff import ROLES, Staff

__all__ = [
    "ROLES",
    "Agency",
    "Attachment",
    "AttachmentChunk",
    "Base",
    "Case",
    "CaseEvent",
    "Category",
    "InstallationValue",
    "Message",
    "ReporterSession",
    "Staff",
    "SubmissionReceipt",
    "UnitKey",
    "UnitKeyWrap",
]
