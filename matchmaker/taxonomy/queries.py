"""Read-only look-ups of the vocabularies (技术领域, 镇区) by name, for other capabilities' API
routes (which reach taxonomy through here, not its models)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from matchmaker.core.extensions import db
from matchmaker.taxonomy.models import TaxonomyMixin, TechField, Town

VOCABULARIES: dict[str, type[TaxonomyMixin]] = {"field": TechField, "town": Town}


def label(vocabulary: str) -> str:
    """What the vocabulary is called in the interface ("技术领域")."""
    return VOCABULARIES[vocabulary].label


def named(vocabulary: str, name: str, *, active_only: bool) -> Any:
    """The term of ``vocabulary`` ("field" or "town") called ``name``, or None."""
    model = VOCABULARIES[vocabulary]
    stmt = select(model).where(model.name == name.strip())
    if active_only:
        stmt = stmt.where(model.active.is_(True))
    return db.session.scalar(stmt)


def names(vocabulary: str, *, active_only: bool = True) -> list[str]:
    """The names of ``vocabulary``'s terms, in display order."""
    return [t.name for t in db.session.scalars(VOCABULARIES[vocabulary].ordered(active_only=active_only))]
