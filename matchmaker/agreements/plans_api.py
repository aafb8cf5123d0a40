"""JSON API v1 for plans: list and create them (a new plan starts from a copy of the previous
one's counting rules and tier targets), read and patch one (its details, or ``status: closed``),
and read and set its targets. Reading is for whoever may read the indicators; writing for bureau
staff. Same services and journal as the web pages."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.agreements import counting
from matchmaker.agreements import plans as service
from matchmaker.agreements.models import Indicator, Plan, PlanStatus
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.pairings.api import body_of, field_error
from matchmaker.taxonomy.models import EnterpriseTier

MAX_TARGETS = 200  # per request: far more than a plan has (indicators × years + tiers)


def plan_summary(plan: Plan) -> dict[str, Any]:
    """A plan without its targets: what lists and other resources embed."""
    return {
        "id": plan.id,
        "name": plan.name,
        "doc_number": plan.doc_number,
        "start_year": plan.start_year,
        "end_year": plan.end_year,
        "period": plan.period,
        "bureaus": plan.bureaus,
        "status": plan.status.value,
        "status_label": plan.status.label,
        "demo": plan.demo,
    }


def targets_json(plan: Plan) -> dict[str, Any]:
    return {
        "targets": [
            {"indicator": t.indicator_code, "period": t.period, "value": t.value}
            for t in sorted(plan.targets, key=lambda t: (t.indicator_code, len(t.period), t.period))
        ],
        "tier_targets": [
            {"tier": t.tier.name, "period": t.period, "value": t.value}
            for t in sorted(plan.tier_targets, key=lambda t: t.tier.position)
        ],
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """A plan with its counting rules and targets."""
    return {
        **plan_summary(plan),
        "rules": [
            {"indicator": r.indicator_code, "agreement_type": r.agreement_type.value, "iur_only": r.iur_only}
            for r in plan.rules
        ],
        **targets_json(plan),
    }


def _may_read() -> None:
    if not current_app.config["DASHBOARD_PUBLIC"]:
        policy.require(api_user(), "dashboard.view")


def _plan_or_404(plan_id: int) -> Plan:
    _may_read()
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise ApiError(404, "没有这个计划。")
    return plan


@bp.get("/plans")
@policy.enforces("dashboard.view")
def list_plans() -> Response:
    """Every plan, the latest first; ``in_force`` names the plan in force today (or null)."""
    _may_read()
    inputs.reject_unknown_params(request.args, frozenset())
    today = counting.plan_in_force()
    return jsonify(
        {"items": [plan_summary(p) for p in counting.plans()], "in_force": today.id if today else None}
    )


def _targets_of(
    body: dict[str, Any], periods: list[str] | None, problems: inputs.Problems
) -> list[tuple[Any, ...]]:
    """[(Indicator | EnterpriseTier, period, value)] from the body's ``targets``/``tier_targets``,
    each item checked (value: an integer 0–100000, or null to remove it)."""
    found: list[tuple[Any, ...]] = []
    for key in ("targets", "tier_targets"):
        items = body.get(key) or []
        if len(items) > MAX_TARGETS:
            problems.add(key, f"最多{MAX_TARGETS}项。")
            continue
        for n, item in enumerate(items):
            where = f"{key}[{n}]"
            names = {"indicator", "period", "value"} if key == "targets" else {"tier", "value"}
            if not isinstance(item, dict) or set(item) - names or "value" not in item:
                problems.add(where, "应为对象：" + "、".join(sorted(names)) + "（value 必填，可为 null）。")
                continue
            value = item["value"]
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= service.MAX_TARGET
            ):
                problems.add(where, f"value 应为0到{service.MAX_TARGET}之间的整数，或 null（删除目标）。")
                continue
            if key == "targets":
                code, period = item.get("indicator"), item.get("period")
                indicator = (
                    db.session.get(Indicator, code) if isinstance(code, str) and len(code) <= 30 else None
                )
                if indicator is None:
                    problems.add(
                        where, "indicator 可选：" + "、".join(i.code for i in counting.indicators()) + "。"
                    )
                elif periods is not None and period not in periods:
                    problems.add(where, "period 可选：" + "、".join(periods) + "。")
                else:
                    found.append((indicator, period, value))
            else:
                name = item.get("tier")
                tier = (
                    inputs.find_term(EnterpriseTier, name, active_only=False)
                    if isinstance(name, str)
                    else None
                )
                if tier is None:
                    problems.add(where, "tier 可选：" + "、".join(inputs.term_names(EnterpriseTier)) + "。")
                else:
                    found.append((tier, None, value))
    return found


def _apply_targets(plan: Plan, found: list[tuple[Any, ...]]) -> None:
    for what, period, value in found:
        if isinstance(what, Indicator):
            service.set_target(plan, what, period, value, actor=api_user())
        else:
            service.set_tier_target(plan, what, value, actor=api_user())


@bp.post("/plans")
@policy.enforces("plans.edit")
@limiter.limit(write_limit, override_defaults=False)
def create_plan() -> tuple[Response, int]:
    """A new plan in force; ``copy_from`` (default: the previous plan) gives its counting rules
    and tier targets to start with; ``targets`` and ``tier_targets`` may be set at once."""
    policy.require(api_user(), "plans.edit")
    inputs.reject_unknown_params(request.args, frozenset())
    body = body_of(
        {
            "name": str,
            "doc_number": str,
            "start_year": int,
            "end_year": int,
            "bureaus": str,
            "demo": bool,
            "copy_from": int,
            "copy": bool,
            "targets": list,
            "tier_targets": list,
        },
        ("name", "start_year", "end_year"),
    )
    problems = inputs.Problems()
    source = None
    if body.get("copy_from") is not None:
        source = db.session.get(Plan, body["copy_from"])
        if source is None:
            problems.add("copy_from", "没有这个计划。")
    details = service.PlanDetails(
        name=body["name"],
        start_year=body["start_year"],
        end_year=body["end_year"],
        doc_number=body.get("doc_number"),
        bureaus=body.get("bureaus"),
        demo=bool(body.get("demo")),
    )
    try:
        service.check_details(details)
    except FieldError as error:
        problems.add(error.field, error.message)
    first, last = body["start_year"], body["end_year"]
    periods = None if problems.errors else [*(str(y) for y in range(first, last + 1)), f"{first}-{last}"]
    found = _targets_of(body, periods, problems)
    problems.raise_if_any(422)
    try:
        plan = service.create_plan(
            details, actor=api_user(), copy_from=source, copy=body.get("copy") is not False
        )
        _apply_targets(plan, found)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(plan_json(plan)), 201


@bp.get("/plans/<int:plan_id>")
@policy.enforces("dashboard.view")
def get_plan(plan_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    return jsonify(plan_json(_plan_or_404(plan_id)))


@bp.patch("/plans/<int:plan_id>")
@policy.enforces("dashboard.view", "plans.edit")
@limiter.limit(write_limit, override_defaults=False)
def patch_plan(plan_id: int) -> Response:
    """Name, 文号, 责任部门 (null: unchanged), or ``status: "closed"`` to close it. The years are
    fixed: the plan's targets are keyed by them."""
    plan = _plan_or_404(plan_id)
    policy.require(api_user(), "plans.edit")
    inputs.reject_unknown_params(request.args, frozenset())
    body = body_of({"name": str, "doc_number": str, "bureaus": str, "status": str})
    status = body.get("status")
    if status is not None and status != PlanStatus.CLOSED.value:
        raise ApiError(422, errors={"status": ["只能改为 closed（结束计划）。"]})
    try:
        service.update_plan(
            plan,
            actor=api_user(),
            name=body.get("name"),
            doc_number=body.get("doc_number"),
            bureaus=body.get("bureaus"),
        )
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    if status == PlanStatus.CLOSED.value and plan.in_force:
        service.close_plan(plan, actor=api_user())
    db.session.commit()
    return jsonify(plan_json(plan))


@bp.get("/plans/<int:plan_id>/targets")
@policy.enforces("dashboard.view")
def get_plan_targets(plan_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    plan = _plan_or_404(plan_id)
    return jsonify({"plan_id": plan.id, "periods": plan.periods, **targets_json(plan)})


@bp.patch("/plans/<int:plan_id>/targets")
@policy.enforces("dashboard.view", "indicators.edit")
@limiter.limit(write_limit, override_defaults=False)
def patch_plan_targets(plan_id: int) -> Response:
    """Set some targets (value null removes one); the others stay. Each change is journaled."""
    plan = _plan_or_404(plan_id)
    policy.require(api_user(), "indicators.edit")
    inputs.reject_unknown_params(request.args, frozenset())
    body = body_of({"targets": list, "tier_targets": list})
    problems = inputs.Problems()
    found = _targets_of(body, plan.periods, problems)
    problems.raise_if_any(422)
    try:
        _apply_targets(plan, found)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify({"plan_id": plan.id, "periods": plan.periods, **targets_json(plan)})
