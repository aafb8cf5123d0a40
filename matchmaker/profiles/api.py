"""JSON API v1 for 一企一册 and the cultivation pool: the same services and policy as the web pages
(a profile's indicators and records only for its own users and bureau staff; the pool for bureau
staff, who alone record tiers, indicator readings and the tiers' targets), with the API's error
rules (400 unknown parameters or a body of the wrong shape, 403 role, 404 not visible, 422 content).
What each route takes and answers is declared in profiles/schemas.py."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from flask import request

from matchmaker import policy
from matchmaker.accounts import queries as accounts
from matchmaker.agreements import counting
from matchmaker.agreements import plans as plan_service
from matchmaker.agreements import queries as agreements
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing
from matchmaker.core import clock
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.extensions import limiter
from matchmaker.profiles import operations as service
from matchmaker.profiles.schemas import (
    MeasureInputSchema,
    PoolQuerySchema,
    PoolSchema,
    PoolTargetInputSchema,
    Profile,
    ProfileSchema,
    TierChangeInputSchema,
)
from matchmaker.taxonomy import queries as taxonomy

if TYPE_CHECKING:
    from matchmaker.accounts.models import Organization
    from matchmaker.agreements.models import Plan
    from matchmaker.taxonomy.models import Town

ORGANIZATION_ID = [{"in": "path", "name": "organization_id", "description": "单位编号。"}]
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
NOT_STAFF = "调用者不是主管部门。"
NO_PROFILE = "单位不存在，或您无权查看其档案。"


def _profile_or_404(organization_id: int) -> Organization:
    org = accounts.organization(organization_id)
    if org is None or not policy.may(api_user(), "profile.view", org):
        raise ApiError(404, NO_PROFILE)
    return org


@bp.get("/organizations/<int:organization_id>/profile", parameters=ORGANIZATION_ID)
@bp.response(200, ProfileSchema, description="单位档案。")
@bp.doc(
    operationId="getProfile",
    summary="一企一册：单位档案",
    description="基本信息、梯度及其认定历史，对所有已登录用户公开（已认证单位）；"
    "研发投入强度、Ⅰ类知识产权等指标（indicators）和对接、协议、活动、揭榜记录的编号"
    "只对本单位和主管部门给出，其他调用者为 null。",
    responses=responds(
        {
            400: "带了不支持的参数。",
            404: "单位不存在，或调用者无权查看其档案（未认证单位仅本单位和主管部门）。",
        }
    ),
)
@policy.enforces("profile.view", "profile.see_records", "profile.see_indicators")
def get_profile(organization_id: int) -> Profile:
    inputs.reject_unknown_params(request.args, frozenset())
    return Profile(_profile_or_404(organization_id), api_user())


@bp.get("/pool")
@bp.response(200, PoolSchema, description="培育库。")
@bp.doc(
    operationId="getPool",
    summary="梯度培育库",
    description="按企业当前梯度统计企业数，对照计划期末（period 年）的梯度目标给出差距；"
    "默认为今天执行中的计划，没有计划覆盖今天时 plan 为 null、没有目标。"
    "每个数字附带其企业名单（count 等于 organizations 的个数）。仅主管部门。",
    responses=responds({400: "参数有误。", 403: NOT_STAFF}),
)
@policy.enforces("pool.view")
@bp.arguments(PoolQuerySchema, location="query")
def get_pool(query: dict[str, Any]) -> dict[str, Any]:
    """The cultivation pool by tier (optionally in one 镇区), each figure with the enterprises behind it."""
    policy.require(api_user(), "pool.view")
    town = None
    if query.get("town") is not None:
        town = taxonomy.town(query["town"], active_only=False)
        if town is None:
            raise ApiError(400, errors={"town": ["没有这个镇区。"]})
    plan = counting.plan_in_force()
    if query.get("plan") is not None:
        plan = _plan(query["plan"], 400)
    return _pool(town, plan)


def _plan(plan_id: int, status: int) -> Plan:
    plan = agreements.plan(plan_id)
    if plan is None:
        raise ApiError(status, errors={"plan": ["没有这个计划。"]})
    return plan


def _pool(town: Town | None, plan: Plan | None) -> dict[str, Any]:
    """The pool against ``plan``'s tier targets (all null without a plan: no plan covers today)."""
    return {
        "period": plan.tier_period if plan else str(clock.today().year),
        "plan": plan,
        "town": town.name if town else None,
        "tiers": [
            {
                "tier": row.tier.name if row.tier else None,
                "target": row.target,
                "count": row.count,
                "gap": row.gap,
                "organizations": service.pool_members(row.tier, town),
            }
            for row in service.pool(town, plan)
        ],
    }


# --- what bureau staff record -------------------------------------------------------------------


def _staff_profile(organization_id: int) -> Organization:
    org = _profile_or_404(organization_id)
    policy.require(api_user(), "profile.edit", org)
    return org


