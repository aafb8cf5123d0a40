"""JSON API v1 for 揭榜挂帅: read the calls the caller may see and the proposals it may read; publish,
approve, cancel a call and invite bidders from the matching; submit, change and withdraw a proposal;
score and select (the same services, policy and deadline as the web forms). What each route takes and
answers is declared in calls/schemas.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import request, url_for
from sqlalchemy import select

from matchmaker import policy, search
from matchmaker.accounts import queries as accounts
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing
from matchmaker.calls import candidates as call_candidates
from matchmaker.calls import operations as service
from matchmaker.calls.models import CallProposal, CallStatus, ChallengeCall
from matchmaker.calls.schemas import (
    Awarded,
    AwardInputSchema,
    CallCancelInputSchema,
    CallCandidatesSchema,
    CallInputSchema,
    CallInvitedSchema,
    CallPageSchema,
    CallQuerySchema,
    CallSchema,
    EmptySchema,
    InvitationInputSchema,
    ProposalInputSchema,
    ProposalListSchema,
    ProposalPatchSchema,
    ProposalSchema,
    ScoresInputSchema,
    Seen,
)
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.extensions import db, limiter
from matchmaker.postings import queries as postings

CALL_ID = [{"in": "path", "name": "call_id", "description": "榜单编号。"}]  # its schema: the URL's converter
PROPOSAL_ID = [*CALL_ID, {"in": "path", "name": "proposal_id", "description": "方案编号。"}]
NO_PARAMS = "带了不支持的参数。"
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
NO_CALL = "榜单不存在，或调用者无权查看。"
STEP = {
    400: BAD_BODY,
    403: "调用者不能走这一步。",
    404: "榜单或方案不存在，或调用者无权查看。",
    422: "内容未通过校验，errors 中说明。",
}


def _call_or_404(call_id: int) -> ChallengeCall:
    call = db.session.get(ChallengeCall, call_id)
    if call is None or not policy.may(api_user(), "call.view", call):
        raise ApiError(404, "榜单不存在，或您无权查看。")
    return call


def _proposal_or_404(call: ChallengeCall, proposal_id: int) -> CallProposal:
    proposal = db.session.get(CallProposal, proposal_id)
    if (
        proposal is None
        or proposal.call_id != call.id
        or not policy.may(api_user(), "proposal.view", proposal)
    ):
        raise ApiError(404, "方案不存在，或您无权查看。")
    return proposal


def _may(action: str) -> Callable[..., None]:
    """The call (and the proposal) visible, then ``action`` allowed on the last of them."""

    def check(call_id: int, proposal_id: int | None = None) -> None:
        call = _call_or_404(call_id)
        target = call if proposal_id is None else _proposal_or_404(call, proposal_id)
        policy.require(api_user(), action, target)

    return check


def _no_body() -> None:
    """A step whose body may be left out, or be ``{}``."""
    if request.get_data():
        bp.ARGUMENTS_PARSER.parse(EmptySchema(), location="json")


@bp.get("/calls")
@bp.response(200, CallPageSchema, description="一页榜单。")
@bp.doc(
    operationId="listCalls",
    summary="列出揭榜挂帅榜单",
    description="揭榜中和已揭榜的榜单，加上调用者本企业的全部榜单（主管部门：全部），按截止日期倒序。",
    responses=responds({400: "参数有误。"}),
)
@policy.enforces("call.view")
@bp.arguments(CallQuerySchema, location="query")
def list_calls(query: dict[str, Any]) -> dict[str, Any]:
    user = api_user()
    page, per_page = query["page"], query["per_page"]
    stmt = select(ChallengeCall).where(policy.listed_calls(user))
    if query.get("status") is not None:
        stmt = stmt.where(ChallengeCall.status == query["status"])
    stmt = stmt.order_by(ChallengeCall.deadline.desc(), ChallengeCall.id.desc())
    total = db.session.scalar(select(db.func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return {
        "items": [c for c in items if policy.may(user, "call.view", c)],  # listed_calls' rule
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@bp.get("/calls/<int:call_id>", parameters=CALL_ID)
@bp.response(200, CallSchema, description="榜单详情。")
@bp.doc(
    operationId="getCall",
    summary="查看一个榜单",
    responses=responds(
        {
            400: NO_PARAMS,
            404: "榜单不存在，或调用者无权查看（待审批、已撤销的榜单只对发榜企业和主管部门可见）。",
        }
    ),
)
@policy.enforces("call.view")
def get_call(call_id: int) -> ChallengeCall:
    inputs.reject_unknown_params(request.args, frozenset())
    return _call_or_404(call_id)


@bp.get("/calls/<int:call_id>/proposals", parameters=CALL_ID)
@bp.response(200, ProposalListSchema, description="方案列表。")
@bp.doc(
    operationId="listCallProposals",
    summary="榜单的方案",
    description="调用者可见的方案：高校院所只看到本单位的，揭榜（公布评选结果）前不含得分和评审人数，"
    "揭榜后含本单位方案的加权总分；发榜企业和主管部门看到全部，含加权总分和评审人数。",
    responses=responds({400: NO_PARAMS, 404: NO_CALL}),
)
@policy.enforces("call.view")
def list_proposals(call_id: int) -> dict[str, Any]:
    """The proposals of the call the caller may read (its own organisation's, without scores until
    the award; all, with scores, for the calling enterprise and bureau staff)."""
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    call = _call_or_404(call_id)
    items = db.session.scalars(
        select(CallProposal)
        .where(CallProposal.call_id == call.id, policy.proposals_of(user))
        .order_by(CallProposal.id)
    )
    return {"items": [Seen(p, user) for p in items]}


@bp.post("/calls/<int:call_id>/proposals", parameters=CALL_ID)
@bp.response(201, ProposalSchema, description="已提交。")
@bp.doc(
    operationId="createCallProposal",
    summary="揭榜：提交方案",
    description="通过认证的高校院所在截止日当天结束前提交方案，每个单位一份（上传附件在网页上进行）。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不是通过认证的高校院所。",
            404: NO_CALL,
            409: "榜单不在征集中，或已过截止日期。",
            422: "内容未通过校验，或本单位已提交过方案；errors 中说明。",
        }
    ),
)
@policy.enforces("call.view", "call.propose")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may("call.propose"))
@bp.arguments(ProposalInputSchema)
def create_proposal(body: dict[str, Any], call_id: int) -> tuple[Seen, int, dict[str, str]]:
    user = api_user()
    call = _call_or_404(call_id)
    details = service.ProposalDetails(
        body["approach"], body["team"], body["schedule"], Decimal(str(body["price"]))
    )
    if found := details.problems():
        raise ApiError(422, errors={k: [v] for k, v in found.items()})
    with committing():
        proposal = service.submit_proposal(call, details, actor=user)
    return Seen(proposal, user), 201, {"Location": url_for("api.list_proposals", call_id=call.id)}


def _step(operation_id: str, summary: str, description: str, conflict: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "responses": responds({**STEP, 409: conflict}),
    }


@bp.post("/calls/<int:call_id>/approve", parameters=CALL_ID)
@bp.response(200, CallSchema, description="这一步之后的状态。")
@bp.doc(
    **_step(
        "approveCall",
        "批准榜单（主管部门）",
        "企业提出的榜单经主管部门批准后开始征集方案。请求体可省略。",
        "榜单不在待审批状态，或截止日期已过。",
    )
)
@policy.enforces("call.view", "call.approve")
@limiter.limit(write_limit, override_defaults=False)
def approve_call(call_id: int) -> ChallengeCall:
    """Bureau staff approve a call an enterprise proposed: it opens for proposals."""
    _may("call.approve")(call_id)
    call = _call_or_404(call_id)
    _no_body()
    service.approve_call(call, actor=api_user())
    db.session.commit()
    return call


@bp.post("/calls/<int:call_id>/proposals/<int:proposal_id>/withdraw", parameters=PROPOSAL_ID)
@bp.response(200, ProposalSchema, description="这一步之后的状态。")
@bp.doc(
    **_step(
        "withdrawCallProposal",
        "撤回方案",
        "提交方案的单位在截止日当天结束前撤回；之后可以重新提交。请求体可省略。",
        "已过截止日期，或方案已撤回、已评选。",
    )
)
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@limiter.limit(write_limit, override_defaults=False)
def withdraw_proposal(call_id: int, proposal_id: int) -> Seen:
    user = api_user()
    _may("proposal.edit")(call_id, proposal_id)
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    _no_body()
    service.withdraw_proposal(proposal, actor=user)
    db.session.commit()
    return Seen(proposal, user)


def _scorable(call_id: int, proposal_id: int) -> None:
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    service.ensure_scorable(proposal, api_user())  # a reviewer, after the deadline day: 403 / 409 first


@bp.post("/calls/<int:call_id>/proposals/<int:proposal_id>/scores", parameters=PROPOSAL_ID)
@bp.response(200, ProposalSchema, description="这一步之后的状态。")
@bp.doc(
    **_step(
        "scoreCallProposal",
        "评审打分",
        "截止日当天结束（网站时区的午夜）后，主管部门或发榜企业的评审人为每项评审标准打 0–100 分；"
        "再次打分替换本人此前的分数。截止前打分回应 409。",
        "尚未截止（截止日当天结束后才能评分），或榜单已揭榜、已撤销，或方案已撤回。",
    )
)
@policy.enforces("call.view", "proposal.view", "proposal.score")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_scorable)
@bp.arguments(ScoresInputSchema)
def score_proposal(body: dict[str, Any], call_id: int, proposal_id: int) -> Seen:
    """A reviewer's 0–100 on every criterion: ``{"scores": [{"criterion_id", "score"}, …]}``."""
    user = api_user()
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    scores = {item["criterion_id"]: item["score"] for item in body["scores"]}
    with committing():
        service.score(proposal, scores, actor=user)
    return Seen(proposal, user)


