"""Model → JSON, in the shapes the OpenAPI description (openapi.py) promises, for the resources not
yet declared with schemas (postings, pairings and notifications have theirs: <capability>/schemas.py)."""

from __future__ import annotations

from typing import Any

from matchmaker.accounts.models import Organization


def organization(org: Organization) -> dict[str, Any]:
    return {"id": org.id, "name": org.name}
