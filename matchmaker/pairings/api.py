"""JSON API v1 for the pipeline: pairings (interest, answers, progress, messages). The same services
and policy as the web pages; the same error rules as the rest of the API (400 bad request, 403 not
allowed, 404 not visible, 409 wrong state or changed meanwhile, 422 content that fails a rule, each
with a Chinese message). What each call takes and answers: pairings/schemas.py."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from sqlalchemy import select

from matchmaker import policy
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.extensions import db, limiter
from matchmaker.pairings import operations as service
from matchmaker.pairings.models import Pairing, PairingState
from matchmaker.pairings.schemas import (
    AcceptInputSchema,
    AdvanceInputSchema,
    DeclineInputSchema,
    MessageInputSchema,
    PairingDetailSchema,
    PairingInputSchema,
    PairingMessageSchema,
    PairingMessagesSchema,
    PairingPageSchema,
    PairingQuerySchema,
    Seen,
)
from matchmaker.postings import queries as postings

PAIRING_ID = [{"in": "path", "name": "pairing_id", "description": "对接编号。"}]
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
NOT_VISIBLE = "对接不存在，或调用者无权查看。"
STEP_ERRORS = {
    400: BAD_BODY,
    403: "调用者不能走这一步（如回应自己发出的意向）。",
    404: NOT_VISIBLE,
    409: "当前状态下不能走这一步，或对方/同事刚刚已经操作过。",
    422: "内容未通过校验，errors 中说明。",
}


def _pairing_or_404(pairing_id: int) -> Pairing:
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not policy.may(api_user(), "pairing.view", pairing):
        raise ApiError(404, "对接不存在，或您无权查看。")
    return pairing


def _visible(pairing_id: int) -> None:
    _pairing_or_404(pairing_id)


def _may_list() -> None:
    """Bureau staff list every pairing; others their organisation's."""
    user = api_user()
    if not policy.may(user, "pipeline.view"):
        policy.require(user, "pairings.own")


def _answer(pairing: Pairing) -> Seen:
    db.session.commit()
    return Seen(pairing, api_user())


# --- pairings -------------------------------------------------------------------------------