@bp.post("/calls/<int:call_id>/award", parameters=CALL_ID)
@bp.response(200, CallSchema, description="这一步之后的状态。")
@bp.doc(
    **_step(
        "awardCall",
        "揭榜：选定方案",
        "截止后由主管部门或发榜企业选定一份方案并写明理由；所有揭榜单位收到结果和理由，"
        "入选单位与发榜企业之间形成“已对接”的对接（pairing_id），之后可登记协议。",
        "尚未截止、已揭榜或已撤销，或所选方案不是已提交状态。",
    )
)
@policy.enforces("call.view", "call.award")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may("call.award"))
@bp.arguments(AwardInputSchema)
def award_call(body: dict[str, Any], call_id: int) -> Awarded:
    """揭榜 after the deadline: ``{"proposal_id", "reason"}``; every proposer is notified and a pairing
    (已对接) with the selected organisation follows."""
    call = _call_or_404(call_id)
    proposal = db.session.get(CallProposal, body["proposal_id"])
    if proposal is None or proposal.call_id != call.id:
        raise ApiError(422, errors={"proposal_id": ["不是本榜单的方案。"]})
    pairing = service.award(call, proposal, body["reason"], actor=api_user())
    db.session.commit()
    return Awarded(call, pairing.id)


# --- publishing and running calls ------------------------------------------------------------


