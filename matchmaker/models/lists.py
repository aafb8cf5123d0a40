"""Published lists (研发攻关需求清单, 创新成果清单, 供需清单): dated, numbered, frozen snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.accounts import User
from matchmaker.models.base import UTCDateTime, utcnow


class PublishedList(db.Model):
    """A list as it was published: its rows are copied, so later edits never change it."""

    __tablename__ = "published_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    serial: Mapped[int]  # 第 N 期 within the year
    title: Mapped[str] = mapped_column(String(120))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what was chosen, in words
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # template columns → text
    issued_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User] = relationship()

    @property
    def number(self) -> str:
        return f"{self.year}年第{self.serial}期"
