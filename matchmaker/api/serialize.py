"""Model → JSON, in the shapes the OpenAPI description (openapi.py) promises."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from matchmaker import policy
from matchmaker.accounts.models import Organization, User
from matchmaker.core.web import public_url
from matchmaker.notifications.models import Notification
from matchmaker.pairings.models import Pairing, PairingMessage
from matchmaker.postings.models import Posting
from matchmaker.postings.queries import Proposal


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
        # as the web page says before one sends interest: nobody there can answer it (居间对接)
        "interest_brokered": not p.organization.has_account,
        "created_at": _time(p.created_at),
        "updated_at": _time(p.updated_at),
        "published_at": _time(p.published_at),
        "url": public_url("postings.detail", posting_id=p.id),
    }
    if not policy.may(viewer, "posting.see_contacts", p):
        data["contact_name"] = data["contact_phone"] = None
    if policy.may(viewer, "posting.see_confidential", p):
        data["confidential_detail"] = p.confidential_detail
    return data


def match(proposal: Proposal) -> dict[str, Any]:
    return {
        "posting": posting_summary(proposal.posting),
        "score": proposal.strength,
        "matched_terms": proposal.matched_terms,
    }


def _contact(org: Organization, posting: Posting | None) -> dict[str, Any]:
    """A party's contact: the posting's own contact where it has one, else the organisation's."""
    return {
        "organization": organization(org),
        "contact_name": (posting.contact_name if posting and posting.contact_name else org.contact_name),
        "contact_phone": (posting.contact_phone if posting and posting.contact_phone else org.contact_phone),
    }


def pairing(p: Pairing, viewer: User, *, full: bool = False) -> dict[str, Any]:
    """A pairing as its parties (and bureau staff) see it; contacts and shared confidential
    detail only once the receiving side has accepted."""
    data: dict[str, Any] = {
        "id": p.id,
        "state": p.state.value,
        "state_label": p.state.label,
        "by_bureau": p.by_bureau,
        "brokered": p.brokered,
        "target_posting": posting_summary(p.target),
        "own_posting": posting_summary(p.own_posting) if p.own_posting else None,
        "initiator": organization(p.initiator_org),
        "receiver": organization(p.target_org),
        "message": p.message,
        "decline_reason": p.decline_reason.value if p.decline_reason else None,
        "decline_note": p.decline_note,
        "fail_reason": p.fail_reason,
        "created_at": _time(p.created_at),
        "answered_at": _time(p.answered_at),
        "last_activity_at": _time(p.last_activity_at),
        "closed_at": _time(p.closed_at),
        "url": public_url("pairings.detail", pairing_id=p.id),
    }
    if not full:
        return data
    data["history"] = [
        {
            "at": _time(e.at),
            "action": e.action,
            "label": e.label,
            "actor": ({"name": e.actor.name, "organization": organization(e.actor.organization)})
            if e.actor
            else None,
            "note": e.note if e.action != "pairing.message" else None,
        }
        for e in reversed(p.history)
    ]
    contacts = None
    if policy.may(viewer, "pairing.see_contacts", p):
        contacts = [_contact(p.target_org, p.target), _contact(p.initiator_org, p.own_posting)]
        shared = []
        if p.share_target_confidential and p.target.confidential_detail:
            shared.append({"posting_id": p.target.id, "confidential_detail": p.target.confidential_detail})
        if p.share_initiator_confidential and p.own_posting and p.own_posting.confidential_detail:
            shared.append(
                {"posting_id": p.own_posting.id, "confidential_detail": p.own_posting.confidential_detail}
            )
        data["shared_confidential"] = shared
    data["contacts"] = contacts
    return data


def pairing_message(m: PairingMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "author": {"name": m.author.name, "organization": organization(m.author.organization)},
        "text": m.text,
        "created_at": _time(m.created_at),
    }


def notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "link": n.link,
        "created_at": _time(n.created_at),
        "read": n.read_at is not None,
    }
