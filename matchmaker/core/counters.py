"""Named counters for numbers that must never repeat (清单 第 N 期), on any database engine."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.core.extensions import Base


class Counter(Base):
    """The last number handed out under ``name``; see database.next_number."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
