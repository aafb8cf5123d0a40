"""Notifications — what happened, in words, with a link to it — and the journal cursors of the
consumers that are shared by every machine (notifications are made once, not once per machine).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import User
from matchmaker.core.extensions import Base
from matchmaker.core.models import UTCDateTime, utcnow


class Notification(Base):
    """Something a user should know, said in full ("…对您的「…」表达了合作意向"), with where to go."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_dedupe", "user_id", "kind", "dedupe_key"),
    )

    KINDS: ClassVar[dict[str, str]] = {
        "interest": "收到合作意向",
        "answer": "对方已答复",
        "message": "新消息",
        "progress": "对接进展",
        "nudge": "主管部门提醒",
        "proposal": "新的高匹配推荐",
        "review": "审核结果",
        "expiring": "信息即将到期",
        "account": "账号",
        "event": "对接活动",
        "call": "揭榜挂帅",
        "agreement": "协议",
        "queue": "待办事项",
        "broker": "居间对接",
        "specialist": "专员服务",
        "subscription": "订阅推送",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    journal_id: Mapped[int | None] = mapped_column(index=True)  # the entry it came from
    dedupe_key: Mapped[str | None] = mapped_column(String(80))  # e.g. "posting:12:2026-12-16"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mail_attempts: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return self.KINDS.get(self.kind, self.kind)

    def mark_read(self) -> None:
        if self.read_at is None:
            self.read_at = utcnow()


class ConsumerCursor(Base):
    """Where a consumer shared by all machines has read the journal up to (consumers.Cursor)."""

    __tablename__ = "consumer_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
