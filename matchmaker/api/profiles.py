"""JSON API v1 for 一企一册 and the cultivation pool: the same services and policy as the web pages
(a profile's indicators and records only for its own users and bureau staff; the pool for bureau
staff), with the API's error rules (400 unknown parameters, 403 role, 404 not visible)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp
from matchmaker.api.errors import ApiError
from matchmaker.api.serialize import organization
from matchmaker.extensions import db
from matchmaker.models import Measure, MeasureKind, Organization, Town
from matchmaker.services import profiles as service
from matchmaker.web import public_url


def _reading(m: Measure) -> dict[str, Any]:
    return {"value": float(m.value), "as_of": m.as_of.isoformat(), "note": m.note}


def profile_json(org: Organization, viewer: Any) -> dict[str, Any]:
    """Basic data for every member who may see the profile; indicators and records (null
    otherwise) for its own users and bureau staff, as on the web page."""
    records = service.records(org, viewer)
    full = policy.may(viewer, "profile.see_records", org)
    indicators = None
    if policy.may(viewer, "profile.see_indicators", org):
        readings = service.readings(org)
        indicators = {
            kind.value: {
                "name": kind.label,
                "unit": kind.unit,
                "latest": _reading(readings[kind][0]) if readings[kind] else None,
                "history": [_reading(m) for m in readings[kind]],
            }
            for kind in MeasureKind
        }
    return {
        "id": org.id,
        "name": org.name,
        "type": org.type.value,
        "status": org.status.value,
        "credit_code": org.credit_code,
        "town": org.town.name if org.town else None,
        "tier": org.tier.name if org.tier else None,
        "tier_history": [
            {
                "tier": h.tier.name if h.tier else None,
                "effective_on": h.effective_on.isoformat(),
                "note": h.note,
            }
            for h in service.tier_history(org)
        ],
        "indicators": indicators,
        "posting_ids": [p.id for p in records.postings],
        "pairing_ids": [p.id for p in records.pairings] if full else None,
        "agreement_ids": [a.id for a in records.agreements] if full else None,
        "event_ids": [r.event_id for r in records.registrations] if full else None,
        "call_ids": [c.id for c in records.calls] if full else None,
        "call_proposal_ids": [p.id for p in records.proposals] if full else None,
        "url": public_url("profiles.detail", org_id=org.id),
    }


@bp.get("/organizations/<int:organization_id>/profile")
def get_profile(organization_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    org = db.session.get(Organization, organization_id)
    if org is None or not policy.may(user, "profile.view", org):
        raise ApiError(404, "单位不存在，或您无权查看其档案。")
    return jsonify(profile_json(org, user))


@bp.get("/pool")
def get_pool() -> Response:
    """The cultivation pool by tier (optionally in one 镇区), each figure with the enterprises behind it."""
    policy.require(api_user(), "pool.view")
    inputs.reject_unknown_params(request.args, frozenset({"town"}))
    town = None
    if "town" in request.args:
        town = inputs.find_term(Town, request.args["town"], active_only=False)
        if town is None:
            raise ApiError(400, errors={"town": ["没有这个镇区。"]})
    rows = service.pool(town)
    return jsonify(
        {
            "period": service.PLAN_PERIOD,
            "town": town.name if town else None,
            "tiers": [
                {
                    "tier": row.tier.name if row.tier else None,
                    "target": row.target,
                    "count": row.count,
                    "gap": row.gap,
                    "organizations": [organization(o) for o in service.pool_members(row.tier, town)],
                }
                for row in rows
            ],
        }
    )
