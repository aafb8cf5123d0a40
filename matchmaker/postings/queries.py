"""Read side of postings: the Select statements lists and pages are built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_login import AnonymousUserMixin
from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.models import CooperationMode, Posting, PostingKind, PostingStatus, User, Visibility
from matchmaker.search.queries import Found
from matchmaker.web import ListPage, page_of

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


def members_only() -> ColumnElement[bool]:
    """Published, unexpired postings an anonymous visitor would see once logged in."""
    return and_(
        Posting.status == PostingStatus.PUBLISHED,
        or_(Posting.valid_until.is_(None), Posting.valid_until >= date.today()),
        Posting.visibility == Visibility.MEMBERS,
    )


def browse(
    kind: PostingKind, filters: BrowseFilters, user: User | AnonymousUserMixin | None
) -> Select[tuple[Posting]]:
    """Published, unexpired postings of ``kind`` the user may read, newest first."""
    stmt = _filtered(kind, filters, Posting.listed_for(user))
    return stmt.options(
        selectinload(Posting.organization), selectinload(Posting.tech_field), selectinload(Posting.town)
    ).order_by(Posting.published_at.desc(), Posting.id.desc())


def hidden_from_visitors(
    kind: PostingKind, filters: BrowseFilters, user: User | AnonymousUserMixin | None
) -> int:
    """How many more postings would fit these filters after logging in (0 for logged-in users)."""
    if user is not None and user.is_authenticated:
        return 0
    stmt = _filtered(kind, filters, members_only()).with_only_columns(func.count())
    return db.session.scalar(stmt) or 0


def _filtered(
    kind: PostingKind, filters: BrowseFilters, allowed: ColumnElement[bool]
) -> Select[tuple[Posting]]:
    stmt = select(Posting).where(Posting.kind == kind, allowed)
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


@dataclass
class SearchPage:
    """One page of a search: what the viewer may read of what the index found."""

    found: Found
    page: ListPage  # of posting ids the viewer may read, best first
    postings: dict[int, Posting]  # the postings of this page
    hidden: int  # matches an anonymous visitor would see after logging in

    @property
    def items(self) -> list[Posting]:
        return [self.postings[i] for i in self.page.items if i in self.postings]


def search_page(
    found: Found,
    user: User | AnonymousUserMixin | None,
    *,
    page: int | None = None,
    per_page: int | None = None,
) -> SearchPage:
    """Visibility in SQL (one rule: Posting.listed_for), then the page the viewer asked for."""
    ids = [posting_id for posting_id, _ in found.ranked]
    visible: set[int] = set()
    hidden = 0
    anonymous = user is None or not user.is_authenticated
    for start in range(0, len(ids), 900):  # stay under every engine's bound-parameter limit
        chunk = ids[start : start + 900]
        visible |= set(
            db.session.scalars(select(Posting.id).where(Posting.id.in_(chunk), Posting.listed_for(user)))
        )
        if anonymous:
            hidden += (
                db.session.scalar(
                    select(func.count()).select_from(Posting).where(Posting.id.in_(chunk), members_only())
                )
                or 0
            )
    pages = page_of([i for i in ids if i in visible], page=page, per_page=per_page)
    postings = {
        p.id: p
        for p in db.session.scalars(
            select(Posting)
            .where(Posting.id.in_(pages.items))
            .options(
                selectinload(Posting.organization),
                selectinload(Posting.tech_field),
                selectinload(Posting.town),
            )
        )
    }
    return SearchPage(found, pages, postings, hidden)
