"""Read side of postings: the Select statements lists and pages are built from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_login import AnonymousUserMixin
from sqlalchemy import ColumnElement, Select, String, cast, false, func, literal, select
from sqlalchemy.orm import joinedload, selectinload

from matchmaker import policy, search
from matchmaker.accounts.models import User
from matchmaker.core.extensions import db
from matchmaker.core.web import ListPage, page_of
from matchmaker.pairings import feedback
from matchmaker.postings.models import Posting
from matchmaker.postings.values import CooperationMode, PostingKind, PostingStatus
from matchmaker.search import Found

# Pages hide weaker pairs: a list of poor matches teaches users to ignore it. Set below the weakest
# pair of a need and its answering outcome in ../shared/eval (docs/PERFORMANCE.md).
SHOWN_MIN_STRENGTH = 8

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


# What a posting's card shows beside it, in the same statement (each is one row per posting).
CARD = (joinedload(Posting.organization), joinedload(Posting.tech_field), joinedload(Posting.town))


def escape_like(text: str) -> str:
    """User text is matched literally: % and _ lose their LIKE meaning."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def browse(
    kind: PostingKind, filters: BrowseFilters, user: User | AnonymousUserMixin | None
) -> Select[Posting]:
    """Published, unexpired postings of ``kind`` the user may read, newest first."""
    stmt = _filtered(kind, filters, policy.listed_postings(user))
    return stmt.options(*CARD).order_by(Posting.published_at.desc(), Posting.id.desc())


def hidden_from_visitors(
    kind: PostingKind, filters: BrowseFilters, user: User | AnonymousUserMixin | None
) -> int:
    """How many more postings would fit these filters after logging in (0 for logged-in users),
    counted only to one past LIST_COUNT_LIMIT, as lists count their rows (core/web.py)."""
    if user is not None and user.is_authenticated:
        return 0
    rows = (
        _filtered(kind, filters, policy.members_only_postings())
        .with_only_columns(literal(1), maintain_column_froms=True)
        .limit(current_app.config["LIST_COUNT_LIMIT"] + 1)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(rows)) or 0


