"""Editable vocabularies: 技术领域, 镇区 and enterprise tiers (梯度), seeded from DOMAIN.md §6."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from sqlalchemy import Select, String, select
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.core.extensions import Base


class TaxonomyMixin:
    """A named, ordered term that can be retired (deactivated) without breaking old records."""

    label: str  # what the vocabulary is called in the interface
    slug: str  # URL segment of the vocabulary in the admin pages
    journal_type: ClassVar[str] = "term"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    if TYPE_CHECKING:  # the declarative constructor of the models that mix this in

        def __init__(self, **kw: Any) -> None: ...

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ordered(cls, *, active_only: bool = True) -> Select[Self]:
        """Terms in display order; retired ones only when asked for."""
        stmt = select(cls).order_by(cls.position, cls.id)
        if active_only:
            stmt = stmt.where(cls.active.is_(True))
        return stmt


class TechField(TaxonomyMixin, Base):
    """技术领域 as used in national technology-contract statistics."""

    __tablename__ = "tech_fields"
    label = "技术领域"
    slug = "tech-fields"


class Town(TaxonomyMixin, Base):
    """镇区 of Baoying County."""

    __tablename__ = "towns"
    label = "镇区"
    slug = "towns"


class EnterpriseTier(TaxonomyMixin, Base):
    """梯度: where an enterprise stands in the 专精特新 cultivation ladder."""

    __tablename__ = "enterprise_tiers"
    label = "企业梯度"
    slug = "tiers"


TAXONOMIES: dict[str, type[TechField] | type[Town] | type[EnterpriseTier]] = {
    model.slug: model for model in (TechField, Town, EnterpriseTier)
}
