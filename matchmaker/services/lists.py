"""Publishing the county's lists: choose, freeze the rows, number them by year."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.imports.rows import COLUMNS
from matchmaker.models import (
    Posting,
    PostingKind,
    PublishedList,
    TechField,
    Town,
    User,
    Visibility,
)
from matchmaker.services import require_bureau
from matchmaker.spreadsheets import workbook
from matchmaker.templating import CST

TITLES = {
    (PostingKind.RD_NEED,): "专精特新企业研发攻关需求清单",
    (PostingKind.RESEARCH_OUTCOME,): "高校院所创新成果清单",
}


def title_for(kinds: list[PostingKind]) -> str:
    return TITLES.get(tuple(kinds), "产业链供需信息清单")


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


def publish_list(
    kinds: list[PostingKind],
    *,
    actor: User,
    tech_field: TechField | None = None,
    town: Town | None = None,
    published_from: date | None = None,
    published_to: date | None = None,
) -> PublishedList:
    """Freeze the public, published, unexpired postings that fit into a numbered list."""
    require_bureau(actor)
    stmt = select(Posting).where(
        Posting.kind.in_(kinds),
        Posting.listed_for(None),  # what anyone may read: published, unexpired, public
        Posting.visibility == Visibility.PUBLIC,
    )
    if tech_field is not None:
        stmt = stmt.where(Posting.tech_field_id == tech_field.id)
    if town is not None:
        stmt = stmt.where(Posting.town_id == town.id)
    if published_from is not None:
        stmt = stmt.where(Posting.published_at >= _start_of(published_from))
    if published_to is not None:
        stmt = stmt.where(Posting.published_at < _start_of(published_to + timedelta(days=1)))
    order = {k: i for i, k in enumerate(PostingKind)}
    postings = sorted(
        db.session.scalars(stmt), key=lambda p: (order[p.kind], p.published_at or datetime.min, p.id)
    )
    today = datetime.now(CST).date()
    serial = (
        db.session.scalar(select(func.max(PublishedList.serial)).where(PublishedList.year == today.year)) or 0
    ) + 1
    criteria = {
        "类型": "、".join(k.label for k in kinds),
        "技术领域": tech_field.name if tech_field else "全部",
        "镇区": town.name if town else "全部",
        "发布日期": f"{published_from or '不限'} 至 {published_to or '不限'}",
    }
    plist = PublishedList(
        year=today.year,
        serial=serial,
        title=title_for(kinds),
        criteria=criteria,
        rows=[row_for(p) for p in postings],
        issued_on=today,
        created_by=actor,
    )
    db.session.add(plist)
    db.session.flush()
    return plist


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CST)


def list_xlsx(plist: PublishedList) -> bytes:
    """The list as a workbook with exactly the import template's columns."""
    return workbook(
        f"{plist.year}-{plist.serial}", list(COLUMNS), ([row.get(h, "") for h in COLUMNS] for row in plist.rows)
    )