def _filtered(kind: PostingKind, filters: BrowseFilters, allowed: ColumnElement[bool]) -> Select[Posting]:
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
) -> Select[Posting]:
    """The user's organisation's postings, most recently changed first."""
    stmt = (
        select(Posting)
        .where(Posting.organization_id == user.organization_id)
        .options(joinedload(Posting.tech_field), joinedload(Posting.town))
        .order_by(Posting.updated_at.desc(), Posting.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Posting.status == status)
    if kind is not None:
        stmt = stmt.where(Posting.kind == kind)
    return stmt


def by_id(posting_id: int) -> Posting | None:
    """The posting with this id, or None (whoever asks checks what the caller may see)."""
    return db.session.get(Posting, posting_id)


def latest(kind: PostingKind, user: User | AnonymousUserMixin | None, limit: int = 5) -> Select[Posting]:
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
    """Visibility in SQL (policy.listed_postings), then the page the viewer asked for."""
    ids = [posting_id for posting_id, _ in found.ranked]
    visible: set[int] = set()
    hidden = 0
    anonymous = user is None or not user.is_authenticated
    # One statement per chunk, the rules as columns: the rows are found by their ids alone (a
    # rule in WHERE led SQLite to scan another index: 4 ms a chunk at 50,000 postings).
    hides = policy.members_only_postings() if anonymous else false()
    for start in range(0, len(ids), 900):  # stay under every engine's bound-parameter limit
        chunk = ids[start : start + 900]
        rows = db.session.execute(
            select(Posting.id, policy.listed_postings(user), hides).where(Posting.id.in_(chunk))
        )
        for posting_id, listed, members_only in rows:
            if listed:
                visible.add(posting_id)
            elif members_only:
                hidden += 1
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


@dataclass
class Proposal:
    """One proposed counterpart as pages and the API show it, with the evidence for it."""

    posting: Posting
    strength: int  # 0–100, the same on both postings' pages
    matched_terms: list[str]  # shared words, longest and most telling first
    ours: Posting
    demotion: feedback.Demotion | None = None  # why it is shown lower than its relevance
    carrying: tuple[str, ...] = ()  # the specific shared terms the proposal stands on
    specs: tuple[str, ...] = ()  # specifications both state that agree (±0.02mm, SUS304 …)


def proposals(
    posting: Posting, viewer: User | AnonymousUserMixin | None, *, limit: int = 10, min_strength: int = 0
) -> list[Proposal]:
    """The index's candidates for ``posting`` that ``viewer`` may read, in ranking order; pairs
    weaker than ``min_strength`` and pairs one side declined left out, candidates repeatedly
    declined by similar postings shown lower (pairings/feedback.py). Raises search.SearchUnavailable."""
    found = [c for c in search.propose(posting) if c.strength >= min_strength]
    if not found:
        return []
    allowed = {
        p.id: p
        for p in db.session.scalars(
            select(Posting)
            .where(
                Posting.id.in_([c.posting_id for c in found]),
                policy.listed_postings(viewer),
                Posting.kind.in_(posting.kind.complements),
                Posting.organization_id != posting.organization_id,
            )
            .options(joinedload(Posting.organization), joinedload(Posting.tech_field))
        )
    }
    declined = feedback.declined_pairs(posting)
    kept = [c for c in found if c.posting_id in allowed and not declined.suppresses(allowed[c.posting_id])]
    # A lowered candidate only moves down, so looking a little past the page is enough.
    window = kept[: limit * 3]
    lowered = feedback.demotions(posting, (c.posting_id for c in window))
    if lowered:
        by_id = {c.posting_id: c for c in window}
        window = [by_id[pid] for pid in feedback.reorder([c.posting_id for c in window], lowered)]
    return [
        Proposal(
            allowed[c.posting_id],
            c.strength,
            list(c.words),
            posting,
            lowered.get(c.posting_id),
            c.carrying,
            c.specs,
        )
        for c in window[:limit]
    ]


def posting(posting_id: int) -> Posting | None:
    """A posting by id, whatever its state (the caller decides who may see it)."""
    return db.session.get(Posting, posting_id)


def by_ids(ids: Iterable[int]) -> list[Posting]:
    return list(db.session.scalars(select(Posting).where(Posting.id.in_(list(ids))).order_by(Posting.id)))


def awaiting_review() -> Select[Posting]:
    """Postings submitted for review, oldest first: first come, first reviewed."""
    return (
        select(Posting)
        .where(Posting.status == PostingStatus.PENDING)
        .options(selectinload(Posting.organization))
        .order_by(Posting.submitted_at, Posting.id)
    )


def published_by_kind() -> dict[PostingKind, int]:
    """How many postings of each kind are published now (kinds with none left out)."""
    rows = db.session.execute(
        select(Posting.kind, func.count())
        # Every kind named: SQLite then counts in the list index (kind, status, …) alone, one
        # range per kind, instead of visiting each published row by the status index (19 ms at
        # 50,000 postings instead of 3.5).
        .where(Posting.kind.in_(list(PostingKind)), Posting.status == PostingStatus.PUBLISHED)
        .group_by(Posting.kind)
    )
    return {kind: count for kind, count in rows}


def status_counts(organization_id: int) -> dict[PostingStatus, int]:
    """How many of an organisation's postings are in each state (states with none left out)."""
    rows = db.session.execute(
        select(Posting.status, func.count())
        .where(Posting.organization_id == organization_id)
        .group_by(Posting.status)
    )
    return {status: count for status, count in rows}


def published_of(organization_id: int) -> list[Posting]:
    """An organisation's published postings, newest first."""
    return list(
        db.session.scalars(
            select(Posting)
            .where(Posting.organization_id == organization_id, Posting.status == PostingStatus.PUBLISHED)
            .order_by(Posting.id.desc())
        )
    )


def own_answers(user: User, target: Posting) -> list[Posting]:
    """The user's organisation's published postings of a kind that answers ``target``, newest first."""
    return list(
        db.session.scalars(
            select(Posting)
            .where(
                policy.own_postings(user),
                Posting.status == PostingStatus.PUBLISHED,
                Posting.kind.in_(target.kind.complements),
            )
            .order_by(Posting.published_at.desc())
        )
    )


def needs_for_calls(organization_id: int | None, limit: int = 500) -> list[Posting]:
    """Published R&D needs a challenge call may be issued on: one organisation's (None: any),
    newest first."""
    stmt = select(Posting).where(
        Posting.kind == PostingKind.RD_NEED, Posting.status == PostingStatus.PUBLISHED
    )
    if organization_id is not None:
        stmt = stmt.where(Posting.organization_id == organization_id)
    stmt = stmt.options(selectinload(Posting.organization)).order_by(Posting.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def published_rd_needs(ids: list[int], organization_id: int | None = None) -> dict[int, Posting]:
    """Id → the published R&D needs among ``ids`` (only ``organization_id``'s when given): what a
    call may be published from."""
    stmt = select(Posting).where(
        Posting.id.in_(ids), Posting.kind == PostingKind.RD_NEED, Posting.status == PostingStatus.PUBLISHED
    )
    if organization_id is not None:
        stmt = stmt.where(Posting.organization_id == organization_id)
    return {n.id: n for n in db.session.scalars(stmt)}
