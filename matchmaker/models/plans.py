"""A plan (规划/行动计划) as data: its name, 文号, a period of whole years and the bureaus responsible,
with the targets, counting rules and tier targets attached to it (DOMAIN.md §1). Plans follow each
other; the one in force on the site's today is what the dashboard, the pool and the API open on,
and a closed plan stays readable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.exceptions import InvalidTransition
from matchmaker.extensions import db
from matchmaker.models.base import ChoiceEnum, UTCDateTime, enum_column, utcnow
from matchmaker.models.journal import Journaled, record

if TYPE_CHECKING:
    from matchmaker.models.accounts import User
    from matchmaker.models.agreements import CountingRule, Target
    from matchmaker.models.profiles import TierTarget

FIRST_YEAR, LAST_YEAR = 2000, 2100


class PlanStatus(ChoiceEnum):
    """A plan is in force until bureau staff close it (it ended, or the next one replaced it)."""

    IN_FORCE = "in_force", "执行中"
    CLOSED = "closed", "已结束"


class Plan(Journaled, db.Model):
    """One plan: its years, who is responsible, and (through its rows) targets and counting rules."""

    __tablename__ = "plans"
    __table_args__ = (CheckConstraint("start_year <= end_year", name="years_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    doc_number: Mapped[str | None] = mapped_column(String(60))  # 文号
    start_year: Mapped[int]
    end_year: Mapped[int]
    bureaus: Mapped[str | None] = mapped_column(String(200))  # 责任部门, as the plan names them
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.IN_FORCE)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    targets: Mapped[list[Target]] = relationship(
        back_populates="plan", order_by="Target.id", cascade="all, delete-orphan"
    )
    rules: Mapped[list[CountingRule]] = relationship(
        back_populates="plan", order_by="CountingRule.id", cascade="all, delete-orphan"
    )
    tier_targets: Mapped[list[TierTarget]] = relationship(
        back_populates="plan", order_by="TierTarget.id", cascade="all, delete-orphan"
    )

    journal_type: ClassVar[str] = "plan"

    @property
    def period(self) -> str:
        """ "2023-2025": the key of the plan's period targets (and of the API's ``period``)."""
        return f"{self.start_year}-{self.end_year}"

    @property
    def label(self) -> str:
        return f"{self.start_year}—{self.end_year}年"

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    @property
    def periods(self) -> list[str]:
        """Each year, then the whole period: the keys targets are set for."""
        return [str(y) for y in self.years] + [self.period]

    @property
    def tier_period(self) -> str:
        """Tier targets are for the end of the plan ("2025")."""
        return str(self.end_year)

    @property
    def in_force(self) -> bool:
        return self.status is PlanStatus.IN_FORCE

    def covers(self, day: date | int) -> bool:
        year = day if isinstance(day, int) else day.year
        return self.start_year <= year <= self.end_year

    def target_for(self, code: str, period: str) -> int | None:
        return next((t.value for t in self.targets if t.indicator_code == code and t.period == period), None)

    def rules_for(self, code: str) -> list[CountingRule]:
        return [r for r in self.rules if r.indicator_code == code]

    def close(self, by: User) -> None:
        """Bureau staff close a plan (it ended or a new one replaced it); it stays readable."""
        if self.status is not PlanStatus.IN_FORCE:
            raise InvalidTransition("这个计划已经结束。")
        self.status, self.closed_at = PlanStatus.CLOSED, utcnow()
        record(
            "plan.closed",
            self,
            actor=by,
            changes={"status": [PlanStatus.IN_FORCE, PlanStatus.CLOSED]},
            note=self.name,
        )
