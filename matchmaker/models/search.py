"""The search outbox: postings whose index document must be rewritten, committed with the change.

A row is written in the same transaction as the posting change (so a rollback drops it too) and
removed once the index has the new state, so a crash between the two only delays the update.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db
from matchmaker.models.base import UTCDateTime, utcnow


class SearchOutbox(db.Model):
    """One pending index update for a posting (no foreign key: deleted postings need one too)."""

    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_posting_id", "posting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
