"""Active agencies and categories as (code, name) pairs, for forms and the API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.models import Agency, Category


def category_choices(session: Session, locale: str) -> list[tuple[str, str]]:
    categories = session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.id)
    )
    return [(category.code, category.name(locale)) for category in categories]


def agency_choices(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Agency.code, Agency.name).where(Agency.active.is_(True)).order_by(Agency.name)
    )
    return [(code, name) for code, name in rows]
