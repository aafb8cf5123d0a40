"""Roles, organisation types and verification states: the accounts capability's value types."""

from __future__ import annotations

from matchmaker.core.models import ChoiceEnum


class Role(ChoiceEnum):
    """What a user may do, derived from the type of the user's organisation."""

    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高校院所"
    BUREAU = "bureau", "主管部门"
    AGENCY = "agency", "技术转移服务机构"  # brokers' organisations: no postings of their own


class OrgType(ChoiceEnum):
    """Organisation types of DOMAIN.md §6."""

    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高等院校"
    INSTITUTE = "institute", "科研院所"
    NEW_RD = "new_rd", "新型研发机构"
    BUREAU = "bureau", "主管部门"
    AGENCY = "agency", "技术转移服务机构"

    @property
    def role(self) -> Role:
        """The role every user of such an organisation has."""
        if self is OrgType.ENTERPRISE:
            return Role.ENTERPRISE
        if self is OrgType.BUREAU:
            return Role.BUREAU
        if self is OrgType.AGENCY:
            return Role.AGENCY
        return Role.UNIVERSITY

    @classmethod
    def self_registrable(cls) -> list[OrgType]:
        """Bureau organisations are never created by self-registration."""
        return [t for t in cls if t is not OrgType.BUREAU]


class OrgStatus(ChoiceEnum):
    """Verification state of an organisation."""

    PENDING = "pending", "待认证"
    VERIFIED = "verified", "已认证"
    REJECTED = "rejected", "未通过认证"
