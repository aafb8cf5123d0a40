"""Agreement types, states, registration, parties and plan states: the agreements capability's value types."""

from __future__ import annotations

from matchmaker.accounts.values import OrgType
from matchmaker.core.models import ChoiceEnum


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


class PlanStatus(ChoiceEnum):
    """A plan is in force until bureau staff close it (it ended, or the next one replaced it)."""

    IN_FORCE = "in_force", "执行中"
    CLOSED = "closed", "已结束"
