"""JSON API v1 for 一企一册 and the cultivation pool: the same services and policy as the web pages
(a profile's indicators and records only for its own users and bureau staff; the pool for bureau
staff, who alone record tiers, indicator readings and the tiers' targets), with the API's error
rules (400 unknown parameters or a body of the wrong shape, 403 role, 404 not visible, 422 content)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.accounts.models import Organization
from matchmaker.agreements import counting
from matchmaker.agreements import plans as plan_service
from matchmaker.agreements.models import Plan
from matchmaker.agreements.plan_schemas import PlanSummarySchema
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.api.inputs import body_of, field_error
from matchmaker.api.serialize import organization
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.core.web import MAX_ID, public_url
from matchmaker.profiles import operations as service
from matchmaker.profiles.models import Measure, MeasureKind
from matchmaker.taxonomy.models import EnterpriseTier, Town


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
@policy.enforces("profile.view", "profile.see_records", "profile.see_indicators")
def get_profile(organization_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    org = db.session.get(Organization, organization_id)
    if org is None or not policy.may(user, "profile.view", org):
        raise ApiError(404, "单位不存在，或您无权查看其档案。")
    return jsonify(profile_json(org, user))


@bp.get("/pool")
@policy.enforces("pool.view")
def get_pool() -> Response:
    """The cultivation pool by tier (optionally in one 镇区), each figure with the enterprises behind it."""
    policy.require(api_user(), "pool.view")
    inputs.reject_unknown_params(request.args, frozenset({"town", "plan"}))
    town = None
    if "town" in request.args:
        town = inputs.find_term(Town, request.args["town"], active_only=False)
        if town is None:
            raise ApiError(400, errors={"town": ["没有这个镇区。"]})
    plan = counting.plan_in_force()
    if "plan" in request.args:
        plan = _plan_arg(request.args["plan"])
    return _pool_json(town, plan)


def _plan_arg(value: Any) -> Plan:
    plan_id = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        plan_id = int(value)
    plan = db.session.get(Plan, plan_id) if plan_id and 0 < plan_id <= MAX_ID else None
    if plan is None:
        raise ApiError(400, errors={"plan": ["没有这个计划。"]})
    return plan


def _pool_json(town: Town | None, plan: Plan | None) -> Response:
    """The pool against ``plan``'s tier targets (all null without a plan: no plan covers today)."""
    rows = service.pool(town, plan)
    return jsonify(
        {
            "period": plan.tier_period if plan else str(clock.today().year),
            "plan": PlanSummarySchema().dump(plan) if plan else None,
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


# --- what bureau staff record -------------------------------------------------------------------


def _staff_profile(organization_id: int) -> Organization:
    user = api_user()
    org = db.session.get(Organization, organization_id)
    if org is None or not policy.may(user, "profile.view", org):
        raise ApiError(404, "单位不存在，或您无权查看其档案。")
    policy.require(user, "profile.edit", org)
    return org


def _day(body: dict[str, Any], name: str, problems: inputs.Problems) -> date | None:
    try:
        return date.fromisoformat(body[name])
    except ValueError:
        problems.add(name, "日期应写成 2025-06-30 的形式。")
        return None


@bp.post("/organizations/<int:organization_id>/tier-changes")
@policy.enforces("profile.view", "profile.edit", "profile.see_records", "profile.see_indicators")
@limiter.limit(write_limit, override_defaults=False)
def change_tier(organization_id: int) -> tuple[Response, int]:
    """An enterprise reached a 梯度 (by name; null: left the pool) on a date (认定, with its 文号)."""
    org = _staff_profile(organization_id)
    body = body_of({"tier": str, "effective_on": str, "note": str}, ("effective_on",))
    problems = inputs.Problems()
    tier = None
    if body.get("tier") is not None:
        tier = inputs.find_term(EnterpriseTier, body["tier"], active_only=True)
        if tier is None:
            problems.add(
                "tier", "可选：" + "、".join(inputs.term_names(EnterpriseTier)) + "，或 null（出库）。"
            )
    day = _day(body, "effective_on", problems)
    if len(body.get("note") or "") > 200:
        problems.add("note", "说明最多200个字。")
    problems.raise_if_any(422)
    try:
        service.change_tier(org, tier, day, body.get("note"), actor=api_user())
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(profile_json(org, api_user())), 201


@bp.post("/organizations/<int:organization_id>/measures")
@policy.enforces("profile.view", "profile.edit", "profile.see_records", "profile.see_indicators")
@limiter.limit(write_limit, override_defaults=False)
def record_measure(organization_id: int) -> tuple[Response, int]:
    """An indicator reading as of a date; a second one for the same day corrects the first."""
    org = _staff_profile(organization_id)
    body = body_of(
        {"kind": str, "value": (int, float), "as_of": str, "note": str},  # type: ignore[dict-item]
        ("kind", "value", "as_of"),
    )
    problems = inputs.Problems()
    try:
        kind = MeasureKind(body["kind"])
    except ValueError:
        kind = None
        problems.add("kind", "可选：" + "、".join(f"{k.value}（{k.label}）" for k in MeasureKind) + "。")
    day = _day(body, "as_of", problems)
    if len(body.get("note") or "") > 500:
        problems.add("note", "说明最多500个字。")
    problems.raise_if_any(422)
    try:
        service.record_measure(org, kind, body["value"], day, body.get("note"), actor=api_user())  # type: ignore[arg-type]
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(profile_json(org, api_user())), 201


@bp.post("/pool/targets")
@policy.enforces("pool.targets")
@limiter.limit(write_limit, override_defaults=False)
def set_tier_target() -> Response:
    """A tier's target for the last year of a plan (``plan_id``, default the plan in force today;
    null removes it); answers the pool as it then is."""
    policy.require(api_user(), "pool.targets")
    inputs.reject_unknown_params(request.args, frozenset())
    body = body_of({"tier": str, "value": object, "plan_id": int}, ("tier",))
    value = body.get("value")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ApiError(400, errors={"value": ["应为整数，或 null（删除目标）。"]})
    plan = _plan_arg(body["plan_id"]) if body.get("plan_id") is not None else counting.plan_in_force()
    tier = inputs.find_term(EnterpriseTier, body["tier"], active_only=False)
    if tier is None:
        raise ApiError(422, errors={"tier": ["可选：" + "、".join(inputs.term_names(EnterpriseTier)) + "。"]})
    if plan is None:
        raise ApiError(409, "没有执行中的计划：请先新建计划（POST /api/v1/plans），或用 plan_id 指定计划。")
    try:
        plan_service.set_tier_target(plan, tier, value, actor=api_user())
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return _pool_json(None, plan)
