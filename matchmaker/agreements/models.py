"""Agreements — what the plan counts — recorded the way China's technology-contract registration
(技术合同认定登记) records contracts, with their parties and evidence files; and the indicators,
counting rules and targets they are counted against (DOMAIN.md §1, §5).

An agreement moves 待确认 (recorded) → 待核验 (confirmed by the other side) → 已核验 (verified by
bureau staff), or is returned with a reason; only verified ones count. A change to what the count
depends on after the other side confirmed sends it back to 待确认 (``edited``); a deleted one
changes no more. Every step is a named method writing its journal entry; ``version`` makes two
people acting at once end in one state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Boolean, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.agreements.values import (
    AgreementStatus,
    AgreementType,
    PartySide,
    PartyType,
    PlanStatus,
    Registration,
)
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import Base
from matchmaker.core.journal import Journaled, record
from matchmaker.core.models import ChoiceEnum, UTCDateTime, enum_column, utcnow
from matchmaker.core.states import StateMachine
from matchmaker.taxonomy.models import TechField

if TYPE_CHECKING:
    from matchmaker.pairings.models import Pairing
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint

if TYPE_CHECKING:
    from matchmaker.accounts.models import User
    from matchmaker.profiles.models import TierTarget


# What an agreement is counted on: changing any of these after the other side confirmed sends it
# back to that side (and out of the count until confirmed and verified again).
COUNTED_LABELS = {
    "type": "合同类别",
    "equity": "作价入股",
    "signed_on": "签订日期",
    "contract_amount": "合同成交额",
    "tech_amount": "技术交易额",
    "registration_number": "登记编号",
    "parties": "协议各方",
    "files": "证明材料",
}
COUNTED_FIELDS = frozenset(COUNTED_LABELS)


class Agreement(StateMachine, Journaled, Base):
    __tablename__ = "agreements"

    journal_type: ClassVar[str] = "agreement"
    REFUSAL: ClassVar[str] = "“{state}”的协议不能{verb}。"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[AgreementType] = mapped_column(enum_column(AgreementType), index=True)
    equity: Mapped[bool] = mapped_column(Boolean, default=False)  # 作价入股 (registered as 技术转让)
    title: Mapped[str] = mapped_column(String(120))
    signed_on: Mapped[date] = mapped_column(Date, index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    contract_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 合同成交额，万元
    tech_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 技术交易额，万元
    tech_field_id: Mapped[int | None] = mapped_column(ForeignKey("tech_fields.id"))
    ip_involved: Mapped[str | None] = mapped_column(Text)
    registration: Mapped[Registration] = mapped_column(
        enum_column(Registration), default=Registration.NOT_APPLIED
    )
    # 登记编号: one contract, one number — a second record of it is refused (unique).
    registration_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    notes: Mapped[str | None] = mapped_column(Text)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    status: Mapped[AgreementStatus] = mapped_column(
        enum_column(AgreementStatus), default=AgreementStatus.RECORDED, index=True
    )
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    delete_reason: Mapped[str | None] = mapped_column(Text)
    # Who found the need (a specialist, from the need's visit) and who brokered this (the specialist who
    # introduced it): derived from the records where they exist, set by bureau staff (with the note)
    # where it happened off the platform. Results per specialist are counted from these.
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    brokered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    attribution_note: Mapped[str | None] = mapped_column(Text)
    # The same contract recorded twice (e.g. by 工信局 and by 科技局): parties, type, date, amount.
    dedupe_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    tech_field: Mapped[TechField | None] = relationship()
    pairing: Mapped[Pairing | None] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    recorded_org: Mapped[Organization] = relationship(foreign_keys=[recorded_org_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    found_by: Mapped[User | None] = relationship(foreign_keys=[found_by_id])
    brokered_by: Mapped[User | None] = relationship(foreign_keys=[brokered_by_id])
    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", order_by="AgreementParty.position", cascade="all, delete-orphan"
    )
    files: Mapped[list[AgreementFile]] = relationship(
        back_populates="agreement", order_by="AgreementFile.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 -- declarative reads it; not a ClassVar to mypy

    def __str__(self) -> str:
        return self.title

    @property
    def type_label(self) -> str:
        return self.type.label + ("（作价入股）" if self.equity else "")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def party_org_ids(self) -> set[int]:
        return {p.organization_id for p in self.parties if p.organization_id}

    @property
    def is_iur(self) -> bool:
        """Between an enterprise and a university or institute (产学研)."""
        kinds = {p.party_type for p in self.parties}
        return PartyType.ENTERPRISE in kinds and any(k.is_academic for k in kinds)

    def compute_dedupe_key(self) -> str:
        parties = sorted((p.credit_code or p.name).strip().upper() for p in self.parties)
        amount = f"{self.contract_amount:.2f}" if self.contract_amount is not None else ""
        text = "|".join([self.type.value, self.signed_on.isoformat(), amount, *parties])
        return hashlib.sha256(text.encode()).hexdigest()

    # --- transitions -------------------------------------------------------------------------

    def confirm(self, by: User) -> None:
        """The other side says: yes, we signed this."""
        self._require((AgreementStatus.RECORDED,), "确认")
        self.confirmed_by, self.confirmed_at = by, utcnow()
        self._move(AgreementStatus.CONFIRMED, "agreement.confirmed", by)

    def verify(self, by: User, note: str | None = None) -> None:
        """Bureau staff have seen the evidence: from now on it counts."""
        self._require((AgreementStatus.CONFIRMED, AgreementStatus.RECORDED), "核验")
        self.verified_by, self.verified_at = by, utcnow()
        self.return_reason = None
        self._move(AgreementStatus.VERIFIED, "agreement.verified", by, note)

    def return_for_revision(self, by: User, reason: str) -> None:
        self._require((AgreementStatus.RECORDED, AgreementStatus.CONFIRMED, AgreementStatus.VERIFIED), "退回")
        if not reason or not reason.strip():
            raise InvalidTransition("退回必须写明理由，以便记录单位补正。")
        self.return_reason = reason.strip()
        self.verified_by = self.verified_at = None
        self._move(AgreementStatus.RETURNED, "agreement.returned", by, self.return_reason)

    def edited(
        self,
        by: User,
        changes: dict[str, Any],
        *,
        confirmable: bool = True,
        action: str = "agreement.edited",
        note: str | None = None,
    ) -> None:
        """After an edit (content or evidence files). A change to what the count depends on
        (COUNTED_FIELDS) made after the other side confirmed sends the record back to that side
        (待对方确认) and, if it was verified, out of the count; any other change to a verified or
        returned record goes back to bureau staff. ``confirmable``: some other party on the
        platform can confirm (otherwise staff verify directly, as for one reached off the
        platform)."""
        if self.is_deleted:
            raise InvalidTransition("该协议已删除，不能再修改。")
        record(action, self, actor=by, changes=changes, note=note)
        self.updated_at = utcnow()
        counted = sorted(COUNTED_FIELDS & changes.keys())
        if counted and (self.confirmed_at is not None or self.status is not AgreementStatus.RECORDED):
            self.confirmed_by = self.confirmed_at = None
            self.verified_by = self.verified_at = None
            note = "修改了" + "、".join(COUNTED_LABELS[k] for k in counted)
            note += "，需协议另一方重新确认" if confirmable else "，需主管部门重新核验"
            self._move(AgreementStatus.RECORDED, "agreement.reconfirm", by, note, force=True)
        elif self.status in (AgreementStatus.VERIFIED, AgreementStatus.RETURNED):
            back = AgreementStatus.CONFIRMED if self.confirmed_at else AgreementStatus.RECORDED
            self.verified_by = self.verified_at = None
            self._move(back, "agreement.reopened", by, "修改后需重新核验")

    def delete(self, by: User, reason: str) -> None:
        """Taken out of every count and list; the record and its history stay in the journal."""
        if self.is_deleted:
            raise InvalidTransition("该协议已删除。")
        if not reason or not reason.strip():
            raise InvalidTransition("删除协议必须写明理由。")
        self.deleted_at, self.delete_reason = utcnow(), reason.strip()
        record("agreement.deleted", self, actor=by, note=self.delete_reason)

    def _require(self, allowed: Collection[ChoiceEnum], verb: str) -> None:
        if self.is_deleted:
            raise InvalidTransition("该协议已删除。")
        super()._require(allowed, verb)

    def _move(
        self,
        to: ChoiceEnum,
        action: str,
        by: User | None,
        note: str | None = None,
        *,
        force: bool = False,
        **changes: Any,
    ) -> None:
        """``force``: journal the step even when the status stays (a 待对方确认 record edited)."""
        if self.status is to and not force:
            return
        super()._move(to, action, by, note, **changes)

    def _moved(self) -> None:
        self.updated_at = utcnow()


class AgreementParty(Base):
    """One party to an agreement: a platform organisation, or any other by name and code."""

    __tablename__ = "agreement_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    side: Mapped[PartySide] = mapped_column(enum_column(PartySide))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    party_type: Mapped[PartyType] = mapped_column(enum_column(PartyType))

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organization: Mapped[Organization | None] = relationship()


class AgreementFile(Base):
    """Evidence (the signed contract, a registration certificate): stored under a generated name in
    instance/uploads/agreements/ (backed up with the database), never under static/; the original
    file name is kept for download."""

    __tablename__ = "agreement_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="files")


class Indicator(Base):
    """One of the plans' indicators (DOMAIN.md §1); codes are part of the public API. What counts
    toward it and its targets belong to a plan (``Plan.rules``, ``Plan.targets``)."""

    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)

    journal_type: ClassVar[str] = "indicator"


class CountingRule(Base):
    """Under ``plan``, an agreement of ``agreement_type`` counts toward ``indicator`` — if
    ``iur_only``, only when it is between an enterprise and a university or institute."""

    __tablename__ = "counting_rules"
    __table_args__ = (
        UniqueConstraint("plan_id", "indicator_code", "agreement_type", name="uq_counting_rules"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    agreement_type: Mapped[AgreementType] = mapped_column(enum_column(AgreementType))
    iur_only: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[Plan] = relationship(back_populates="rules")
    indicator: Mapped[Indicator] = relationship()

    def matches(self, agreement: Agreement) -> bool:
        return agreement.type is self.agreement_type and (not self.iur_only or agreement.is_iur)

    def __str__(self) -> str:
        return self.agreement_type.label + ("（企业与高校院所之间）" if self.iur_only else "")


class Target(Base):
    """A plan's target of an indicator for a year ("2025") or the plan's period ("2023-2025")."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("plan_id", "indicator_code", "period", name="uq_targets_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    period: Mapped[str] = mapped_column(String(9))
    value: Mapped[int]

    plan: Mapped[Plan] = relationship(back_populates="targets")
    indicator: Mapped[Indicator] = relationship()


# ------------------------------------------------------------------------------------------------
# A plan (规划/行动计划) as data: its name, 文号, a period of whole years and the bureaus responsible,
# with the targets, counting rules and tier targets attached to it (DOMAIN.md §1). Plans follow each
# other; the one in force on the site's today is what the dashboard, the pool and the API open on,
# and a closed plan stays readable.


FIRST_YEAR, LAST_YEAR = 2000, 2100


class Plan(Journaled, Base):
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
