"""JSON API v1 for follow-ups (回访): the caller's organisation's questions and answering one (each
side its own, at most once: a second answer is a 409 naming the first), and for bureau staff every
question with filters and the figures (rate by month, what the answers found, overdue). The same
services and policy as the pages; what each route takes and answers is in followups/schemas.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from matchmaker import policy
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.extensions import db, limiter
from matchmaker.followups import operations as service
from matchmaker.followups import queries
from matchmaker.followups.models import FollowUp
from matchmaker.followups.schemas import (
    FollowUpAnswerInputSchema,
    FollowUpFiguresQuerySchema,
    FollowUpFiguresSchema,
    FollowUpPageSchema,
    FollowUpQuerySchema,
    FollowUpSchema,
    FollowUpStaffQuerySchema,
)

FOLLOWUP_ID = [{"in": "path", "name": "followup_id", "description": "回访编号。"}]
NOT_PARTY = "调用者不是企业或高校院所用户。"
NOT_STAFF = "调用者不是主管部门。"
NO_FOLLOWUP = "回访不存在，或不是调用者单位的。"


def _own() -> None:
    policy.require(api_user(), "followups.own")


def _staff() -> None:
    policy.require(api_user(), "followups.staff")


def _page(stmt: Any, query: dict[str, Any]) -> dict[str, Any]:
    result = db.paginate(stmt, page=query["page"], per_page=query["per_page"], error_out=False)
    return {
        "items": result.items,
        "page": query["page"],
        "per_page": query["per_page"],
        "total": result.total or 0,
    }


@bp.get("/followups")
@bp.response(200, FollowUpPageSchema, description="一页回访。")
@bp.doc(
    operationId="listMyFollowUps",
    summary="我的回访",
    description="调用者单位收到的回访（对接被接受后若干个月发出，双方各一份），待回答的在前。",
    responses=responds({400: "参数有误。", 403: NOT_PARTY}),
)
@policy.enforces("followups.own")
@before_body(_own)
@bp.arguments(FollowUpQuerySchema, location="query")
def list_my_followups(query: dict[str, Any]) -> dict[str, Any]:
    user = api_user()
    policy.require(user, "followups.own")
    stmt = (
        select(FollowUp)
        .where(policy.followups_of(user))
        .order_by(FollowUp.answered_at.is_not(None), FollowUp.asked_on.desc(), FollowUp.id.desc())
    )
    return _page(stmt, query)


def _followup_or_404(followup_id: int) -> FollowUp:
    followup = queries.followup(followup_id)
    if followup is None or not policy.may(api_user(), "followup.view", followup):
        raise ApiError(404, NO_FOLLOWUP)
    return followup


def _answerable(followup_id: int) -> None:
    policy.require(api_user(), "followup.answer", _followup_or_404(followup_id))


@bp.post("/followups/<int:followup_id>/answer", parameters=FOLLOWUP_ID)
@bp.response(200, FollowUpSchema, description="回答后的回访。")
@bp.doc(
    operationId="answerFollowUp",
    summary="回答回访",
    description="被回访单位回答本单位的一份：negotiating 仍在洽谈、signed 已签约、no_progress 暂无进展、"
    "ended 已终止（reason 必填）。每份只回答一次。回答 signed 不计入任何统计：返回的 agreement_form "
    "是按对接预填的登记协议页面，协议须登记（POST /agreements，pairing_id 为该对接）并经核验后才计入。",
    responses=responds(
        {
            400: "请求体不是 JSON 对象，或含不支持的字段、类型不对。",
            403: "调用者不是被回访的单位（对方单位回答它自己的那一份）。",
            404: NO_FOLLOWUP,
            409: "这份回访已经回答过了（同事或本人先回答），message 中说明谁回答了什么。",
            422: "内容未通过校验（已终止须写明原因等），errors 中说明。",
        }
    ),
)
@policy.enforces("followup.view", "followup.answer")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_answerable)
@bp.arguments(FollowUpAnswerInputSchema)
def answer_followup(body: dict[str, Any], followup_id: int) -> FollowUp:
    followup = _followup_or_404(followup_id)
    with committing():
        service.answer(followup, body["answer"], body.get("reason"), actor=api_user())
    return followup


@bp.get("/followups/all")
@bp.response(200, FollowUpPageSchema, description="一页回访。")
@bp.doc(
    operationId="listFollowUps",
    summary="全部回访（主管部门）",
    description="按发出日期、回答或状态筛选的全部回访，新的在前：回访统计每个数字背后的记录。",
    responses=responds({400: "参数有误。", 403: NOT_STAFF}),
)
@policy.enforces("followups.staff")
@before_body(_staff)
@bp.arguments(FollowUpStaffQuerySchema, location="query")
def list_followups(query: dict[str, Any]) -> dict[str, Any]:
    _staff()
    span = queries.Span(query.get("since"), query.get("until"))
    return _page(queries.select_listing(span, answer=query.get("answer"), state=query.get("state")), query)


@bp.get("/followups/figures")
@bp.response(200, FollowUpFiguresSchema, description="回访统计。")
@bp.doc(
    operationId="getFollowUpFigures",
    summary="回访统计（主管部门）",
    description="按发出日期（默认今年）统计：已发出、已回答与回答率（总计和按月），各回答的份数，待回答和逾期未答的份数。",
    responses=responds({400: "参数有误。", 403: NOT_STAFF}),
)
@policy.enforces("followups.staff")
@before_body(_staff)
@bp.arguments(FollowUpFiguresQuerySchema, location="query")
def followup_figures(query: dict[str, Any]) -> queries.Figures:
    _staff()
    if "since" not in query and "until" not in query:
        span = queries.default_span()
    else:
        span = queries.Span(query.get("since"), query.get("until"))
    return queries.figures(span)
