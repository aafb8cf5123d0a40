"""Pairings: one side's interest in the other side's posting, and the life of that conversation —
有意向 → 已对接 → 洽谈中 → 已签约 / 未成功, or 已婉拒 with a reason — with its messages.

Every step is a named method that checks the state, records who and when, and writes its journal
entry; who may take a step is decided by matchmaker/policy.py. ``version`` makes two people
answering the same interest at the same moment end in one state: the second write finds the row
changed and is refused (StaleDataError → a Chinese 409, errors.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import Base
from matchmaker.core.journal import Journaled, record
from matchmaker.core.models import UTCDateTime, enum_column, utcnow
from matchmaker.core.states import StateMachine
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.models import Posting

# Steps after acceptance, by target state: from which states, and what the journal calls it.
ADVANCES: dict[PairingState, tuple[tuple[PairingState, ...], str]] = {
    PairingState.NEGOTIATING: ((PairingState.CONTACTED,), "pairing.negotiating"),
    PairingState.SIGNED: ((PairingState.CONTACTED, PairingState.NEGOTIATING), "pairing.signed"),
    PairingState.FAILED: ((PairingState.CONTACTED, PairingState.NEGOTIATING), "pairing.failed"),
}


class Pairing(StateMachine, Journaled, Base):
    """An interest of ``initiator_org`` in ``target`` (a posting of ``target_org``), optionally
    answered by one of the initiator's own postings, and where the conversation has got to."""

    __tablename__ = "pairings"
    __table_args__ = (
        # One conversation per organisation and posting: a declined pair is not tried again.
        UniqueConstraint("target_id", "initiator_org_id", name="uq_pairings_target_initiator"),
        Index("ix_pairings_target_org_state", "target_org_id", "state"),
        Index("ix_pairings_initiator_org_state", "initiator_org_id", "state"),
        # 我的对接 (either side, newest activity first) and the bureau's view of all of them.
        Index("ix_pairings_target_org_activity", "target_org_id", "last_activity_at", "id"),
        Index("ix_pairings_initiator_org_activity", "initiator_org_id", "last_activity_at", "id"),
        Index("ix_pairings_activity", "last_activity_at", "id"),
    )

    journal_type: ClassVar[str] = "pairing"
    STATE: ClassVar[str] = "state"
    REFUSAL: ClassVar[str] = "“{state}”状态的对接不能{verb}。"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    own_posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"), index=True)
    target_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    initiator_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    initiator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who wrote the interest
    by_bureau: Mapped[bool] = mapped_column(Boolean, default=False)  # introduced by bureau staff
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[PairingState] = mapped_column(
        enum_column(PairingState), default=PairingState.INTERESTED, index=True
    )
    share_initiator_confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    share_target_confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column(DeclineReason))
    decline_note: Mapped[str | None] = mapped_column(Text)
    fail_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first answer (accept/decline)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who found the need (a specialist, from the need's visit) and who brokered this (the specialist who
    # introduced it): derived from the records where they exist, set by bureau staff (with the note)
    # where it happened off the platform. Results per specialist are counted from these.
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    brokered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    attribution_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    # 居间对接: the receiving organisation has no active user account (every organisation an import
    # created), so nobody there can answer; bureau staff are told, and answer or invite it. Read
    # from the users table with the pairing (and usable in WHERE as the SQL twin).
    brokered: Mapped[bool] = column_property(
        ~exists().where(User.organization_id == target_org_id, User.active.is_(True)).correlate_except(User)
    )

    target: Mapped[Posting] = relationship(foreign_keys=[target_id])
    own_posting: Mapped[Posting | None] = relationship(foreign_keys=[own_posting_id])
    target_org: Mapped[Organization] = relationship(foreign_keys=[target_org_id])
    initiator_org: Mapped[Organization] = relationship(foreign_keys=[initiator_org_id])
    initiator: Mapped[User] = relationship(foreign_keys=[initiator_id])
    found_by: Mapped[User | None] = relationship(foreign_keys=[found_by_id])
    brokered_by: Mapped[User | None] = relationship(foreign_keys=[brokered_by_id])
    messages: Mapped[list[PairingMessage]] = relationship(
        back_populates="pairing", order_by="PairingMessage.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 -- declarative reads it; not a ClassVar to mypy

    def __str__(self) -> str:
        return f"{self.initiator_org.name} → {self.target.title}"

    # --- who is who -------------------------------------------------------------------------

    def party_org_ids(self) -> tuple[int, int]:
        return self.initiator_org_id, self.target_org_id

    def is_party(self, org_id: int | None) -> bool:
        return org_id in self.party_org_ids()

    def other_org(self, org_id: int | None) -> Organization:
        return self.target_org if org_id == self.initiator_org_id else self.initiator_org

    # --- transitions (the only writers of ``state``) ---------------------------------------

    def accept(self, by: User, *, share_confidential: bool = False) -> None:
        """The receiving side says yes: both sides' contacts become visible to each other."""
        self._require((PairingState.INTERESTED,), "接受")
        self.share_target_confidential = share_confidential
        self.answered_at = utcnow()
        self._move(PairingState.CONTACTED, "pairing.accepted", by)

    def decline(self, by: User, reason: DeclineReason, note: str | None = None) -> None:
        """The receiving side says no, with a reason the other side reads."""
        self._require((PairingState.INTERESTED,), "婉拒")
        self.decline_reason = reason
        self.decline_note = note.strip() if note and note.strip() else None
        self.answered_at = self.closed_at = utcnow()
        text = reason.label + (f"：{self.decline_note}" if self.decline_note else "")
        self._move(PairingState.DECLINED, "pairing.declined", by, text)

    def advance(self, to: PairingState, by: User, reason: str | None = None) -> None:
        """已对接 → 洽谈中 → 已签约, or 未成功 (with a reason) from either of the first two."""
        if to not in ADVANCES:
            raise InvalidTransition("不能这样改变对接状态。")
        allowed, action = ADVANCES[to]
        self._require(allowed, f"改为“{to.label}”")
        if to is PairingState.FAILED:
            if not reason or not reason.strip():
                raise InvalidTransition("请写明未成功的原因，便于双方和主管部门总结。")
            self.fail_reason = reason.strip()
        if to in (PairingState.SIGNED, PairingState.FAILED):
            self.closed_at = utcnow()
        self._move(to, action, by, reason)

    def unsign(self, by: User, note: str) -> None:
        """The agreement that made it 已签约 was deleted: back to 洽谈中, since 已签约 means an
        agreement (agreements/operations.delete_agreement)."""
        self._require((PairingState.SIGNED,), "退回洽谈中")
        self.closed_at = None
        self._move(PairingState.NEGOTIATING, "pairing.unsigned", by, note)

    def nudge(self, by: User, note: str | None = None) -> None:
        """Bureau staff remind both sides of a stalled pairing."""
        if not self.state.is_open:
            raise InvalidTransition("该对接已结束，无需提醒。")
        self.nudged_at = utcnow()
        record("pairing.nudged", self, actor=by, note=note)

    def touch(self) -> None:
        self.last_activity_at = utcnow()

    def _moved(self) -> None:
        self.touch()


class PairingMessage(Base):
    """One plain-text message of a pairing's conversation (escaped wherever it is shown)."""

    __tablename__ = "pairing_messages"

    journal_type: ClassVar[str] = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    pairing: Mapped[Pairing] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()


class PairingRead(Base):
    """How far a user has read a pairing's messages (for 已读 and unread counts)."""

    __tablename__ = "pairing_reads"

    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProposalMark(Base):
    """A posting that has been proposed a counterpart (or proposed to one): the funnel's second
    stage. Written by the notifications consumer when a posting is published — for it and for the
    counterparts proposed — so the dashboard never recomputes proposals."""

    __tablename__ = "proposal_marks"

    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