def _call_details(body: dict[str, Any], user: Any) -> service.CallDetails:
    """The body as a call; needs by id (published R&D needs of one enterprise — the caller's own
    unless bureau staff), criteria as ``[{"name", "weight"}]`` or the usual four when left out."""
    problems = inputs.Problems()
    criteria: list[tuple[str, int]] = list(service.DEFAULT_CRITERIA)
    if body.get("criteria") is not None:
        criteria = [(r["name"], r["weight"]) for r in body["criteria"]]
    # The needs the web form offers: published R&D needs, the caller's own unless bureau staff. Any
    # other id gets the same answer, whether it is missing, a draft or someone else's hidden need.
    wanted = list(dict.fromkeys(body["need_ids"]))
    by_id = postings.published_rd_needs(wanted, None if policy.is_bureau(user) else user.organization_id)
    needs = [by_id[i] for i in wanted if i in by_id]
    if len(needs) < len(wanted):
        problems.add(
            "need_ids",
            "只能选择已发布的研发需求。" if policy.is_bureau(user) else "只能用本单位发布的研发需求发榜。",
        )
    details = service.CallDetails(
        title=body["title"],
        problem=body["problem"],
        deliverables=body["deliverables"],
        budget=Decimal(str(body["budget"])),
        deadline=date.fromisoformat(body["deadline"]),
        eligibility=body["eligibility"],
        needs=needs,
        criteria=criteria,
    )
    for name, message in details.problems().items():  # every rule broken, in one answer
        key = "need_ids" if name == "needs" else name
        if key not in problems.errors:
            problems.add(key, message)
    problems.raise_if_any(422)
    return details


