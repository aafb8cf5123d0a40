"""Kinds, states and the closed vocabularies of postings and published lists: the postings capability's value types."""

from __future__ import annotations

from matchmaker.accounts.values import Role
from matchmaker.core.models import ChoiceEnum


class PostingKind(ChoiceEnum):
    """The four kinds of posting; codes are part of the public interface."""

    RD_NEED = "rd_need", "研发需求"
    SUPPLY_NEED = "supply_need", "配套需求"
    SUPPLY_OFFER = "supply_offer", "配套供给"
    RESEARCH_OUTCOME = "research_outcome", "科技成果"

    @property
    def poster_role(self) -> Role:
        """Research outcomes come from universities/institutes, everything else from enterprises."""
        return Role.UNIVERSITY if self is PostingKind.RESEARCH_OUTCOME else Role.ENTERPRISE

    @property
    def is_need(self) -> bool:
        return self in (PostingKind.RD_NEED, PostingKind.SUPPLY_NEED)

    @property
    def complements(self) -> tuple[PostingKind, ...]:
        """The kinds that answer this one (DOMAIN.md §3): 研发需求 ↔ 科技成果 / 配套供给,
        配套需求 ↔ 配套供给."""
        return {
            PostingKind.RD_NEED: (PostingKind.RESEARCH_OUTCOME, PostingKind.SUPPLY_OFFER),
            PostingKind.RESEARCH_OUTCOME: (PostingKind.RD_NEED,),
            PostingKind.SUPPLY_NEED: (PostingKind.SUPPLY_OFFER,),
            PostingKind.SUPPLY_OFFER: (PostingKind.SUPPLY_NEED, PostingKind.RD_NEED),
        }[self]

    @property
    def slug(self) -> str:
        """URL form of the code: rd-need."""
        return self.value.replace("_", "-")

    @classmethod
    def from_slug(cls, slug: str) -> PostingKind | None:
        try:
            return cls(slug.replace("-", "_"))
        except ValueError:
            return None

    @classmethod
    def for_role(cls, role: Role) -> list[PostingKind]:
        return [k for k in cls if k.poster_role is role]


class PostingStatus(ChoiceEnum):
    """Lifecycle: 草稿 → 待审核 → 已发布 / 退回修改 → 已关闭."""

    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审核"
    RETURNED = "returned", "退回修改"
    PUBLISHED = "published", "已发布"
    CLOSED = "closed", "已关闭"


class Visibility(ChoiceEnum):
    """Who may read a published posting."""

    PUBLIC = "public", "公开"
    MEMBERS = "members", "仅登录用户"
    BUREAU = "bureau", "仅主管部门（由主管部门居间对接）"


class CooperationMode(ChoiceEnum):
    """合作方式 of DOMAIN.md §3."""

    TRANSFER = "transfer", "技术转让"
    LICENSE = "license", "技术许可"
    JOINT_DEV = "joint_dev", "合作开发"
    COMMISSIONED_DEV = "commissioned_dev", "委托开发"
    EQUITY = "equity", "作价入股"
    CONSULTING = "consulting", "技术咨询"
    SERVICE = "service", "技术服务"
    JOINT_PLATFORM = "joint_platform", "共建研发平台"


class Maturity(ChoiceEnum):
    """成熟度 (stages rather than TRL numbers: what county users actually say)."""

    RESEARCH = "research", "研发阶段"
    LAB = "lab", "实验室"
    SMALL_PILOT = "small_pilot", "小试"
    PILOT = "pilot", "中试"
    PRODUCTION = "production", "可量产"


class IPStatus(ChoiceEnum):
    """知识产权 status."""

    NONE = "none", "无"
    APPLIED = "applied", "申请中"
    GRANTED = "granted", "已授权"
    SECRET = "secret", "技术秘密"


class CloseReason(ChoiceEnum):
    """Why a posting was taken off the platform for good."""

    SOLVED_ON_PLATFORM = "solved_on_platform", "通过平台解决"
    SOLVED_ELSEWHERE = "solved_elsewhere", "平台外解决"
    ABANDONED = "abandoned", "放弃"
    REPHRASED = "rephrased", "重新表述"


class ListKind(ChoiceEnum):
    """The three lists the plan tells the bureaus to publish; each is numbered on its own."""

    RD_NEEDS = "rd_needs", "专精特新企业研发攻关需求清单"
    OUTCOMES = "outcomes", "高校院所创新成果清单"
    SUPPLY = "supply", "产品配套供需信息清单"

    @property
    def posting_kinds(self) -> tuple[PostingKind, ...]:
        return {
            ListKind.RD_NEEDS: (PostingKind.RD_NEED,),
            ListKind.OUTCOMES: (PostingKind.RESEARCH_OUTCOME,),
            ListKind.SUPPLY: (PostingKind.SUPPLY_NEED, PostingKind.SUPPLY_OFFER),
        }[self]


class Confirmation(ChoiceEnum):
    """A need a specialist wrote on an enterprise's behalf (``Posting.visit_id``) waits for the
    enterprise's confirmation before it may go to review; the enterprise's own postings have none."""

    AWAITING = "awaiting", "待企业确认"
    CONFIRMED = "confirmed", "企业已确认"
    REFUSED = "refused", "企业已拒绝"
    BY_STAFF = "by_staff", "主管部门代为确认"  # an enterprise without user accounts; reason recorded
