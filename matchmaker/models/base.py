"""Shared column helpers and the labelled enums every model uses."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import DateTime
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware 'now'; every timestamp is stored in UTC."""
    return datetime.now(UTC)


class UTCDateTime(DateTime):
    """DateTime that always hands back aware UTC values, also from SQLite (which drops the zone)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        parent = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            if parent is not None:
                value = parent(value)
            if isinstance(value, datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value

        return process


class TimestampMixin:
    """created_at / updated_at maintained by SQLAlchemy."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ChoiceEnum(enum.StrEnum):
    """A string enum whose members carry a Chinese label: ``RD_NEED = "rd_need", "研发需求"``.

    The value is the stable code stored in the database and used in URLs, imports and the API;
    the label is what users read.
    """

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for form widgets."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def from_label(cls, label: str) -> Self | None:
        """The member whose Chinese label (or code) is ``label``, if any."""
        label = label.strip()
        for member in cls:
            if label in (member.label, member.value):
                return member
        return None


def enum_column(enum_cls: type[ChoiceEnum]) -> SAEnum:
    """Store an enum by its code (not its Python name) as VARCHAR with a CHECK constraint."""
    return SAEnum(
        enum_cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )
