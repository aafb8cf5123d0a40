"""Follow-up questions (回访): one row per pairing, side (organisation) and round (months after the
pairing was accepted). A row exists once the question has been asked (the daily job asks what is
due); it is answered at most once (``answered_at``), and told to the side's assigned specialists
once when it stays unanswered past FOLLOW_UP_ANSWER_DAYS (``escalated_at``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import Date, ForeignKey, Index, Integer, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.core.extensions import Base, db
from matchmaker.core.journal import Journaled
from matchmaker.core.models import UTCDateTime, enum_column, utcnow
from matchmaker.followups.values import FollowUpAnswer
from matchmaker.pairings.models import Pairing
from matchmaker.specialists.models import Assignment, Specialist


class FollowUp(Journaled, Base):
    """A question to ``organization`` (one side of ``pairing``) ``months`` after it was accepted."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        # Asked once per side and round, whichever machine's job gets there first.
        UniqueConstraint("pairing_id", "organization_id", "months", name="uq_follow_ups_pairing_org_months"),
        Index("ix_follow_ups_org_answered", "organization_id", "answered_at"),
        Index("ix_follow_ups_asked_on", "asked_on"),
    )

    journal_type: ClassVar[str] = "followup"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    months: Mapped[int] = mapped_column(Integer)  # the round: months after the pairing was accepted
    due_on: Mapped[date] = mapped_column(Date)  # when the round fell due (site date)
    asked_on: Mapped[date] = mapped_column(Date)  # when it was asked (site date): the answer window starts
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[FollowUpAnswer | None] = mapped_column(enum_column(FollowUpAnswer))
    reason: Mapped[str | None] = mapped_column(Text)  # 已终止: why (required); otherwise an optional note
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # specialists told it is overdue

    pairing: Mapped[Pairing] = relationship()
    organization: Mapped[Organization] = relationship()
    answered_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.months} 个月回访：{self.organization.name}"

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def other_org(self) -> Organization:
        return self.pairing.other_org(self.organization_id)

    @property
    def serving_user_ids(self) -> set[int]:
        """The users of the specialists currently assigned to the side asked (open assignments of
        active appointments): they see the question and are told when it goes unanswered."""
        return set(
            db.session.scalars(
                select(Specialist.user_id)
                .join(Assignment, Assignment.specialist_id == Specialist.id)
                .where(
                    Assignment.organization_id == self.organization_id,
                    Assignment.ended_at.is_(None),
                    Specialist.ended_at.is_(None),
                )
            )
        )
