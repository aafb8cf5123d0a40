"""The vocabularies in forms: their active terms as choices, and a chosen term back."""

from __future__ import annotations

from typing import Any

from wtforms import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; types-WTForms is 3.2

from matchmaker.core.extensions import db
from matchmaker.core.forms import options
from matchmaker.taxonomy.models import TaxonomyMixin


def term_pairs(model: type[TaxonomyMixin]) -> list[tuple[int, str]]:
    """(id, name) of a vocabulary's active terms, in display order."""
    return [(t.id, t.name) for t in db.session.scalars(model.ordered())]


def term_choices(model: type[TaxonomyMixin], placeholder: str) -> list[SelectChoice]:
    """Active terms of a vocabulary as select options, after an empty placeholder."""
    return options(term_pairs(model), placeholder)


def get_term(model: type[TaxonomyMixin], term_id: int | None) -> Any:
    return db.session.get(model, term_id) if term_id else None
