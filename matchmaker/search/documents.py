"""The one place that decides what a posting's search document contains."""

from __future__ import annotations

from typing import Any

from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingStatus


def is_indexed(posting: Posting) -> bool:
    """Only published postings are searchable; expiry and visibility are checked in SQL."""
    return posting.status is PostingStatus.PUBLISHED


def stamp(posting: Posting) -> str:
    return posting.updated_at.isoformat() if posting.updated_at else ""


def document_for(posting: Posting) -> dict[str, Any]:
    keywords = " ".join(posting.keywords or [])
    return {
        "id": str(posting.id),
        "kind": posting.kind.value,
        "org": str(posting.organization_id),
        "field": str(posting.tech_field_id or ""),
        "town": str(posting.town_id or ""),
        "stamp": stamp(posting),
        "title": posting.title,
        "body": posting.description,
        "keywords": keywords,
    }
