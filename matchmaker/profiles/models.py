"""一企一册: what the bureau records about an enterprise beyond its own details — the history of its
梯度 tier and the plan's indicators (R&D investment intensity, class-I IP) with the date each was
true — and the plan's tier targets the cultivation pool is measured against.

``Organization.tier`` stays the current tier; every change of it also writes a ``TierChange`` so the
profile shows when the enterprise got there.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.core.extensions import Base
from matchmaker.core.models import ChoiceEnum, UTCDateTime, enum_column, utcnow
from matchmaker.taxonomy.models import EnterpriseTier

if TYPE_CHECKING:
    from matchmaker.agreements.models import Plan


class MeasureKind(ChoiceEnum):
    """The plan's per-enterprise indicators; codes are part of the public API."""

    RD_INTENSITY = "rd_intensity", "研发投入强度"  # % of revenue
    CLASS1_IP = "class1_ip", "Ⅰ类知识产权"  # number held

    @property
    def unit(self) -> str:
        return "%" if self is MeasureKind.RD_INTENSITY else "件"


class TierChange(Base):
    """An enterprise reached (or left, ``tier_id`` None) a tier on a date."""

    __tablename__ = "tier_changes"
    __table_args__ = (Index("ix_tier_changes_org_date", "organization_id", "effective_on"),)

    journal_type: ClassVar[str] = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise_tiers.id"))
    effective_on: Mapped[date] = mapped_column(Date)  # 认定日期
    note: Mapped[str | None] = mapped_column(Text)  # e.g. 认定文件文号
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship()
    tier: Mapped[EnterpriseTier | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class Measure(Base):
    """One reading of an indicator for an enterprise, as of a date, entered by bureau staff."""

    __tablename__ = "org_measures"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "as_of", name="uq_org_measures_reading"),)

    journal_type: ClassVar[str] = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[MeasureKind] = mapped_column(enum_column(MeasureKind))
    value: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    as_of: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class TierTarget(Base):
    """A plan's target number of enterprises in a tier by the end of a period ("2025")."""

    __tablename__ = "tier_targets"
    __table_args__ = (UniqueConstraint("plan_id", "tier_id", "period", name="uq_tier_targets_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("enterprise_tiers.id"))
    period: Mapped[str] = mapped_column(String(9))
    value: Mapped[int]

    plan: Mapped[Plan] = relationship(back_populates="tier_targets")
    tier: Mapped[EnterpriseTier] = relationship()
