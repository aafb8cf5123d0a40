"""The audit log: the journal as bureau staff and administrators read it — filtered by person,
organisation, object, action and date, exported to .xlsx, and pruned after the retention period.

Retention (JOURNAL_RETENTION_DAYS, default ten years, never below 180 days): the journal is the
platform's record of who decided what (reviews, verifications, agreements to come) and the
network log China's Cybersecurity Law (网络安全法 第二十一条) asks to keep for at least six months.
Nothing is deleted by itself: `flask audit prune`, run from cron, removes entries past the period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import selectinload

from matchmaker.accounts.models import Organization, User
from matchmaker.core import clock
from matchmaker.core.database import execute_dml
from matchmaker.core.exceptions import DomainError
from matchmaker.core.extensions import db
from matchmaker.core.journal import LABELS, OBJECT_LABELS, JournalEntry
from matchmaker.core.spreadsheets import workbook
from matchmaker.templating import format_datetime

MIN_RETENTION_DAYS = 180
EXPORT_LIMIT = 50_000


@dataclass
class Filters:
    """What the audit log is narrowed to; None means any."""

    person: str | None = None  # e-mail or name, or part of it
    organization: str | None = None  # name, or part of it
    object_type: str | None = None
    object_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse_object(cls, text: str) -> tuple[str, int | None]:
        """ "posting:12" → ("posting", 12); "posting" → ("posting", None)."""
        kind, _, number = text.partition(":")
        if kind not in OBJECT_LABELS or (number and not number.isdigit()):
            raise DomainError(f"对象应写作 类型:编号，如 posting:12（类型：{'、'.join(OBJECT_LABELS)}）。")
        return kind, int(number) if number else None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def entries(filters: Filters) -> Select[JournalEntry]:
    """The matching entries, newest first."""
    stmt = select(JournalEntry).options(selectinload(JournalEntry.actor).selectinload(User.organization))
    if filters.person:
        people = select(User.id).where(
            or_(
                User.email.ilike(_like(filters.person), escape="\\"),
                User.name.ilike(_like(filters.person), escape="\\"),
            )
        )
        stmt = stmt.where(JournalEntry.actor_id.in_(people))
    if filters.organization:
        orgs = select(Organization.id).where(
            Organization.name.ilike(_like(filters.organization), escape="\\")
        )
        stmt = stmt.where(
            or_(
                JournalEntry.actor_org_id.in_(orgs),
                (JournalEntry.object_type == "organization") & JournalEntry.object_id.in_(orgs),
            )
        )
    if filters.object_type:
        stmt = stmt.where(JournalEntry.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(JournalEntry.object_id == filters.object_id)
    if filters.action:
        stmt = stmt.where(JournalEntry.action == filters.action)
    if filters.since:
        stmt = stmt.where(JournalEntry.at >= clock.start_of(filters.since))
    if filters.until:
        stmt = stmt.where(JournalEntry.at < clock.start_of(filters.until + timedelta(days=1)))
    return stmt.order_by(JournalEntry.id.desc())


def describe_changes(entry: JournalEntry) -> str:
    """ "字段：旧 → 新；…" for people to read."""
    parts = []
    for name, (old, new) in (entry.changes or {}).items():
        parts.append(f"{name}：{'' if old is None else old} → {'' if new is None else new}")
    return "；".join(parts)


COLUMNS = ["编号", "时间", "操作", "对象", "对象编号", "操作人", "所属单位", "网络地址", "变更", "说明"]


def rows(stmt: Select[JournalEntry], *, limit: int = EXPORT_LIMIT) -> Iterator[list[Any]]:
    for entry in db.session.scalars(stmt.limit(limit)):
        actor = entry.actor
        yield [
            entry.id,
            format_datetime(entry.at, "%Y-%m-%d %H:%M:%S"),
            entry.label,
            entry.object_label,
            entry.object_id if entry.object_id is not None else "",
            (f"{actor.name}（{actor.email}）" if actor else "系统／命令行"),
            actor.organization.name if actor else "",
            entry.address or "",
            describe_changes(entry),
            entry.note or "",
        ]


def export(filters: Filters) -> bytes:
    return workbook("操作记录", COLUMNS, rows(entries(filters)), widths={"变更": 60, "说明": 40})


def retention_days() -> int:
    return max(int(current_app.config["JOURNAL_RETENTION_DAYS"]), MIN_RETENTION_DAYS)


def prune(now: datetime | None = None) -> int:
    """Delete entries older than the retention period; returns how many."""
    cutoff = (now or clock.now()) - timedelta(days=retention_days())
    result = execute_dml(delete(JournalEntry).where(JournalEntry.at < cutoff))
    return result.rowcount or 0


ACTION_CHOICES = sorted(LABELS.items(), key=lambda item: item[0])
__all__ = ["LABELS", "Filters", "entries", "export", "prune"]
OBJECT_CHOICES = list(OBJECT_LABELS.items())
