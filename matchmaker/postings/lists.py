"""Publishing the county's lists: preview, then freeze the rows and number them per list and year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from matchmaker import policy
from matchmaker.accounts.models import User
from matchmaker.core import clock
from matchmaker.core.database import next_number
from matchmaker.core.exceptions import DomainError
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.core.spreadsheets import workbook
from matchmaker.postings.imports.rows import COLUMNS
from matchmaker.postings.models import Posting, PublishedList
from matchmaker.postings.values import ListKind, PostingKind, Visibility
from matchmaker.taxonomy.models import TechField, Town

CONTACT_COLUMNS = ("联系人", "联系电话")


@dataclass
class Selection:
    """What a list is to contain: one kind of list, narrowed by 技术领域, 镇区 and dates."""

    list_kind: ListKind
    tech_field: TechField | None = None
    town: Town | None = None
    published_from: date | None = None
    published_to: date | None = None

    def postings(self) -> list[Posting]:
        """The public, published, unexpired postings that fit, in list order."""
        stmt = select(Posting).where(
            Posting.kind.in_(self.list_kind.posting_kinds),
            policy.listed_postings(None),  # what anyone may read: published, unexpired, public
            Posting.visibility == Visibility.PUBLIC,
        )
        if self.tech_field is not None:
            stmt = stmt.where(Posting.tech_field_id == self.tech_field.id)
        if self.town is not None:
            stmt = stmt.where(Posting.town_id == self.town.id)
        if self.published_from is not None:
            stmt = stmt.where(Posting.published_at >= clock.start_of(self.published_from))
        if self.published_to is not None:
            stmt = stmt.where(Posting.published_at < clock.start_of(self.published_to + timedelta(days=1)))
        order = {k: i for i, k in enumerate(PostingKind)}
        return sorted(
            db.session.scalars(stmt), key=lambda p: (order[p.kind], p.published_at or datetime.min, p.id)
        )

    @property
    def criteria(self) -> dict[str, str]:
        return {
            "类型": "、".join(k.label for k in self.list_kind.posting_kinds),
            "技术领域": self.tech_field.name if self.tech_field else "全部",
            "镇区": self.town.name if self.town else "全部",
            "发布日期": f"{self.published_from or '不限'} 至 {self.published_to or '不限'}",
        }


@dataclass
class Preview:
    """What publishing would produce right now (nothing is saved)."""

    title: str
    number: str  # the number it would get if nobody else publishes first
    postings: list[Posting]


def preview(selection: Selection, *, actor: User) -> Preview:
    policy.require(actor, "list.publish")
    year = clock.today().year
    last = db.session.scalar(
        select(func.max(PublishedList.serial)).where(
            PublishedList.list_kind == selection.list_kind, PublishedList.year == year
        )
    )
    return Preview(selection.list_kind.label, f"{year}年第{(last or 0) + 1}期", selection.postings())


def row_for(posting: Posting) -> dict[str, str]:
    """A posting in the import template's columns, so an export can be imported elsewhere."""
    org = posting.organization
    return {
        "类型": posting.kind.label,
        "标题": posting.title,
        "详细描述": posting.description,
        "单位名称": org.name,
        "关键词": "、".join(posting.keywords or []),
        "技术领域": posting.tech_field.name if posting.tech_field else "",
        "统一社会信用代码": org.credit_code or "",
        "单位类型": org.type.label,
        "所属镇区": posting.town.name if posting.town else "",
        "联系人": posting.contact_name or "",
        "联系电话": posting.contact_phone or "",
        "预算(万元)": f"{posting.budget:f}".rstrip("0").rstrip(".") if posting.budget is not None else "",
        "截止日期": posting.valid_until.isoformat() if posting.valid_until else "",
        "合作方式": "、".join(posting.cooperation_mode_labels),
        "成熟度": posting.maturity.label if posting.maturity else "",
        "知识产权": posting.ip_status.label if posting.ip_status else "",
    }


def publish_list(selection: Selection, *, actor: User) -> PublishedList:
    """Freeze the selected postings into the next numbered issue of their list; never empty."""
    policy.require(actor, "list.publish")
    postings = selection.postings()
    if not postings:
        raise DomainError("没有符合条件的信息，不能发布空清单。请放宽技术领域、镇区或日期范围。")
    issued_on = clock.today()
    serial = next_number(f"list:{selection.list_kind.value}:{issued_on.year}")
    plist = PublishedList(
        list_kind=selection.list_kind,
        year=issued_on.year,
        serial=serial,
        title=selection.list_kind.label,
        criteria=selection.criteria,
        rows=[row_for(p) for p in postings],
        issued_on=issued_on,
        created_by=actor,
    )
    db.session.add(plist)
    db.session.flush()
    record(
        "list.published",
        plist,
        actor=actor,
        changes={"number": [None, f"{plist.title}（{plist.number}）"], "rows": [None, len(plist.rows)]},
        note="；".join(f"{k}：{v}" for k, v in selection.criteria.items()),
    )
    return plist


def withdraw_list(plist: PublishedList, reason: str, *, actor: User) -> None:
    policy.require(actor, "list.withdraw", plist)
    plist.withdraw(actor, reason)
    db.session.flush()


def list_xlsx(plist: PublishedList, *, with_contacts: bool) -> bytes:
    """The list as a workbook with exactly the import template's columns (contacts blank unless
    the reader may see them)."""
    hidden = set() if with_contacts else set(CONTACT_COLUMNS)
    return workbook(
        f"{plist.year}-{plist.serial}",
        list(COLUMNS),
        ([row.get(h, "") if h not in hidden else "" for h in COLUMNS] for row in plist.rows),
    )