@bp.post("/pairings")
@bp.response(201, PairingDetailSchema, description="已发送；Location 头为新对接的地址。")
@bp.doc(
    operationId="createPairing",
    summary="表达合作意向",
    description="对调用者可见的、其他单位已发布且未过期的信息表达合作意向，可附上本单位一条已发布的信息"
    "（如“我们的成果 X 能解决贵司的需求”）。调用者单位须已通过认证；同一单位对同一条信息只能表达一次。"
    "对方接受前，双方都看不到对方的联系方式。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不能对这条信息表达意向（本单位的信息、主管部门账号、单位未认证、信息未发布或已过期）。",
            422: "内容未通过校验（信息不存在、附带的不是本单位已发布的信息、已表达过意向、留言为空或过长）。",
        }
    ),
)
@policy.enforces("posting.view", "posting.express_interest", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
@bp.arguments(PairingInputSchema)
def create_pairing(body: dict[str, Any]) -> tuple[Seen, int, dict[str, str]]:
    """Express interest in a posting, optionally attaching one of the caller's own."""
    user = api_user()
    target = postings.by_id(body["target_posting_id"])
    if target is None or not policy.may(user, "posting.view", target):
        raise ApiError(422, errors={"target_posting_id": ["没有这条信息，或您无权查看。"]})
    own = None
    if body.get("own_posting_id") is not None:
        own = postings.by_id(body["own_posting_id"])
        if own is None:
            raise ApiError(422, errors={"own_posting_id": ["只能附上本单位已发布的信息。"]})
    with committing({"own_posting": "own_posting_id"}):
        pairing = service.express_interest(
            target,
            body["message"],
            actor=user,
            own_posting=own,
            share_confidential=bool(body.get("share_confidential")),
        )
    return Seen(pairing, user), 201, {"Location": url_for("api.get_pairing", pairing_id=pairing.id)}


@bp.get("/pairings")
@bp.response(200, PairingPageSchema, description="一页对接。")
@bp.doc(
    operationId="listPairings",
    summary="列出对接",
    description="调用者本单位发出和收到的对接（主管部门：全部），按最近动态倒序。",
    responses=responds({400: "参数有误，errors 中逐项说明。"}),
)
@policy.enforces("pipeline.view", "pairings.own")
@before_body(_may_list)
@bp.arguments(PairingQuerySchema, location="query")
def list_pairings(query: dict[str, Any]) -> dict[str, Any]:
    """The caller's organisation's pairings (all of them for bureau staff), latest activity first."""
    user = api_user()
    pipeline = policy.may(user, "pipeline.view")  # bureau staff: every pairing
    role = query.get("role")
    if role is not None and pipeline:
        raise ApiError(
            400, errors={"role": ["可选：sent（本单位发出的）、received（本单位收到的）；主管部门不适用。"]}
        )
    stmt = select(Pairing).where(policy.pairings_of(user))
    if query.get("state") is not None:
        stmt = stmt.where(Pairing.state == query["state"])
    if role == "sent":
        stmt = stmt.where(Pairing.initiator_org_id == user.organization_id)
    elif role == "received":
        stmt = stmt.where(Pairing.target_org_id == user.organization_id)
    result = db.paginate(
        stmt.order_by(Pairing.last_activity_at.desc(), Pairing.id.desc()),
        page=query["page"],
        per_page=query["per_page"],
        error_out=False,
    )
    return {
        "items": [Seen(p, user) for p in result.items],
        "page": query["page"],
        "per_page": query["per_page"],
        "total": result.total or 0,
    }


@bp.get("/pairings/<int:pairing_id>", parameters=PAIRING_ID)
@bp.response(200, PairingDetailSchema, description="对接详情。")
@bp.doc(
    operationId="getPairing",
    summary="查看一次对接",
    description="状态、双方、进展记录；对方接受后才有联系方式（contacts）和对方提供的保密信息。",
    responses=responds({400: "带了不支持的参数。", 404: "对接不存在，或调用者不是对接双方或主管部门。"}),
)
@policy.enforces("pairing.view", "pairing.see_contacts")
def get_pairing(pairing_id: int) -> Seen:
    inputs.reject_unknown_params(request.args, frozenset())
    return Seen(_pairing_or_404(pairing_id), api_user())


@bp.post("/pairings/<int:pairing_id>/accept", parameters=PAIRING_ID)
@bp.response(200, PairingDetailSchema, description="这一步之后的对接。")
@bp.doc(
    operationId="acceptPairing",
    summary="接受合作意向",
    description="只有收到意向的一方可以接受；接受后双方可以看到彼此的联系方式。"
    "share_confidential=true 时同时向对方提供本信息的保密内容。请求体可省略。",
    requestBody={"required": False, "content": {"application/json": {"schema": AcceptInputSchema}}},
    responses=responds(STEP_ERRORS),
)
@policy.enforces("pairing.view", "pairing.answer", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
def accept_pairing(pairing_id: int) -> Seen:
    pairing = _pairing_or_404(pairing_id)
    body: dict[str, Any] = {}
    if request.get_data():  # the body may be left out
        body = bp.ARGUMENTS_PARSER.parse(AcceptInputSchema(), request, location="json")
    service.accept(pairing, actor=api_user(), share_confidential=bool(body.get("share_confidential")))
    return _answer(pairing)


@bp.post("/pairings/<int:pairing_id>/decline", parameters=PAIRING_ID)
@bp.response(200, PairingDetailSchema, description="这一步之后的对接。")
@bp.doc(
    operationId="declinePairing",
    summary="婉拒合作意向",
    description="只有收到意向的一方可以婉拒，须给出原因；对方会看到原因。婉拒后这两方不会再被互相推荐。",
    responses=responds(STEP_ERRORS),
)
@policy.enforces("pairing.view", "pairing.answer", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_visible)
@bp.arguments(DeclineInputSchema)
def decline_pairing(body: dict[str, Any], pairing_id: int) -> Seen:
    pairing = _pairing_or_404(pairing_id)
    with committing():
        service.decline(pairing, body["reason"], body.get("note"), actor=api_user())
    return Seen(pairing, api_user())


@bp.post("/pairings/<int:pairing_id>/advance", parameters=PAIRING_ID)
@bp.response(200, PairingDetailSchema, description="这一步之后的对接。")
@bp.doc(
    operationId="advancePairing",
    summary="更新对接进展",
    description="contacted=接受（同 accept，仅收到意向的一方）；negotiating=进入洽谈（从已对接）；"
    "failed=未成功（从已对接或洽谈中，须写 reason）。signed 一律拒绝（409）：已签约只能通过登记协议"
    "（POST /agreements 带 pairing_id）产生。对接双方和主管部门可以操作。",
    responses=responds(STEP_ERRORS),
)
@policy.enforces("pairing.view", "pairing.answer", "pairing.advance", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_visible)
@bp.arguments(AdvanceInputSchema)
def advance_pairing(body: dict[str, Any], pairing_id: int) -> Seen:
    """contacted = accept (the receiving side); negotiating, signed, failed (with a reason)."""
    pairing = _pairing_or_404(pairing_id)
    to = PairingState(body["to"])
    with committing():
        if to is PairingState.CONTACTED:
            service.accept(pairing, actor=api_user())
        else:
            service.advance(pairing, to, body.get("reason"), actor=api_user())
    return Seen(pairing, api_user())


@bp.get("/pairings/<int:pairing_id>/messages", parameters=PAIRING_ID)
@bp.response(200, PairingMessagesSchema, description="全部消息。")
@bp.doc(
    operationId="listPairingMessages",
    summary="对接中的消息",
    description="按时间顺序；调用者是对接一方时，同时标为已读。",
    responses=responds({400: "带了不支持的参数。", 404: NOT_VISIBLE}),
)
@policy.enforces("pairing.view", "pairing.message")
def list_messages(pairing_id: int) -> dict[str, Any]:
    inputs.reject_unknown_params(request.args, frozenset())
    pairing = _pairing_or_404(pairing_id)
    user = api_user()
    if policy.may(user, "pairing.message", pairing):
        service.mark_read(pairing, user)
        db.session.commit()
    return {"pairing_id": pairing.id, "items": pairing.messages}


@bp.post("/pairings/<int:pairing_id>/messages", parameters=PAIRING_ID)
@bp.response(201, PairingMessageSchema, description="已发送的消息。")
@bp.doc(
    operationId="postPairingMessage",
    summary="发送消息",
    description="纯文本，最多 2000 字；只有对接双方可以发送，对方婉拒后不能再发。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不是对接双方。",
            404: NOT_VISIBLE,
            409: "对方已婉拒，不能再发消息。",
            422: "消息为空或过长。",
        }
    ),
)
@policy.enforces("pairing.view", "pairing.message")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_visible)
@bp.arguments(MessageInputSchema)
def post_message(body: dict[str, Any], pairing_id: int) -> Any:
    pairing = _pairing_or_404(pairing_id)
    with committing():
        message = service.post_message(pairing, body["text"], actor=api_user())
    return message
