"""All models, imported here so that Alembic and the app see one metadata."""

from wbs.models.base import Base
from wbs.models.case import (
    Attachment,
    AttachmentChunk,
    Case,
    CaseEvent,
    CaseNote,
    CaseProposal,
    Message,
)
from wbs.models.keys import InstallationValue, UnitKey, UnitKeyWrap
from wbs.models.kinerja import (
    ActivityDay,
    ActivityEntry,
    ActivityPhoto,
    ActivityPhotoChunk,
    ActivityPlan,
    AsnProfile,
)
from wbs.models.operations import AuditEntry, AuditHead, Holiday, OutboxMail
from wbs.models.reference import Agency, Category
from wbs.models.sakip import (
    AgencyYear,
    EvaluationFinding,
    EvaluationScore,
    Indicator,
    IndicatorValue,
    MonthlyRealisation,
    PerformanceNode,
    ProcurementPackage,
    RiskEntry,
    SakipEvaluation,
)
from wbs.models.sessions import ReporterSession, SubmissionReceipt
from wbs.models.staff import AGENCY_ROLES, ROLES, ApiToken, Staff, StaffConflict, StaffSession
from wbs.models.statistics import BacklogSnapshot, ReportNote, SiteSetting

__all__ = [
    "ActivityDay",
    "ActivityEntry",
    "ActivityPhoto",
    "ActivityPhotoChunk",
    "ActivityPlan",
    "AsnProfile",
    "AGENCY_ROLES",
    "AgencyYear",
    "EvaluationFinding",
    "EvaluationScore",
    "Indicator",
    "IndicatorValue",
    "MonthlyRealisation",
    "PerformanceNode",
    "ProcurementPackage",
    "RiskEntry",
    "SakipEvaluation",
    "ROLES",
    "Agency",
    "ApiToken",
    "Attachment",
    "AttachmentChunk",
    "AuditEntry",
    "AuditHead",
    "BacklogSnapshot",
    "Base",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseProposal",
    "Category",
    "Holiday",
    "InstallationValue",
    "Message",
    "OutboxMail",
    "ReportNote",
    "ReporterSession",
    "SiteSetting",
    "Staff",
    "StaffConflict",
    "StaffSession",
    "SubmissionReceipt",
    "UnitKey",
    "UnitKeyWrap",
]
