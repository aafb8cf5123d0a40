"""Read side of agreements and plans for other capabilities' pages. Read-only; nothing here commits."""

from __future__ import annotations

from sqlalchemy import func, select

from matchmaker.agreements.models import Agreement, Plan
from matchmaker.agreements.values import AgreementStatus
from matchmaker.core.extensions import db


def plan(plan_id: int) -> Plan | None:
    return db.session.get(Plan, plan_id)


def plan_or_404(plan_id: int) -> Plan:
    return db.get_or_404(Plan, plan_id)


def count_awaiting_verification() -> int:
    """Agreements the other side confirmed that bureau staff have not verified yet."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Agreement)
            .where(Agreement.status == AgreementStatus.CONFIRMED, Agreement.deleted_at.is_(None))
        )
        or 0
    )
