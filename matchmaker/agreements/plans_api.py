"""JSON API v1 for plans: list and create them (a new plan starts from a copy of the previous
one's counting rules and tier targets), read and patch one (its details, or ``status: closed``),
and read and set its targets. Reading is for whoever may read the indicators; writing for bureau
staff. Same services and journal as the web pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request

from matchmaker import policy
from matchmaker.agreements import counting
from matchmaker.agreements import plans as service
from matchmaker.agreements.models import Indicator, Plan, PlanStatus
from matchmaker.agreements.plan_schemas import (
    PlanCreateSchema,
    PlanListSchema,
    PlanPatchSchema,
    PlanSchema,
    PlanTargetsSchema,
    TargetsInputSchema,
)
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing, field_error
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.taxonomy import queries as taxonomy

READERS = "主管部门（开启公开看板时所有令牌）可以查看"
NO_PARAMS = "带了不支持的参数。"
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
NOT_READER = "看板未公开，调用者不是主管部门。"
NOT_STAFF = "调用者不是主管部门。"
NO_PLAN = "计划不存在。"
PLAN_ID = [{"in": "path", "name": "plan_id", "description": "计划编号。"}]  # its schema: the URL's converter


def _may_read() -> None:
    if not current_app.config["DASHBOARD_PUBLIC"]:
        policy.require(api_user(), "dashboard.view")


def _plan_or_404(plan_id: int) -> Plan:
    _may_read()
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise ApiError(404, "没有这个计划。")
    return plan


def _allowed_first(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The plan's 404 and the caller's 403 come before the body is read (as they did before the
    schemas parsed it): goes above ``@bp.arguments``."""

    def check(plan_id: int | None = None) -> None:
        if plan_id is not None:
            _plan_or_404(plan_id)
        policy.require(api_user(), action)
        inputs.reject_unknown_params(request.args, frozenset())

    return before_body(check)


@bp.get("/plans")
@bp.response(200, PlanListSchema, description="计划列表。")
@bp.doc(
    operationId="listPlans",
    summary="培育计划列表",
    description="全部计划，开始年份最新的在前；in_force 为今天（站点时区）执行中的计划编号，"
    f"没有计划覆盖今天时为 null。{READERS}。",
    responses=responds({400: NO_PARAMS, 403: NOT_READER}),
)
@policy.enforces("dashboard.view")
def list_plans() -> dict[str, Any]:
    """Every plan, the latest first; ``in_force`` names the plan in force today (or null)."""
    _may_read()
    inputs.reject_unknown_params(request.args, frozenset())
    today = counting.plan_in_force()
    return {"items": counting.plans(), "in_force": today.id if today else None}


def _targets_of(
    body: dict[str, Any], periods: list[str] | None, problems: inputs.Problems
) -> list[tuple[Any, ...]]:
    """[(Indicator | EnterpriseTier, period, value)] from the body's ``targets``/``tier_targets``
    (their shape already checked by the schema), each indicator, period and tier looked up."""
    found: list[tuple[Any, ...]] = []
    for n, item in enumerate(body.get("targets") or []):
        where, code, period = f"targets[{n}]", item["indicator"], item["period"]
        indicator = db.session.get(Indicator, code) if len(code) <= 30 else None
        if indicator is None:
            problems.add(where, "indicator 可选：" + "、".join(i.code for i in counting.indicators()) + "。")
        elif periods is not None and period not in periods:
            problems.add(where, "period 可选：" + "、".join(periods) + "。")
        else:
            found.append((indicator, period, item["value"]))
    for n, item in enumerate(body.get("tier_targets") or []):
        tier = taxonomy.tier(item["tier"], active_only=False)
        if tier is None:
            problems.add(f"tier_targets[{n}]", "tier 可选：" + "、".join(taxonomy.tier_names()) + "。")
        else:
            found.append((tier, None, item["value"]))
    return found


def _apply_targets(plan: Plan, found: list[tuple[Any, ...]]) -> None:
    for what, period, value in found:
        if isinstance(what, Indicator):
            service.set_target(plan, what, period, value, actor=api_user())
        else:
            service.set_tier_target(plan, what, value, actor=api_user())


