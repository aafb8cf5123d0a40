"""Read side of accounts for other capabilities' pages: organisations and users looked up, listed
and offered as choices. Read-only; nothing here commits."""

from __future__ import annotations

from sqlalchemy import Select, select

from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core.extensions import db


def organization(org_id: int) -> Organization | None:
    return db.session.get(Organization, org_id)


def organization_or_404(org_id: int) -> Organization:
    return db.get_or_404(Organization, org_id)


def user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def organizations_in(status: OrgStatus) -> Select[tuple[Organization]]:
    """Organisations in a verification state, oldest first (first come, first reviewed)."""
    return (
        select(Organization)
        .where(Organization.status == status)
        .order_by(Organization.created_at, Organization.id)
    )


def member_choices() -> list[tuple[int, str]]:
    """(id, name) of the verified enterprises, universities and institutes, by type then name."""
    stmt = (
        select(Organization.id, Organization.name)
        .where(Organization.status == OrgStatus.VERIFIED, Organization.type != OrgType.BUREAU)
        .order_by(Organization.type, Organization.name)
    )
    return [(row.id, row.name) for row in db.session.execute(stmt)]


def bureau_staff() -> list[User]:
    """The users of bureau organisations, in the order their accounts were made."""
    stmt = select(User).join(User.organization).where(Organization.type == OrgType.BUREAU).order_by(User.id)
    return list(db.session.scalars(stmt))
