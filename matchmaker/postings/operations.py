"""Creating, editing and moving postings through review; every function takes the actor, asks the
policy and journals the change."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from enum import Enum

from sqlalchemy import func, or_, select

from matchmaker import policy
from matchmaker.accounts.models import User
from matchmaker.core import rules
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import diff, record
from matchmaker.core.rules import MAX_KEYWORDS, split_keywords
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import CloseReason, IPStatus, Maturity, PostingKind, PostingStatus, Visibility
from matchmaker.taxonomy.models import TechField, Town

__all__ = ["MAX_KEYWORDS", "PostingDetails", "split_keywords"]


SINGLE_LINE = ("title", "industry_chain", "ip_detail", "contact_name", "contact_phone")


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
        """Field → what breaks the posting rules (core/rules.py), which every door obeys."""
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
        found = {name: message for name, message in found.items() if message}
        return rules.single_line_problems(self, SINGLE_LINE) | found

    def check(self) -> None:
        """Raise the first problem as a FieldError tied to its field."""
        for name, message in self.problems().items():
            raise FieldError(name, message)

    def apply_to(self, posting: Posting) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and not isinstance(value, Enum):  # .strip() of a str enum is a str
                value = value.strip() or None
            setattr(posting, f.name, value)
        posting.title = self.title.strip()
        posting.description = self.description.strip()


def _content(posting: Posting) -> dict[str, object]:
    """The fields of a posting a user edits, for the journal's before → after."""
    return {f.name: getattr(posting, f.name) for f in fields(PostingDetails)}


def create_posting(kind: PostingKind, details: PostingDetails, *, actor: User) -> Posting:
    """A draft for the actor's organisation; the kind must fit the organisation's role."""
    policy.require(actor, "posting.create", kind)
    details.check()
    posting = Posting(kind=kind, organization=actor.organization, author=actor)
    details.apply_to(posting)
    if posting.town is None and kind.poster_role is actor.organization.role:
        posting.town = actor.organization.town
    db.session.add(posting)
    record("posting.created", posting, actor=actor, changes=diff({}, {"kind": kind, **_content(posting)}))
    db.session.flush()
    return posting


def update_posting(posting: Posting, details: PostingDetails, *, actor: User) -> None:
    """Owners edit drafts and returned postings only; published ones are withdrawn first."""
    policy.require(actor, "posting.edit", posting)
    if not posting.is_editable:
        raise InvalidTransition(f"“{posting.status.label}”状态的信息不能修改，请先撤回。")
    details.check()
    before = _content(posting)
    details.apply_to(posting)
    record("posting.updated", posting, actor=actor, changes=diff(before, _content(posting)))
    db.session.flush()


def submit_posting(posting: Posting, *, actor: User) -> None:
    policy.require(actor, "posting.submit", posting)
    posting.submit(actor)
    db.session.flush()


def withdraw_posting(posting: Posting, *, actor: User) -> None:
    policy.require(actor, "posting.withdraw", posting)
    posting.withdraw(actor)
    db.session.flush()


def close_posting(
    posting: Posting,
    reason: CloseReason,
    note: str | None = None,
    *,
    actor: User,
    solved_by: Pairing | None = None,
) -> None:
    """Owners close their postings; bureau staff may close any (e.g. a stale one). A posting
    solved through the platform may name the pairing that solved it: one of its own, accepted."""
    policy.require(actor, "posting.close", posting)
    if solved_by is not None and solved_by not in solving_pairings(posting):
        raise FieldError("pairing", "只能选择与本信息有关、已对接的对接记录。")
    posting.close(actor, reason, note, solved_by=solved_by)
    db.session.flush()


def solving_pairings(posting: Posting) -> list[Pairing]:
    """The pairings that can be named as having solved ``posting``: about it and accepted."""
    return list(
        db.session.scalars(
            select(Pairing)
            .where(
                or_(Pairing.target_id == posting.id, Pairing.own_posting_id == posting.id),
                Pairing.state.in_([s for s in PairingState if s.is_accepted]),
            )
            .order_by(Pairing.last_activity_at.desc())
        )
    )


RENEW_DAYS = 180


def renew_posting(posting: Posting, *, actor: User) -> None:
    """One click: the posting stays on lists and in proposals for another RENEW_DAYS."""
    policy.require(actor, "posting.renew", posting)
    posting.renew(actor, RENEW_DAYS)
    db.session.flush()


def publish_posting(posting: Posting, *, actor: User, note: str | None = None) -> None:
    policy.require(actor, "posting.review", posting)
    posting.publish(actor, note)
    db.session.flush()


def return_posting(posting: Posting, reason: str, *, actor: User) -> None:
    policy.require(actor, "posting.review", posting)
    posting.return_for_revision(actor, reason)
    db.session.flush()


def count_by_status(status: PostingStatus) -> int:
    return db.session.scalar(select(func.count()).select_from(Posting).where(Posting.status == status)) or 0
