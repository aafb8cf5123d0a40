"""Creating, editing and moving postings through review; every function takes the actor."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from matchmaker.exceptions import InvalidTransition, PermissionDenied
from matchmaker.extensions import db
from matchmaker.models import (
    CloseReason,
    IPStatus,
    Maturity,
    Posting,
    PostingKind,
    PostingStatus,
    TechField,
    Town,
    User,
    Visibility,
)
from matchmaker.services import require_bureau

KEYWORD_SEPARATORS = re.compile(r"[、，,;；\s]+")
MAX_KEYWORDS = 10


def split_keywords(text: str | None) -> list[str]:
    """'锂电池、隔膜, 涂覆' → ['锂电池', '隔膜', '涂覆']: de-duplicated, order kept, capped."""
    seen: dict[str, None] = {}
    for word in KEYWORD_SEPARATORS.split(text or ""):
        word = word.strip()
        if word:
            seen.setdefault(word[:30], None)
    return list(seen)[:MAX_KEYWORDS]


@dataclass
class PostingDetails:
    """The editable content of a posting (everything but its kind, owner and state)."""

    title: str
    description: str
    keywords: list[str] = field(default_factory=list)
    tech_field: TechField | None = None
    town: Town | None = None
    industry_chain: str | None = None
    budget: Decimal | None = None
    valid_until: date | None = None
    cooperation_modes: list[str] = field(default_factory=list)
    maturity: Maturity | None = None
    ip_status: IPStatus | None = None
    ip_detail: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    visibility: Visibility = Visibility.PUBLIC
    confidential_detail: str | None = None

    def apply_to(self, posting: Posting) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                value = value.strip() or None
            setattr(posting, f.name, value)
        posting.title = self.title.strip()
        posting.description = self.description.strip()


def _require_owner(posting: Posting, actor: User) -> None:
    if not posting.is_owned_by(actor):
        raise PermissionDenied("只能操作本单位发布的信息。")


def create_posting(kind: PostingKind, details: PostingDetails, *, actor: User) -> Posting:
    """A draft for the actor's organisation; the kind must fit the organisation's role."""
    if kind.poster_role is not actor.role:
        raise PermissionDenied(f"{actor.role.label}用户不能发布“{kind.label}”。")
    posting = Posting(kind=kind, organization=actor.organization, author=actor)
    details.apply_to(posting)
    if posting.town is None and kind.poster_role is actor.organization.role:
        posting.town = actor.organization.town
    db.session.add(posting)
    db.session.flush()
    return posting


def update_posting(posting: Posting, details: PostingDetails, *, actor: User) -> None:
    """Owners edit drafts and returned postings only; published ones are withdrawn first."""
    _require_owner(posting, actor)
    if not posting.is_editable:
        raise InvalidTransition(f"“{posting.status.label}”状态的信息不能修改，请先撤回。")
    details.apply_to(posting)
    db.session.flush()


def submit_posting(posting: Posting, *, actor: User) -> None:
    _require_owner(posting, actor)
    posting.submit(actor)
    db.session.flush()


def withdraw_posting(posting: Posting, *, actor: User) -> None:
    _require_owner(posting, actor)
    posting.withdraw(actor)
    db.session.flush()


def close_posting(posting: Posting, reason: CloseReason, note: str | None = None, *, actor: User) -> None:
    """Owners close their postings; bureau staff may close any (e.g. a stale one)."""
    if not posting.is_owned_by(actor):
        require_bureau(actor)
    posting.close(actor, reason, note)
    db.session.flush()


def publish_posting(posting: Posting, *, actor: User, note: str | None = None) -> None:
    require_bureau(actor)
    posting.publish(actor, note)
    db.session.flush()


def return_posting(posting: Posting, reason: str, *, actor: User) -> None:
    require_bureau(actor)
    posting.return_for_revision(actor, reason)
    db.session.flush()


def count_by_status(status: PostingStatus) -> int:
    return db.session.scalar(select(func.count()).select_from(Posting).where(Posting.status == status)) or 0
