"""Appointments, assignments, visits and diagnoses.

A ``Specialist`` is an appointment of an existing user account (bureau staff appoint it; the user
stays a member of their own organisation — a bureau, a university seconded to the 科技镇长团, or a
技术转移服务机构). An ``Assignment`` says which enterprise a specialist serves, from when until when.
A ``Visit`` is one 走访记录; the needs found there are postings whose ``visit_id`` and ``found_by_id``
point back here (``postings.models``), awaiting the enterprise's confirmation. A ``Diagnosis`` is one
grading of a need; the newest one per need is the current grade. Pairings and agreements record who
found the need and who brokered them (``found_by_id`` / ``brokered_by_id`` on their own tables).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.core.extensions import Base
from matchmaker.core.journal import Journaled
from matchmaker.core.models import UTCDateTime, enum_column, utcnow
from matchmaker.postings.models import Posting
from matchmaker.specialists.values import Grade, SpecialistKind


class Specialist(Journaled, Base):
    """A user appointed as 服务专员, 科技镇长团成员 or 技术经纪人 (one appointment per user)."""

    __tablename__ = "specialists"

    journal_type: ClassVar[str] = "specialist"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    kind: Mapped[SpecialistKind] = mapped_column(enum_column(SpecialistKind), index=True)
    # The group the person serves in, e.g. 第十六批科技镇长团宝应分团; results are also given per team.
    team: Mapped[str | None] = mapped_column(String(60), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    appointed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    appointed_by: Mapped[User] = relationship(foreign_keys=[appointed_by_id])
    assignments: Mapped[list[Assignment]] = relationship(back_populates="specialist")

    def __str__(self) -> str:
        return f"{self.user.name}（{self.kind.label}）"

    @property
    def active(self) -> bool:
        return self.ended_at is None


class Assignment(Journaled, Base):
    """A specialist serves an enterprise from ``assigned_at`` until ``ended_at`` (open: still)."""

    __tablename__ = "specialist_assignments"
    __table_args__ = (
        Index("ix_specialist_assignments_org_open", "organization_id", "ended_at"),
        Index("ix_specialist_assignments_specialist_open", "specialist_id", "ended_at"),
    )

    journal_type: ClassVar[str] = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    specialist: Mapped[Specialist] = relationship(back_populates="assignments")
    organization: Mapped[Organization] = relationship()
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])


class Visit(Journaled, Base):
    """One 走访记录. ``notes`` are seen by the specialist, the enterprise's users and bureau staff."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_specialist_date", "specialist_id", "visited_on"),
        Index("ix_visits_org_date", "organization_id", "visited_on"),
    )

    journal_type: ClassVar[str] = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    met: Mapped[str] = mapped_column(String(200))  # who was met: names and positions
    notes: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    specialist: Mapped[Specialist] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User] = relationship()
    # The needs found on this visit (drafts until the enterprise confirms them).
    postings: Mapped[list[Posting]] = relationship(
        primaryjoin="Visit.id == foreign(Posting.visit_id)", viewonly=True, order_by="Posting.id"
    )

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} 走访{self.organization.name}"


class Diagnosis(Journaled, Base):
    """One grading of a need by a specialist; the newest per posting is its current grade."""

    __tablename__ = "diagnoses"
    __table_args__ = (Index("ix_diagnoses_posting_id_id", "posting_id", "id"),)

    journal_type: ClassVar[str] = "diagnosis"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"))
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"), index=True)
    grade: Mapped[Grade] = mapped_column(enum_column(Grade))
    missing: Mapped[str | None] = mapped_column(Text)  # 需二次诊断: what is missing (the enterprise is told)
    note: Mapped[str | None] = mapped_column(Text)  # for staff and the specialist
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    posting: Mapped[Posting] = relationship()
    specialist: Mapped[Specialist] = relationship()