def _may_create() -> None:
    policy.require(api_user(), "call.create")


@bp.post("/calls")
@bp.response(201, CallSchema, description="已发榜（open）或待批准（pending）。")
@bp.doc(
    operationId="createCall",
    summary="发榜",
    description="由一条或多条同一企业已发布的研发需求发榜。主管部门发布的榜单立即征集方案；"
    "企业用本单位的需求发榜，经主管部门批准后公开。criteria 省略时为四项常用评审标准（权重合计100）。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不能发榜（高校院所、单位未认证）。",
            422: "内容未通过校验，errors 中说明。",
        }
    ),
)
@policy.enforces("call.create")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may_create)
@bp.arguments(CallInputSchema)
def create_call(body: dict[str, Any]) -> tuple[ChallengeCall, int, dict[str, str]]:
    """Bureau staff publish a call at once (open); an enterprise's own call waits for approval."""
    user = api_user()
    details = _call_details(body, user)
    with committing({"needs": "need_ids"}):
        call = service.create_call(details, actor=user)
    return call, 201, {"Location": url_for("api.get_call", call_id=call.id)}


def _cancellable(call_id: int) -> None:
    _may("call.cancel")(call_id)
    call = _call_or_404(call_id)
    if call.status not in (CallStatus.PENDING, CallStatus.OPEN):
        raise ApiError(409, f"“{call.status.label}”的榜单不能撤销。")


@bp.post("/calls/<int:call_id>/cancel", parameters=CALL_ID)
@bp.response(200, CallSchema, description="这一步之后的状态。")
@bp.doc(
    **_step(
        "cancelCall",
        "撤销榜单",
        "主管部门或发榜企业撤销待审批、征集中的榜单，须写明原因；已提交方案的单位收到通知。",
        "榜单已揭榜或已撤销。",
    )
)
@policy.enforces("call.view", "call.cancel")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_cancellable)
@bp.arguments(CallCancelInputSchema)
def cancel_call(body: dict[str, Any], call_id: int) -> ChallengeCall:
    """Withdraw a pending or open call with a reason; the proposers are told."""
    call = _call_or_404(call_id)
    low, high = service.CANCEL_REASON_LENGTH
    if not low <= len(body["reason"].strip()) <= high:
        raise ApiError(422, errors={"reason": [service.CANCEL_REASON_PROBLEM.format(min=low, max=high)]})
    service.cancel_call(call, body["reason"], actor=api_user())
    db.session.commit()
    return call


