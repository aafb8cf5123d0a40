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
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Boolean, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.exceptions import InvalidTransition
from matchmaker.extensions import db
from matchmaker.models.accounts import Organization, OrgType, User
from matchmaker.models.base import ChoiceEnum, UTCDateTime, enum_column, utcnow
from matchmaker.models.journal import Journaled, record
from matchmaker.models.taxonomy import TechField

if TYPE_CHECKING:
    from matchmaker.models.pairings import Pairing
    from matchmaker.models.plans import Plan


class AgreementType(ChoiceEnum):
    """合同类别 (DOMAIN.md §5); codes are part of the public API."""

    TECH_DEV_COMMISSIONED = "tech_dev_commissioned", "技术开发（委托）"
    TECH_DEV_COOPERATIVE = "tech_dev_cooperative", "技术开发（合作）"
    TECH_TRANSFER = "tech_transfer", "技术转让"
    TECH_LICENSE = "tech_license", "技术许可"
    TECH_CONSULTING = "tech_consulting", "技术咨询"
    TECH_SERVICE = "tech_service", "技术服务"
    IUR = "iur_agreement", "产学研合作协议"
    SUPPLY = "supply_agreement", "产品配套协议"
    NEW_PRODUCT = "new_product", "新产品新技术推广应用"
    INNOVATION_PLAN = "innovation_plan", "企业重点技术创新计划"

    @property
    def is_technology_contract(self) -> bool:
        """The six kinds a 技术合同登记 can register."""
        return self in TECHNOLOGY_CONTRACTS


TECHNOLOGY_CONTRACTS = (
    AgreementType.TECH_DEV_COMMISSIONED,
    AgreementType.TECH_DEV_COOPERATIVE,
    AgreementType.TECH_TRANSFER,
    AgreementType.TECH_LICENSE,
    AgreementType.TECH_CONSULTING,
    AgreementType.TECH_SERVICE,
)


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


class AgreementStatus(ChoiceEnum):
    RECORDED = "recorded", "待对方确认"
    CONFIRMED = "confirmed", "待主管部门核验"
    VERIFIED = "verified", "已核验"
    RETURNED = "returned", "已退回"


class Registration(ChoiceEnum):
    """技术合同登记状态."""

    NOT_APPLIED = "not_applied", "未申请"
    APPLIED = "applied", "已申请"
    REGISTERED = "registered", "已登记"
    REFUSED = "refused", "未予登记"


class PartyType(ChoiceEnum):
    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高等院校"
    INSTITUTE = "institute", "科研机构"
    OTHER = "other", "其他"

    @classmethod
    def of(cls, org_type: OrgType) -> PartyType:
        return {
            OrgType.ENTERPRISE: cls.ENTERPRISE,
            OrgType.UNIVERSITY: cls.UNIVERSITY,
            OrgType.INSTITUTE: cls.INSTITUTE,
            OrgType.NEW_RD: cls.INSTITUTE,
        }.get(org_type, cls.OTHER)

    @property
    def is_academic(self) -> bool:
        return self in (PartyType.UNIVERSITY, PartyType.INSTITUTE)


class PartySide(ChoiceEnum):
    BUYER = "buyer", "甲方（委托方、受让方、需方）"
    SELLER = "seller", "乙方（受托方、让与方、供方）"


class Agreement(Journaled, db.Model):
    __tablename__ = "agreements"

    journal_type: ClassVar[str] = "agreement"

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
    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", order_by="AgreementParty.position", cascade="all, delete-orphan"
    )
    files: Mapped[list[AgreementFile]] = relationship(
        back_populates="agreement", order_by="AgreementFile.id", cascade="all, delete-orphan"
    )

    __mapper_args__: ClassVar = {"version_id_col": version}

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

    def _require(self, allowed: tuple[AgreementStatus, ...], verb: str) -> None:
        if self.is_deleted:
            raise InvalidTransition("该协议已删除。")
        if self.status not in allowed:
            raise InvalidTransition(f"“{self.status.label}”的协议不能{verb}。")

    def _move(
        self, to: AgreementStatus, action: str, by: User, note: str | None = None, *, force: bool = False
    ) -> None:
        """``force``: journal the step even when the status stays (a 待对方确认 record edited)."""
        if self.status is to and not force:
            return
        record(action, self, actor=by, changes={"status": [self.status, to]}, note=note)
        self.status = to
        self.updated_at = utcnow()


class AgreementParty(db.Model):
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


class AgreementFile(db.Model):
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


class Indicator(db.Model):
    """One of the plans' indicators (DOMAIN.md §1); codes are part of the public API. What counts
    toward it and its targets belong to a plan (``Plan.rules``, ``Plan.targets``)."""

    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)

    journal_type: ClassVar[str] = "indicator"


class CountingRule(db.Model):
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


class Target(db.Model):
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
