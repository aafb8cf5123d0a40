"""Model → JSON, in the shapes the OpenAPI description (openapi.py) promises."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from matchmaker import policy
from matchmaker.models import Organization, Posting, User
from matchmaker.postings.queries import Proposal
from matchmaker.web import public_url


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def organization(org: Organization) -> dict[str, Any]:
    return {"id": org.id, "name": org.name}


def posting_summary(posting: Posting) -> dict[str, Any]:
    return {
        "id": posting.id,
        "kind": posting.kind.value,
        "title": posting.title,
        "organization": organization(posting.organization),
    }


def posting(p: Posting, viewer: User) -> dict[str, Any]:
    """Everything the web page shows this viewer (the confidential part only to owner and bureau)."""
    data = {
        **posting_summary(p),
        "status": p.status.value,
        "expired": p.is_expired,
        "description": p.description,
        "keywords": list(p.keywords or []),
        "field": p.tech_field.name if p.tech_field else None,
        "town": p.town.name if p.town else None,
        "industry_chain": p.industry_chain,
        "budget": float(p.budget) if p.budget is not None else None,
        "valid_until": _date(p.valid_until),
        "cooperation_modes": list(p.cooperation_modes or []),
        "maturity": p.maturity.value if p.maturity else None,
        "ip_status": p.ip_status.value if p.ip_status else None,
        "ip_detail": p.ip_detail,
        "contact_name": p.contact_name,
        "contact_phone": p.contact_phone,
        "visibility": p.visibility.value,
        "created_at": _time(p.created_at),
        "updated_at": _time(p.updated_at),
        "published_at": _time(p.published_at),
        "url": public_url("postings.detail", posting_id=p.id),
    }
    if policy.may(viewer, "posting.see_confidential", p):
        data["confidential_detail"] = p.confidential_detail
    return data


def match(proposal: Proposal) -> dict[str, Any]:
    return {
        "posting": posting_summary(proposal.posting),
        "score": proposal.strength,
        "matched_terms": proposal.matched_terms,
    }
