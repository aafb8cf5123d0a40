"""揭榜挂帅 challenge calls: a call published from one or more R&D needs, the proposals (方案)
universities and institutes submit before its deadline, reviewers' scores against the call's
criteria, and the selection (揭榜) with its reason — after which a pairing and an agreement follow.

State changes are named methods that write their journal entry; who may take them (and who may
read a proposal: its authors, the calling enterprise and bureau staff) is decided by
matchmaker/policy.py.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import Column, Date, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.core import clock
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import Journaled, record
from matchmaker.core.models import ChoiceEnum, UTCDateTime, enum_column, utcnow
from matchmaker.core.states import StateMachine
from matchmaker.pairings.models import Pairing
from matchmaker.postings.models import Posting


class CallStatus(ChoiceEnum):
    """Where a call stands; "评审中" is an open call past its deadline (``phase``)."""

    PENDING = "pending", "待主管部门审批"  # proposed by an enterprise
    OPEN = "open", "揭榜中"
    AWARDED = "awarded", "已揭榜"
    CANCELLED = "cancelled", "已撤销"


class ProposalStatus(ChoiceEnum):
    SUBMITTED = "submitted", "已提交"
    WITHDRAWN = "withdrawn", "已撤回"
    SELECTED = "selected", "已揭榜"
    NOT_SELECTED = "not_selected", "未入选"


call_needs = Table(
    "call_needs",
    db.metadata,
    Column("call_id", ForeignKey("challenge_calls.id", ondelete="CASCADE"), primary_key=True),
    Column("posting_id", ForeignKey("postings.id"), primary_key=True),
)


class ChallengeCall(StateMachine, Journaled, db.Model):
    """A call for proposals on an enterprise's key problem, with a budget and a deadline."""

    __tablename__ = "challenge_calls"

    journal_type: ClassVar[str] = "call"
    REFUSAL: ClassVar[str] = "“{state}”的榜单不能{verb}。"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    problem: Mapped[str] = mapped_column(Text)  # 关键问题
    deliverables: Mapped[str] = mapped_column(Text)  # 交付成果与指标
    budget: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # 榜额 / 奖励，万元
    deadline: Mapped[date] = mapped_column(Date, index=True)  # proposals until the end of this day
    eligibility: Mapped[str] = mapped_column(Text)  # 揭榜条件, e.g. 江苏省内高校院所
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  # 发榜企业
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus), default=CallStatus.OPEN, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    selection_reason: Mapped[str | None] = mapped_column(Text)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    enterprise: Mapped[Organization] = relationship(foreign_keys=[enterprise_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    needs: Mapped[list[Posting]] = relationship(secondary=call_needs, order_by=Posting.id)
    criteria: Mapped[list[CallCriterion]] = relationship(
        back_populates="call", order_by="CallCriterion.position", cascade="all, delete-orphan"
    )
    proposals: Mapped[list[CallProposal]] = relationship(
        back_populates="call", order_by="CallProposal.id", cascade="all, delete-orphan"
    )

    __mapper_args__: ClassVar = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title

    @property
    def accepting(self) -> bool:
        """Proposals may be submitted (or changed, withdrawn) until the end of the deadline day."""
        return self.status is CallStatus.OPEN and clock.today() <= self.deadline

    @property
    def reviewing(self) -> bool:
        """Open for scoring and the selection: the deadline day has ended (midnight, site time), so
        no proposal can change any more, and nobody has been selected yet."""
        return self.status is CallStatus.OPEN and clock.today() > self.deadline

    @property
    def phase(self) -> str:
        if self.status is CallStatus.OPEN and not self.accepting:
            return "评审中"
        return self.status.label

    # --- transitions -------------------------------------------------------------------------

    def approve(self, by: User) -> None:
        """Bureau staff approve a call an enterprise proposed: it opens for proposals."""
        if self.status is not CallStatus.PENDING:
            raise InvalidTransition("只有待审批的榜单可以批准。")
        self.approved_by, self.approved_at = by, utcnow()
        self._move(CallStatus.OPEN, "call.approved", by)

    def cancel(self, by: User, reason: str) -> None:
        self._require((CallStatus.PENDING, CallStatus.OPEN), "撤销")
        if not reason or not reason.strip():
            raise InvalidTransition("撤销榜单必须写明原因，已提交方案的单位会收到通知。")
        self.cancel_reason = reason.strip()
        self._move(CallStatus.CANCELLED, "call.cancelled", by, self.cancel_reason)

    def award(self, by: User, proposal: CallProposal, reason: str) -> None:
        """揭榜: the selected proposal, with the reason; every other proposal is not selected."""
        self._require((CallStatus.OPEN,), "揭榜")
        if self.accepting:
            raise InvalidTransition("揭榜截止后才能评选。")
        if proposal.call_id != self.id or proposal.status is not ProposalStatus.SUBMITTED:
            raise InvalidTransition("只能从本榜单已提交的方案中评选。")
        if not reason or not reason.strip():
            raise InvalidTransition("评选结果必须写明理由，所有揭榜单位都会看到。")
        self.selection_reason = reason.strip()
        self.awarded_at = utcnow()
        for other in self.proposals:
            if other.status is ProposalStatus.SUBMITTED:
                other.status = ProposalStatus.SELECTED if other is proposal else ProposalStatus.NOT_SELECTED
        self._move(
            CallStatus.AWARDED, "call.awarded", by, f"{proposal.organization.name}：{self.selection_reason}"
        )

    def _moved(self) -> None:
        self.updated_at = utcnow()


class CallCriterion(db.Model):
    """One evaluation criterion of a call, with its weight (the weights of a call add up to 100)."""

    __tablename__ = "call_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("challenge_calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(60))
    weight: Mapped[int]

    call: Mapped[ChallengeCall] = relationship(back_populates="criteria")


class CallProposal(db.Model):
    """A university's or institute's 方案 for a call: visible to its authors, the calling enterprise
    and bureau staff only."""

    __tablename__ = "call_proposals"
    __table_args__ = (UniqueConstraint("call_id", "organization_id", name="uq_call_proposals_org"),)

    journal_type: ClassVar[str] = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("challenge_calls.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approach: Mapped[str] = mapped_column(Text)  # 技术路线
    team: Mapped[str] = mapped_column(Text)  # 团队
    schedule: Mapped[str] = mapped_column(Text)  # 进度安排
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # 报价，万元
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus), default=ProposalStatus.SUBMITTED, index=True
    )
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"))  # after 揭榜
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    call: Mapped[ChallengeCall] = relationship(back_populates="proposals")
    organization: Mapped[Organization] = relationship()
    author: Mapped[User] = relationship()
    pairing: Mapped[Pairing | None] = relationship()
    files: Mapped[list[CallProposalFile]] = relationship(
        back_populates="proposal", order_by="CallProposalFile.id", cascade="all, delete-orphan"
    )
    scores: Mapped[list[ProposalScore]] = relationship(
        back_populates="proposal", order_by="ProposalScore.id", cascade="all, delete-orphan"
    )

    __mapper_args__: ClassVar = {"version_id_col": version}

    def withdraw(self, by: User) -> None:
        if self.status is not ProposalStatus.SUBMITTED or not self.call.accepting:
            raise InvalidTransition("揭榜截止后不能撤回方案。")
        record(
            "proposal.withdrawn", self, actor=by, changes={"status": [self.status, ProposalStatus.WITHDRAWN]}
        )
        self.status = ProposalStatus.WITHDRAWN
        self.updated_at = utcnow()


class CallProposalFile(db.Model):
    """An attachment of a proposal, checked like an agreement's evidence file."""

    __tablename__ = "call_proposal_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("call_proposals.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[CallProposal] = relationship(back_populates="files")


class ProposalScore(db.Model):
    """One reviewer's score (0–100) of one proposal on one criterion."""

    __tablename__ = "call_proposal_scores"
    __table_args__ = (
        UniqueConstraint("proposal_id", "criterion_id", "reviewer_id", name="uq_call_proposal_scores"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("call_proposals.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("call_criteria.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[CallProposal] = relationship(back_populates="scores")
    criterion: Mapped[CallCriterion] = relationship()
    reviewer: Mapped[User] = relationship()
