"""Read side of the taxonomies for the other capabilities' pages and API routes (which do not
import taxonomy's models): read-only lookups by name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from matchmaker.core.extensions import db
from matchmaker.taxonomy.models import EnterpriseTier, TaxonomyMixin, TechField, Town


def _named(model: type[TaxonomyMixin], name: str, active_only: bool) -> TaxonomyMixin | None:
    stmt = select(model).where(model.name == name.strip())
    if active_only:
        stmt = stmt.where(model.active.is_(True))
    return db.session.scalar(stmt)


def tech_field(name: str, *, active_only: bool = True) -> TechField | None:
    """The 技术领域 called ``name`` (spaces around it ignored)."""
    return _named(TechField, name, active_only)  # type: ignore[return-value]


def town(name: str, *, active_only: bool = True) -> Town | None:
    """The 镇区 called ``name`` (spaces around it ignored)."""
    return _named(Town, name, active_only)  # type: ignore[return-value]


def tier(name: str, *, active_only: bool = True) -> EnterpriseTier | None:
    """The enterprise 梯度 called ``name`` (spaces around it ignored)."""
    return _named(EnterpriseTier, name, active_only)  # type: ignore[return-value]


def tier_names(*, active_only: bool = True) -> list[str]:
    """The 梯度 in their order."""
    return [t.name for t in db.session.scalars(EnterpriseTier.ordered(active_only=active_only))]


def town_names(*, active_only: bool = True) -> list[str]:
    """The 镇区 in their order."""
    return [t.name for t in db.session.scalars(Town.ordered(active_only=active_only))]


def tech_field_names(*, active_only: bool = True) -> list[str]:
    """The 技术领域' names in their order (with the retired ones unless ``active_only``)."""
    return [t.name for t in db.session.scalars(TechField.ordered(active_only=active_only))]


# --- by the API's vocabulary keys ("field", "town") -------------------------------------------

VOCABULARIES: dict[str, type[TaxonomyMixin]] = {"field": TechField, "town": Town}


def label(vocabulary: str) -> str:
    """What the vocabulary is called in the interface ("技术领域")."""
    return VOCABULARIES[vocabulary].label


def named(vocabulary: str, name: str, *, active_only: bool) -> Any:
    """The term of ``vocabulary`` ("field" or "town") called ``name``, or None."""
    return _named(VOCABULARIES[vocabulary], name, active_only)


def names(vocabulary: str, *, active_only: bool = True) -> list[str]:
    """The names of ``vocabulary``'s terms, in display order."""
    return [t.name for t in db.session.scalars(VOCABULARIES[vocabulary].ordered(active_only=active_only))]
