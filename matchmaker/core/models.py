"""Shared column helpers and the labelled enums every model uses."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Self, overload

from sqlalchemy import DateTime
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware 'now'; every timestamp is stored in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always handed back timezone-aware, also from SQLite.

    A TypeDecorator (not a DateTime subclass) so the SQLite dialect can't swap it for its own
    DATETIME and drop these conversions. Aware values in any zone are converted to UTC before
    they are stored, so a range given in China Standard Time compares correctly; naive values
    are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None:
            value = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TimestampMixin:
    """created_at / updated_at maintained by SQLAlchemy."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ChoiceEnum(enum.StrEnum):
    """A string enum whose members carry a Chinese label: ``RD_NEED = "rd_need", "研发需求"``.

    The value is the stable code stored in the database and used in URLs, imports and the API;
    the label is what users read.
    """

    _label: str

    # Two ways in, both typed: a member's definition (``RD_NEED = "rd_need", "研发需求"``) passes the
    # code and the label; ``PostingKind("rd_need")`` afterwards is Enum's lookup of the member by
    # its code (Enum swaps this __new__ for its lookup once the members exist).
    @overload
    def __new__(cls, value: str) -> Self: ...
    @overload
    def __new__(cls, value: str, label: str) -> Self: ...
    def __new__(cls, value: str, label: str | None = None) -> Self:
        if label is None:
            raise TypeError(f"{cls.__name__} member {value!r} needs a Chinese label")
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._label = label
        return obj

    @property
    def label(self) -> str:
        """What users read (中文)."""
        return self._label

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
