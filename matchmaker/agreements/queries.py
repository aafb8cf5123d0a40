"""Read side of agreements and plans for other capabilities' pages and API routes (which do not
import agreements' models). Read-only; nothing here commits."""

from __future__ import annotations

from matchmaker.agreements.models import Plan
from matchmaker.core.extensions import db


def plan(plan_id: int) -> Plan | None:
    return db.session.get(Plan, plan_id)