@bp.get("/calls/<int:call_id>/candidates", parameters=CALL_ID)
@bp.response(200, CallCandidatesSchema, description="推荐名单。")
@bp.doc(
    operationId="listCallCandidates",
    summary="适合揭榜的高校院所（主管部门）",
    description="研发成果与榜单需求匹配的高校院所，附匹配的成果、匹配度和共同词，以及是否已邀请；"
    "榜单不再征集方案时为空。",
    responses=responds(
        {
            400: NO_PARAMS,
            403: "调用者不是主管部门。",
            404: NO_CALL,
            503: "推荐暂时不可用（索引故障，已记录）。",
        }
    ),
)
@policy.enforces("call.view", "call.invite")
def list_call_candidates(call_id: int) -> dict[str, Any]:
    """Universities and institutes whose outcomes fit the call's needs, with the evidence (staff)."""
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    call = _call_or_404(call_id)
    policy.require(user, "call.invite", call)
    try:
        found = call_candidates.candidates(call, user) if call.accepting else []
    except search.SearchUnavailable:
        raise ApiError(503, "推荐暂时不可用，请稍后再试。") from None
    invited = service.invited(call)
    return {
        "items": [
            {
                "organization": org,
                "invited": org.id in invited,
                "outcomes": [
                    {
                        "posting_id": p.posting.id,
                        "title": p.posting.title,
                        "strength": p.strength,
                        "matched_terms": list(p.matched_terms[:10]),
                    }
                    for p in proposals
                ],
            }
            for org, proposals in found
        ]
    }


@bp.post("/calls/<int:call_id>/invitations", parameters=CALL_ID)
@bp.response(200, CallInvitedSchema, description="这一步之后的状态。")
@bp.doc(
    **_step(
        "inviteToCall",
        "邀请高校院所揭榜（主管部门）",
        "被邀请单位的用户收到通知；返回已邀请的全部单位编号。",
        "榜单不再征集方案（对方不是通过认证的高校院所时为 422）。",
    )
)
@policy.enforces("call.view", "call.invite")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may("call.invite"))
@bp.arguments(InvitationInputSchema)
def invite_to_call(body: dict[str, Any], call_id: int) -> dict[str, Any]:
    """Invite a university or institute to propose; its users are notified."""
    call = _call_or_404(call_id)
    org = accounts.organization(body["organization_id"])
    if org is None:
        raise ApiError(422, errors={"organization_id": ["单位不存在。"]})
    with committing({"organization": "organization_id"}):
        service.invite(call, org, actor=api_user())  # once: inviting again changes nothing
    return {"invited": sorted(service.invited(call))}


def _editable(call_id: int, proposal_id: int) -> None:
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    service.ensure_editable(proposal, api_user())  # its author, before the deadline: 403 / 409 first


@bp.patch("/calls/<int:call_id>/proposals/<int:proposal_id>", parameters=PROPOSAL_ID)
@bp.response(200, ProposalSchema, description="这一步之后的状态。")
@bp.doc(
    **_step(
        "updateCallProposal",
        "修改方案",
        "提交方案的单位在截止日当天结束前修改；只改给出的字段。",
        "已过截止日期，或方案已撤回、已评选。",
    )
)
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_editable)
@bp.arguments(ProposalPatchSchema)
def update_proposal(body: dict[str, Any], call_id: int, proposal_id: int) -> Seen:
    """Change some of one's proposal before the deadline; the rest stays as it is."""
    user = api_user()
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    price = Decimal(str(body["price"])) if body.get("price") is not None else proposal.price
    details = service.ProposalDetails(
        body.get("approach", proposal.approach),
        body.get("team", proposal.team),
        body.get("schedule", proposal.schedule),
        price,
    )
    if found := details.problems():
        raise ApiError(422, errors={k: [v] for k, v in found.items()})
    service.update_proposal(proposal, details, actor=user)
    db.session.commit()
    return Seen(proposal, user)
