"""Read side of postings: the Select statements lists and pages are built from."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import AnonymousUserMixin
from sqlalchemy import Select, String, cast, select
from sqlalchemy.orm import selectinload

from matchmaker.models import CooperationMode, Posting, PostingKind, PostingStatus, User

MAX_QUERY_LENGTH = 100


@dataclass
class BrowseFilters:
    """What a visitor narrowed a list down by; None means 'any'."""

    tech_field_id: int | None = None
    town_id: int | None = None
    cooperation_mode: CooperationMode | None = None
    q: str | None = None

    @property
    def active(self) -> bool:
        return any(v for v in (self.tech_field_id, self.town_id, self.cooperation_mode, self.q))


def escape_like(text: str) -> str:
    """User text is matched literally: % and _ lose their LIKE meaning."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def browse(
    kind: PostingKind, filters: BrowseFilters, user: User | AnonymousUserMixin | None
) -> Select[tuple[Posting]]:
    """Published, unexpired postings of ``kind`` the user may read, newest first."""
    stmt = (
        select(Posting)
        .where(Posting.kind == kind, Posting.listed_for(user))
        .options(
            selectinload(Posting.organization), selectinload(Posting.tech_field), selectinload(Posting.town)
        )
        .order_by(Posting.published_at.desc(), Posting.id.desc())
    )
    if filters.tech_field_id:
        stmt = stmt.where(Posting.tech_field_id == filters.tech_field_id)
    if filters.town_id:
        stmt = stmt.where(Posting.town_id == filters.town_id)
    if filters.cooperation_mode:
        # Codes are distinct whole JSON strings, so a quoted LIKE is exact and portable.
        pattern = f'%"{filters.cooperation_mode.value}"%'
        stmt = stmt.where(cast(Posting.cooperation_modes, String).like(pattern))
    if filters.q:
        for word in filters.q.split()[:10]:
            stmt = stmt.where(Posting.title.like(f"%{escape_like(word)}%", escape="\\"))
    return stmt


def owned_by(
    user: User, *, status: PostingStatus | None = None, kind: PostingKind | None = None
) -> Select[tuple[Posting]]:
    """The user's organisation's postings, most recently changed first."""
    stmt = (
        select(Posting)
        .where(Posting.organization_id == user.organization_id)
        .order_by(Posting.updated_at.desc(), Posting.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Posting.status == status)
    if kind is not None:
        stmt = stmt.where(Posting.kind == kind)
    return stmt


def latest(
    kind: PostingKind, user: User | AnonymousUserMixin | None, limit: int = 5
) -> Select[tuple[Posting]]:
    return browse(kind, BrowseFilters(), user).limit(limit)
