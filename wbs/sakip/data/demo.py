"""Demo e-SAKIP figures for `wbs demo`: Dinas Kesehatan's performance tree with targets and
realisations, and its monthly budget and physical progress, so that a new installation
shows every SAKIP page with something in it. Never used outside the demo."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.models import (
    Agency,
    AgencyYear,
    Indicator,
    IndicatorValue,
    MonthlyRealisation,
    PerformanceNode,
    ProcurementPackage,
)

DEMO_AGENCY = "DINKES"
# An indicator: (name, unit, polarity, target, high, realised).
_DemoIndicator = tuple[str, str, str, str, str | None, str | None]
# (level, code, parent code, name, indicators)
TREE: list[tuple[str, str, str | None, str, list[_DemoIndicator]]] = [
    ("tujuan", "T.1", None, "Meningkatnya derajat kesehatan masyarakat",
     [("Usia harapan hidup", "tahun", "higher", "72.5", None, "72.8")]),
    ("sasaran", "S.1", "T.1", "Menurunnya angka kematian ibu dan bayi",
     [("Angka kematian bayi", "per 1.000 kelahiran hidup", "lower", "7", None, "6.5")]),
    ("program", "1.02.02", "S.1",
     "Program pemenuhan upaya kesehatan perorangan dan upaya kesehatan masyarakat",
     [("Cakupan imunisasi dasar lengkap", "%", "higher", "95", None, "90.25"),
      ("Puskesmas terakreditasi", "%", "higher", "100", None, None)]),
    ("kegiatan", "1.02.02.2.01", "1.02.02", "Penyediaan fasilitas pelayanan kesehatan",
     [("Rasio tempat tidur rumah sakit per 1.000 penduduk", "rasio", "range", "1.0", "1.5",
       "1.2")]),
]  # fmt: skip
# Monthly budget in millions of rupiah (plan, spent) and cumulative physical % (plan, done).
MONTHS = [
    (900, 850, 5, 4), (1100, 1000, 12, 10), (1500, 1300, 20, 17), (1800, 1600, 30, 26),
    (2000, 1500, 40, 33), (2200, 1900, 50, 41), (2100, 1700, 60, 50), (2000, 1800, 70, 62),
    (1900, 1650, 78, 70), (2100, 1500, 85, 75),
]  # fmt: skip
MILLION = Decimal(1_000_000)


def load_demo_sakip(session: Session, year: int, now: datetime) -> bool:
    """Add the demo figures when Dinas Kesehatan has no performance tree yet."""
    agency = session.scalars(select(Agency).where(Agency.code == DEMO_AGENCY)).one_or_none()
    if agency is None:
        return False
    if session.scalar(select(PerformanceNode.id).where(PerformanceNode.agency_id == agency.id)):
        return False
    agency.head_name = "dr. Hendra Wijaya, M.Kes."
    agency.head_title = "Kepala Dinas Kesehatan"
    session.add(AgencyYear(agency_id=agency.id, year=year, staff_count=1250,
                           budget_ceiling=Decimal(24_000) * MILLION))  # fmt: skip
    nodes: dict[str, PerformanceNode] = {}
    for order, (level, code, parent, name, indicators) in enumerate(TREE):
        node = PerformanceNode(
            agency_id=agency.id,
            parent_id=nodes[parent].id if parent else None,
            level=level,
            code=code,
            name=name,
            sort_order=order,
        )
        session.add(node)
        session.flush()
        nodes[code] = node
        for position, (title, unit, polarity, target, high, realised) in enumerate(indicators):
            indicator = Indicator(
                node_id=node.id, name=title, unit=unit, polarity=polarity, sort_order=position
            )
            session.add(indicator)
            session.flush()
            session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    year=year,
                    period="Y",
                    target=Decimal(target),
                    target_high=Decimal(high) if high else None,
                    realisation=Decimal(realised) if realised else None,
                    updated_at=now,
                )
            )
    for month, (plan, spent, physical_plan, physical_done) in enumerate(MONTHS, start=1):
        session.add(
            MonthlyRealisation(
                agency_id=agency.id,
                year=year,
                month=month,
                budget_plan=Decimal(plan) * MILLION,
                budget_actual=Decimal(spent) * MILLION,
                physical_plan=Decimal(physical_plan),
                physical_actual=Decimal(physical_done),
                updated_at=now,
            )
        )
    session.add(
        ProcurementPackage(
            agency_id=agency.id,
            year=year,
            name="Rehabilitasi Puskesmas Kecamatan Kota",
            value=Decimal(3_500) * MILLION,
            stage="pelaksanaan",
            updated_at=now,
        )
    )
    return True