def _staff_first(organization_id: int) -> None:
    """The organisation's 404 and the caller's 403."""
    _staff_profile(organization_id)


def _day(body: dict[str, Any], name: str, problems: inputs.Problems) -> date | None:
    try:
        return date.fromisoformat(body[name])
    except ValueError:
        problems.add(name, "日期应写成 2025-06-30 的形式。")
        return None


STAFF_ERRORS = {400: BAD_BODY, 403: NOT_STAFF, 404: "单位不存在。"}


@bp.post("/organizations/<int:organization_id>/tier-changes", parameters=ORGANIZATION_ID)
@bp.response(201, ProfileSchema, description="单位档案。")
@bp.doc(
    operationId="changeTier",
    summary="记录梯度认定（主管部门）",
    description="企业在某日被认定为某一梯度（tier 为梯度名称；null 表示出库），note 可写文号。"
    "当前梯度取日期最新的一次认定：补录较早的认定只进入历史。返回记录后的档案。",
    responses=responds({**STAFF_ERRORS, 422: "内容未通过校验（不是企业、日期晚于今天等），errors 中说明。"}),
)
@policy.enforces("profile.view", "profile.edit", "profile.see_records", "profile.see_indicators")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_staff_first)
@bp.arguments(TierChangeInputSchema)
def change_tier(body: dict[str, Any], organization_id: int) -> tuple[Profile, int]:
    """An enterprise reached a 梯度 (by name; null: left the pool) on a date (认定, with its 文号)."""
    org = _staff_profile(organization_id)
    problems = inputs.Problems()
    tier = None
    if body.get("tier") is not None:
        tier = taxonomy.tier(body["tier"], active_only=True)
        if tier is None:
            problems.add("tier", "可选：" + "、".join(taxonomy.tier_names()) + "，或 null（出库）。")
    day = _day(body, "effective_on", problems)
    problems.raise_if_any(422)
    with committing():
        service.change_tier(org, tier, day, body.get("note"), actor=api_user())
    return Profile(org, api_user()), 201


@bp.post("/organizations/<int:organization_id>/measures", parameters=ORGANIZATION_ID)
@bp.response(201, ProfileSchema, description="单位档案。")
@bp.doc(
    operationId="recordMeasure",
    summary="录入指标（主管部门）",
    description="企业的研发投入强度（rd_intensity，%）或Ⅰ类知识产权数量（class1_ip，件）截至某日的数值；"
    "同一指标同一日期再次录入即更正。返回录入后的档案。",
    responses=responds({**STAFF_ERRORS, 422: "数值或日期有误，errors 中说明。"}),
)
@policy.enforces("profile.view", "profile.edit", "profile.see_records", "profile.see_indicators")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_staff_first)
@bp.arguments(MeasureInputSchema)
def record_measure(body: dict[str, Any], organization_id: int) -> tuple[Profile, int]:
    """An indicator reading as of a date; a second one for the same day corrects the first."""
    org = _staff_profile(organization_id)
    problems = inputs.Problems()
    day = _day(body, "as_of", problems)
    problems.raise_if_any(422)
    with committing():
        service.record_measure(org, body["kind"], body["value"], day, body.get("note"), actor=api_user())
    return Profile(org, api_user()), 201


def _targets_first() -> None:
    policy.require(api_user(), "pool.targets")
    inputs.reject_unknown_params(request.args, frozenset())


@bp.post("/pool/targets")
@bp.response(200, PoolSchema, description="培育库。")
@bp.doc(
    operationId="setTierTarget",
    summary="设定梯度目标（主管部门）",
    description="某一梯度在计划期末的企业数目标（plan_id 缺省为今天执行中的计划）；"
    "value 为 null 时删除目标。返回设定后的培育库（该计划的）。",
    responses=responds(
        {
            400: "请求体不是 JSON 对象，或含不支持的字段、类型不对，或没有这个计划。",
            403: NOT_STAFF,
            409: "没有执行中的计划，且未给出 plan_id。",
            422: "没有这个梯度，或目标超出范围。",
        }
    ),
)
@policy.enforces("pool.targets")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_targets_first)
@bp.arguments(PoolTargetInputSchema)
def set_tier_target(body: dict[str, Any]) -> dict[str, Any]:
    """A tier's target for the last year of a plan (``plan_id``, default the plan in force today;
    null removes it); answers the pool as it then is."""
    plan = _plan(body["plan_id"], 400) if body.get("plan_id") is not None else counting.plan_in_force()
    tier = taxonomy.tier(body["tier"], active_only=False)
    if tier is None:
        raise ApiError(422, errors={"tier": ["可选：" + "、".join(taxonomy.tier_names()) + "。"]})
    if plan is None:
        raise ApiError(409, "没有执行中的计划：请先新建计划（POST /api/v1/plans），或用 plan_id 指定计划。")
    with committing():
        plan_service.set_tier_target(plan, tier, body.get("value"), actor=api_user())
    return _pool(None, plan)
