"""JSON API v1 for results per person and for attribution: the same queries and operation as the
web pages (bureau staff see every row, a specialist their own; bureau staff set who found or
brokered a pairing or an agreement), with the API's error rules. Schemas: result_schemas.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from matchmaker import policy
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.extensions import limiter
from matchmaker.pairings import queries as pairing_queries
from matchmaker.specialists import attribution
from matchmaker.specialists import results as service
from matchmaker.specialists.result_schemas import (
    AttributionInputSchema,
    AttributionSchema,
    RecordsQuerySchema,
    ResultRecordsSchema,
    ResultsQuerySchema,
    ResultsSchema,
)

NOT_ALLOWED = "调用者不是主管部门，也不是服务专员、科技镇长团成员或技术经纪人。"


def _period(query: dict[str, Any]) -> service.Period:
    period, problems = service.parse_period(query.get("first"), query.get("last"))
    if period is None:
        raise ApiError(
            400, errors={{"first": "from", "last": "to"}.get(k, k): [v] for k, v in problems.items()}
        )
    return period


def _viewer_results(period: service.Period) -> service.Results:
    user = api_user()
    if policy.may(user, "results.all"):
        return service.results(period)
    own = service.specialist_of(user)
    policy.require(user, "results.view", own)
    assert own is not None
    return service.results(period, only=own)


def _rows(rows: list[service.Row]) -> list[dict[str, Any]]:
    return [
        {
            "key": str(row.key),
            "name": row.name,
            "detail": row.detail,
            "active": row.active,
            "values": {k: float(v) if isinstance(v, Decimal) else v for k, v in row.values.items()},
        }
        for row in rows
    ]


@bp.get("/specialists/results")
@bp.response(200, ResultsSchema, description="人员业绩。")
@bp.doc(
    operationId="getSpecialistResults",
    summary="人员业绩",
    description="期间内每位服务专员、科技镇长团成员、技术经纪人（specialists），每个科技镇长团（teams）"
    "和每个技术转移服务机构（agencies）的走访企业、走访次数、发现需求、企业确认、已诊断分级、获得推荐或对接、"
    "促成对接、核验协议（按计划进展的计数规则）和技术交易额；配置了 SPECIALIST_REWARD_PERCENT 时另有奖励基数"
    "（本人居间的核验协议技术交易额 × 百分比）。主管部门看全部；专员本人只看自己的一行（teams、agencies 为空）。"
    "每个数字背后的记录见 /specialists/results/records。",
    responses=responds({400: "日期有误，或带了不支持的参数。", 403: NOT_ALLOWED}),
)
@policy.enforces("results.all", "results.view")
@bp.arguments(ResultsQuerySchema, location="query")
def get_results(query: dict[str, Any]) -> dict[str, Any]:
    period = _period(query)
    found = _viewer_results(period)
    return {
        "first": period.first,
        "last": period.last,
        "reward_percent": float(found.reward) if found.reward is not None else None,
        "specialists": _rows(found.tables["specialist"]),
        "teams": _rows(found.tables["team"]),
        "agencies": _rows(found.tables["agency"]),
    }


@bp.get("/specialists/results/records")
@bp.response(200, ResultRecordsSchema, description="一个数字背后的记录。")
@bp.doc(
    operationId="getSpecialistResultRecords",
    summary="人员业绩：一个数字背后的记录",
    description="figure、by、key 指定表中的一格（与 /specialists/results 同一期间），ids 为其记录编号。"
    "专员本人只能查看自己的（by=specialist，key 为本人的专员编号）。",
    responses=responds({400: "参数有误。", 403: NOT_ALLOWED, 404: "没有这一行。"}),
)
@policy.enforces("results.all", "results.view")
@bp.arguments(RecordsQuerySchema, location="query")
def get_result_records(query: dict[str, Any]) -> dict[str, Any]:
    user = api_user()
    code, by, text = query["figure"], query["by"], query["key"].strip()
    key: Any = text
    if by != "team":
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            raise ApiError(404, "没有这一行。")
        key = int(text)
    if by == "specialist":
        specialist = service.specialist(key)
        if specialist is None:
            raise ApiError(404, "没有这位专员。")
        if not policy.may(user, "results.all"):
            policy.require(user, "results.view", specialist)
    else:
        policy.require(user, "results.all")
        if by == "agency" and service.agency(key) is None:
            raise ApiError(404, "没有这个技术转移服务机构。")
    if code == "reward" and service.reward_percent() is None:
        raise ApiError(404, "未设置奖励基数（SPECIALIST_REWARD_PERCENT）。")
    period = _period(query)
    figure = service.BY_FIGURE[code]
    records = service.all_records(code, by, key, period)
    total: Any = len(records)
    if figure.money:
        amount = sum((r.tech_amount or Decimal(0) for r in records), Decimal(0))
        if code == "reward":
            amount = amount * (service.reward_percent() or Decimal(0)) / 100
        total = float(amount.quantize(Decimal("0.01")))
    return {"figure": code, "records": figure.records, "ids": [r.id for r in records], "total": total}


# --- attribution -----------------------------------------------------------------------------------

ATTRIBUTION_ERRORS = {
    400: "请求体不是 JSON 对象，或含不支持的字段、类型不对。",
    403: "调用者不是主管部门。",
    409: "协议已删除，或记录刚刚被其他人修改。",
    422: "所选人员不是在任的专员、没有变化或缺少依据，errors 中说明。",
}


def _attribute(subject: Any, body: dict[str, Any]) -> dict[str, Any]:
    with committing():
        attribution.set_attribution(
            subject,
            found_by_id=body.get("found_by_id", subject.found_by_id),
            brokered_by_id=body.get("brokered_by_id", subject.brokered_by_id),
            note=body["note"],
            actor=api_user(),
        )
    return {
        "id": subject.id,
        "found_by_id": subject.found_by_id,
        "brokered_by_id": subject.brokered_by_id,
        "attribution_note": subject.attribution_note,
    }


def _pairing(pairing_id: int) -> Any:
    pairing = pairing_queries.pairing(pairing_id)
    if pairing is None or not policy.may(api_user(), "pairing.view", pairing):
        raise ApiError(404, "对接不存在，或您无权查看。")
    policy.require(api_user(), "attribution.set", pairing)
    return pairing


def _agreement(agreement_id: int) -> Any:
    agreement = service.agreement(agreement_id)
    if agreement is None or not policy.may(api_user(), "agreement.view", agreement):
        raise ApiError(404, "协议不存在，或您无权查看。")
    policy.require(api_user(), "attribution.set", agreement)
    return agreement


@bp.post(
    "/pairings/<int:pairing_id>/attribution",
    parameters=[{"in": "path", "name": "pairing_id", "description": "对接编号。"}],
)
@bp.response(200, AttributionSchema, description="认定后的发现人和居间人。")
@bp.doc(
    operationId="setPairingAttribution",
    summary="认定对接的发现人、居间人（主管部门）",
    description="对接在平台外发生（电话牵线、未登记的走访）时，主管部门认定谁发现了需求、谁居间促成，须写依据，"
    "记入处理记录。所选用户须是在任的服务专员、科技镇长团成员或技术经纪人。",
    responses=responds({**ATTRIBUTION_ERRORS, 404: "对接不存在，或您无权查看。"}),
)
@policy.enforces("pairing.view", "attribution.set")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_pairing)
@bp.arguments(AttributionInputSchema)
def set_pairing_attribution(body: dict[str, Any], pairing_id: int) -> dict[str, Any]:
    return _attribute(_pairing(pairing_id), body)


@bp.post(
    "/agreements/<int:agreement_id>/attribution",
    parameters=[{"in": "path", "name": "agreement_id", "description": "协议编号。"}],
)
@bp.response(200, AttributionSchema, description="认定后的发现人和居间人。")
@bp.doc(
    operationId="setAgreementAttribution",
    summary="认定协议的发现人、居间人（主管部门）",
    description="协议不是从平台上的对接登记的，或记录不全时，主管部门认定谁发现了需求、谁居间促成，须写依据，"
    "记入处理记录；不改变协议的核验状态。所选用户须是在任的服务专员、科技镇长团成员或技术经纪人。",
    responses=responds({**ATTRIBUTION_ERRORS, 404: "协议不存在，或您无权查看。"}),
)
@policy.enforces("agreement.view", "attribution.set")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_agreement)
@bp.arguments(AttributionInputSchema)
def set_agreement_attribution(body: dict[str, Any], agreement_id: int) -> dict[str, Any]:
    return _attribute(_agreement(agreement_id), body)
