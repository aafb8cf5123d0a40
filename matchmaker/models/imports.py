"""Provenance of imported postings: who imported which file, when, and how far it has got.

A large confirmed import runs in the background as a resumable job (imports/jobs.py): it commits
its rows in chunks and records, in the same transaction, the last file row it has imported, so a
worker that dies mid-way leaves a job that resumes exactly where it stopped.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.accounts import User
from matchmaker.models.base import UTCDateTime, utcnow


class ImportBatch(db.Model):
    """One confirmed import of a spreadsheet of postings."""

    __tablename__ = "import_batches"

    STATUS_LABELS: ClassVar[dict[str, str]] = {
        "queued": "排队中",
        "running": "导入中",
        "done": "已完成",
        "failed": "失败",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_valid: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_imported: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="done", server_default="done")
    token: Mapped[str | None] = mapped_column(String(64))  # the staged file a job reads
    last_row: Mapped[int] = mapped_column(default=0, server_default="0")  # file row imported last
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User] = relationship()

    journal_type: ClassVar[str] = "import"

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS.get(self.status, self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        return 100 if not self.rows_valid else round(100 * self.rows_imported / self.rows_valid)
