"""Published lists (研发攻关需求清单, 创新成果清单, 供需清单): dated, numbered, frozen snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.exceptions import InvalidTransition
from matchmaker.extensions import db
from matchmaker.models.accounts import User
from matchmaker.models.base import ChoiceEnum, UTCDateTime, enum_column, utcnow
from matchmaker.models.journal import record
from matchmaker.models.postings import PostingKind


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


class PublishedList(db.Model):
    """A list as it was published: its rows are copied, so later edits never change it."""

    __tablename__ = "published_lists"
    __table_args__ = (UniqueConstraint("list_kind", "year", "serial", name="uq_published_lists_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_kind: Mapped[ListKind] = mapped_column(
        enum_column(ListKind), default=ListKind.RD_NEEDS, server_default=ListKind.RD_NEEDS.value
    )
    year: Mapped[int]
    serial: Mapped[int]  # 第 N 期 of its kind within the year
    title: Mapped[str] = mapped_column(String(120))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what was chosen, in words
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # template columns → text
    issued_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    journal_type: ClassVar[str] = "list"

    @property
    def number(self) -> str:
        return f"{self.year}年第{self.serial}期"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def withdraw(self, by: User, reason: str) -> None:
        """A wrongly published list is marked 已撤回 (kept, with who and why); its number stays used."""
        if self.is_withdrawn:
            raise InvalidTransition("该清单已撤回。")
        if not reason.strip():
            raise InvalidTransition("撤回清单必须写明理由。")
        self.withdrawn_at, self.withdrawn_by, self.withdraw_reason = utcnow(), by, reason.strip()
        record("list.withdrawn", self, actor=by, note=self.withdraw_reason)
