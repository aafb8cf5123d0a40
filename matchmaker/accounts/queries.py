"""Read side of accounts for the other capabilities' pages and API routes (which do not import
accounts' models): read-only lookups."""

from __future__ import annotations

from matchmaker.accounts.models import Organization
from matchmaker.core.extensions import db
from matchmaker.core.web import MAX_ID


def organization(org_id: int) -> Organization | None:
    """The organisation with this id, or None (also for an id no row can have)."""
    return db.session.get(Organization, org_id) if 0 < org_id <= MAX_ID else None
