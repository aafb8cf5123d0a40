"""Creating, editing and moving postings through review; every function takes the actor."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from matchmaker.exceptions import FieldError, InvalidTransition, PermissionDenied
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
from matchmaker.services import require_bureau, rules
from matchmaker.services.rules import MAX_KEYWORDS, split_keywords

__all__ = ["MAX_KEYWORDS", "PostingDetails", "split_keywords"]


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

    def problems(self) -> dict[str, str]:
        """Field → what breaks the posting rules (services/rules.py), which every door obeys."""
        found = {
            "title": rules.title_problem(self.title),
            "description": rules.description_problem(self.description),
            "budget": rules.budget_problem(self.budget) if self.budget is not None else None,
            "contact_phone": rules.phone_problem(self.contact_phone or ""),
        }
        if len(self.keywords) > MAX_KEYWORDS:
            found["keywords"] = f"关键词最多{MAX_KEYWORDS}个。"
        for name, label in (
            ("industry_chain", "产业链"),
            ("ip_detail", "专利号或说明"),
            ("contact_name", "联系人"),
            ("confidential_detail", "保密信息"),
        ):
            found[name] = rules.length_problem(name, label, getattr(self, name))
        return {name: message for name, message in found.items() if message}

    def check(self) -> None:
        """Raise the first problem as a FieldError tied to its field."""
        for name, message in self.problems().items():
            raise FieldError(name, message)

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
    details.check()
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
    details.check()
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
