"""Subscriptions (订阅推送): what a user asked to hear about, and every item already told.

``SubscriptionItem`` is the delivered-items table: one row per (subscription, posting), unique,
inserted with ON CONFLICT DO NOTHING, so a posting reaches a subscription at most once however
many workers collect at the same time; ``digest_at`` marks the item as sent (or dropped, when the
posting was no longer visible to the subscriber by then: ``shown`` false).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import User
from matchmaker.core.extensions import Base
from matchmaker.core.journal import Journaled
from matchmaker.core.models import UTCDateTime, enum_column, utcnow
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy.models import TechField, Town

NAME_LENGTH = 40
QUERY_LENGTH = 100


class Subscription(Journaled, Base):
    """One user's standing request: a search (text and the search page's filters) or "new
    proposals for my organisation's postings at least this strong", and how often to be told."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_user_active", "user_id", "cancelled_at"),)

    journal_type: ClassVar[str] = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    basis: Mapped[Basis] = mapped_column(enum_column(Basis))
    query: Mapped[str | None] = mapped_column(String(QUERY_LENGTH))
    kind: Mapped[PostingKind | None] = mapped_column(enum_column(PostingKind))
    tech_field_id: Mapped[int | None] = mapped_column(ForeignKey("tech_fields.id"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"))
    min_strength: Mapped[int | None] = mapped_column()
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    digests: Mapped[int] = mapped_column(default=0)  # digests sent: the claim's version number

    user: Mapped[User] = relationship()
    tech_field: Mapped[TechField | None] = relationship()
    town: Mapped[Town | None] = relationship()

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.cancelled_at is None

    @property
    def summary(self) -> str:
        """What it listens to, in words (pages, digests)."""
        if self.basis is Basis.PROPOSALS:
            return f"本单位已发布信息的新推荐，匹配度不低于 {self.min_strength}"
        parts = []
        if self.query:
            parts.append(f"关键词“{self.query}”")
        if self.kind is not None:
            parts.append(self.kind.label)
        if self.tech_field is not None:
            parts.append(f"技术领域：{self.tech_field.name}")
        if self.town is not None:
            parts.append(f"镇区：{self.town.name}")
        return "，".join(parts)

    def details(self) -> dict[str, Any]:
        """The fields a change is journaled by."""
        return {
            "name": self.name,
            "basis": self.basis,
            "query": self.query,
            "kind": self.kind,
            "tech_field": self.tech_field.name if self.tech_field else None,
            "town": self.town.name if self.town else None,
            "min_strength": self.min_strength,
            "frequency": self.frequency,
        }


class SubscriptionItem(Base):
    """A posting that matched a subscription, with why; at most one per (subscription, posting)."""

    __tablename__ = "subscription_items"
    __table_args__ = (
        UniqueConstraint("subscription_id", "posting_id", name="uq_subscription_items_once"),
        Index("ix_subscription_items_pending", "subscription_id", "digest_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    # Why it matched: {"words": [...]} for a search; {"own_posting_id", "strength", "words"} for a
    # proposal — the same evidence the proposals show.
    reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    digest: Mapped[int | None] = mapped_column()  # which of its subscription's digests sent it
    digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shown: Mapped[bool] = mapped_column(default=False)  # False: dropped, no longer visible to the user

    subscription: Mapped[Subscription] = relationship()
    posting: Mapped[Posting] = relationship()