@bp.post("/plans")
@bp.response(201, PlanSchema, description="新建的计划。")
@bp.doc(
    operationId="createPlan",
    summary="新建计划（主管部门）",
    description="新计划执行中；计数规则和梯度培育目标复制自 copy_from（默认：开始年份更早的最近一个计划），"
    "copy 为 false 时不复制。可同时设定 targets 和 tier_targets。每项修改都记入操作记录。",
    responses=responds(
        {
            400: BAD_BODY,
            403: NOT_STAFF,
            422: "内容未通过校验（年份、名称、已有相同期间的执行中计划、目标期间等），errors 中说明。",
        }
    ),
)
@policy.enforces("plans.edit")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("plans.edit")
@bp.arguments(PlanCreateSchema)
def create_plan(body: dict[str, Any]) -> Plan:
    """A new plan in force; ``copy_from`` (default: the previous plan) gives its counting rules
    and tier targets to start with; ``targets`` and ``tier_targets`` may be set at once."""
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
    with committing():
        plan = service.create_plan(
            details, actor=api_user(), copy_from=source, copy=body.get("copy") is not False
        )
        _apply_targets(plan, found)
    return plan


@bp.get("/plans/<int:plan_id>", parameters=PLAN_ID)
@bp.response(200, PlanSchema, description="计划。")
@bp.doc(
    operationId="getPlan",
    summary="一个计划",
    description=f"计划信息、计数规则和全部目标。{READERS}。",
    responses=responds({400: NO_PARAMS, 403: NOT_READER, 404: NO_PLAN}),
)
@policy.enforces("dashboard.view")
def get_plan(plan_id: int) -> Plan:
    inputs.reject_unknown_params(request.args, frozenset())
    return _plan_or_404(plan_id)


@bp.patch("/plans/<int:plan_id>", parameters=PLAN_ID)
@bp.response(200, PlanSchema, description="修改后的计划。")
@bp.doc(
    operationId="updatePlan",
    summary="修改计划或结束计划（主管部门）",
    description="只改给出的字段（名称、文号、责任部门）；status 为 closed 时结束计划（仍可查看）。"
    "计划的起止年份不能修改（目标按年份设定）。",
    responses=responds({400: BAD_BODY, 403: NOT_STAFF, 404: NO_PLAN, 422: "内容未通过校验，errors 中说明。"}),
)
@policy.enforces("dashboard.view", "plans.edit")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("plans.edit")
@bp.arguments(PlanPatchSchema)
def patch_plan(body: dict[str, Any], plan_id: int) -> Plan:
    """Name, 文号, 责任部门 (absent: unchanged), or ``status: "closed"`` to close it. The years
    are fixed: the plan's targets are keyed by them."""
    plan = _plan_or_404(plan_id)
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
    if body.get("status") == PlanStatus.CLOSED.value and plan.in_force:
        service.close_plan(plan, actor=api_user())
    db.session.commit()
    return plan


@bp.get("/plans/<int:plan_id>/targets", parameters=PLAN_ID)
@bp.response(200, PlanTargetsSchema, description="目标。")
@bp.doc(
    operationId="getPlanTargets",
    summary="计划的目标",
    description=f"各指标按年度和计划期的目标，以及梯度培育目标；periods 为可设定目标的期间。{READERS}。",
    responses=responds({400: NO_PARAMS, 403: NOT_READER, 404: NO_PLAN}),
)
@policy.enforces("dashboard.view")
def get_plan_targets(plan_id: int) -> Plan:
    inputs.reject_unknown_params(request.args, frozenset())
    return _plan_or_404(plan_id)


@bp.patch("/plans/<int:plan_id>/targets", parameters=PLAN_ID)
@bp.response(200, PlanTargetsSchema, description="设定后的目标。")
@bp.doc(
    operationId="setPlanTargets",
    summary="设定计划的目标（主管部门）",
    description="设定给出的目标（value 为 null 删除），其余不变；每项修改都记入操作记录。",
    responses=responds(
        {400: BAD_BODY, 403: NOT_STAFF, 404: NO_PLAN, 422: "指标、期间、梯度或目标数有误，errors 中说明。"}
    ),
)
@policy.enforces("dashboard.view", "indicators.edit")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("indicators.edit")
@bp.arguments(TargetsInputSchema)
def patch_plan_targets(body: dict[str, Any], plan_id: int) -> Plan:
    """Set some targets (value null removes one); the others stay. Each change is journaled."""
    plan = _plan_or_404(plan_id)
    problems = inputs.Problems()
    found = _targets_of(body, plan.periods, problems)
    problems.raise_if_any(422)
    with committing():
        _apply_targets(plan, found)
    return plan
