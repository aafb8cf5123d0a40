"""JSON API v1 for 揭榜挂帅: read the calls the caller may see and the proposals it may read; publish,
approve, cancel a call and invite bidders from the matching; submit, change and withdraw a proposal;
score and select (the same services, policy and deadline as the web forms)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker import policy, search
from matchmaker.accounts.models import Organization
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.api.inputs import body_of, field_error, paging
from matchmaker.api.serialize import organization
from matchmaker.calls import candidates as call_candidates
from matchmaker.calls import operations as service
from matchmaker.calls.models import CallProposal, CallStatus, ChallengeCall
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.core.web import public_url
from matchmaker.postings.models import Posting, PostingKind, PostingStatus

CALL_PARAMS = frozenset({"status", "page", "per_page"})
PROPOSAL_FIELDS: dict[str, type] = {
    "approach": str,
    "team": str,
    "schedule": str,
    "price": (int, float),  # type: ignore[dict-item]
}


def call_json(call: ChallengeCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "title": call.title,
        "status": call.status.value,
        "phase": call.phase,
        "accepting": call.accepting,
        "problem": call.problem,
        "deliverables": call.deliverables,
        "budget": float(call.budget),
        "deadline": call.deadline.isoformat(),
        "eligibility": call.eligibility,
        "enterprise": organization(call.enterprise),
        "need_ids": [n.id for n in call.needs],
        "criteria": [{"id": c.id, "name": c.name, "weight": c.weight} for c in call.criteria],
        "selection_reason": call.selection_reason,
        "url": public_url("calls.detail", call_id=call.id),
    }


def proposal_json(proposal: CallProposal, user: Any) -> dict[str, Any]:
    """A proposal as ``user`` may read it: the scores only for the reviewers, and for its authors
    once the selection is announced; the number of reviewers never for a proposer."""
    found: dict[str, Any] = {
        "id": proposal.id,
        "call_id": proposal.call_id,
        "organization": organization(proposal.organization),
        "status": proposal.status.value,
        "approach": proposal.approach,
        "team": proposal.team,
        "schedule": proposal.schedule,
        "price": float(proposal.price),
        "submitted_at": proposal.submitted_at.isoformat(),
        "pairing_id": proposal.pairing_id,
        "files": [{"name": f.original_name, "size": f.size} for f in proposal.files],
    }
    if policy.may(user, "proposal.see_scores", proposal):
        tally = service.tally(proposal)
        found["weighted_score"] = tally.total
        if policy.may(user, "proposal.see_reviewers", proposal):
            found["reviewers"] = tally.reviewers
    return found


def _call_or_404(call_id: int) -> ChallengeCall:
    call = db.session.get(ChallengeCall, call_id)
    if call is None or not policy.may(api_user(), "call.view", call):
        raise ApiError(404, "榜单不存在，或您无权查看。")
    return call


@bp.get("/calls")
@policy.enforces("call.view")
def list_calls() -> Response:
    user = api_user()
    page, per_page, problems = paging(request.args, CALL_PARAMS)
    status = None
    if "status" in request.args:
        try:
            status = CallStatus(request.args["status"])
        except ValueError:
            problems.add("status", "可选：" + "、".join(s.value for s in CallStatus) + "。")
    problems.raise_if_any(400)
    stmt = select(ChallengeCall).where(policy.listed_calls(user))
    if status is not None:
        stmt = stmt.where(ChallengeCall.status == status)
    stmt = stmt.order_by(ChallengeCall.deadline.desc(), ChallengeCall.id.desc())
    total = db.session.scalar(select(db.func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(
        {
            "items": [call_json(c) for c in items if policy.may(user, "call.view", c)],  # listed_calls' rule
            "page": page,
            "per_page": per_page,
            "total": total,
        }
    )


@bp.get("/calls/<int:call_id>")
@policy.enforces("call.view")
def get_call(call_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    return jsonify(call_json(_call_or_404(call_id)))


@bp.get("/calls/<int:call_id>/proposals")
@policy.enforces("call.view")
def list_proposals(call_id: int) -> Response:
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
    return jsonify({"items": [proposal_json(p, user) for p in items]})


@bp.post("/calls/<int:call_id>/proposals")
@policy.enforces("call.view", "call.propose")
@limiter.limit(write_limit, override_defaults=False)
def create_proposal(call_id: int) -> tuple[Response, int, dict[str, str]]:
    user = api_user()
    call = _call_or_404(call_id)
    policy.require(user, "call.propose", call)
    body = body_of(PROPOSAL_FIELDS, ("approach", "team", "schedule", "price"))
    try:
        price = Decimal(str(body["price"]))
    except InvalidOperation:
        raise ApiError(422, errors={"price": ["应为数字（万元）。"]}) from None
    details = service.ProposalDetails(body["approach"], body["team"], body["schedule"], price)
    if found := details.problems():
        raise ApiError(422, errors={k: [v] for k, v in found.items()})
    try:
        proposal = service.submit_proposal(call, details, actor=user)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    location = url_for("api.list_proposals", call_id=call.id)
    return jsonify(proposal_json(proposal, user)), 201, {"Location": location}


def _proposal_or_404(call: ChallengeCall, proposal_id: int) -> CallProposal:
    proposal = db.session.get(CallProposal, proposal_id)
    if (
        proposal is None
        or proposal.call_id != call.id
        or not policy.may(api_user(), "proposal.view", proposal)
    ):
        raise ApiError(404, "方案不存在，或您无权查看。")
    return proposal


@bp.post("/calls/<int:call_id>/approve")
@policy.enforces("call.view", "call.approve")
@limiter.limit(write_limit, override_defaults=False)
def approve_call(call_id: int) -> Response:
    """Bureau staff approve a call an enterprise proposed: it opens for proposals."""
    user = api_user()
    call = _call_or_404(call_id)
    policy.require(user, "call.approve", call)
    if request.get_data():
        body_of({})
    service.approve_call(call, actor=user)
    db.session.commit()
    return jsonify(call_json(call))


@bp.post("/calls/<int:call_id>/proposals/<int:proposal_id>/withdraw")
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@limiter.limit(write_limit, override_defaults=False)
def withdraw_proposal(call_id: int, proposal_id: int) -> Response:
    user = api_user()
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    policy.require(user, "proposal.edit", proposal)
    if request.get_data():
        body_of({})
    service.withdraw_proposal(proposal, actor=user)
    db.session.commit()
    return jsonify(proposal_json(proposal, user))


@bp.post("/calls/<int:call_id>/proposals/<int:proposal_id>/scores")
@policy.enforces("call.view", "proposal.view", "proposal.score")
@limiter.limit(write_limit, override_defaults=False)
def score_proposal(call_id: int, proposal_id: int) -> Response:
    """A reviewer's 0–100 on every criterion: ``{"scores": [{"criterion_id", "score"}, …]}``."""
    user = api_user()
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    service.ensure_scorable(proposal, user)  # a reviewer, after the deadline day: 403 / 409 first
    body = body_of({"scores": list}, ("scores",))
    scores: dict[int, int] = {}
    for item in body["scores"]:
        if (
            not isinstance(item, dict)
            or set(item) != {"criterion_id", "score"}
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in item.values())
        ):
            raise ApiError(400, errors={"scores": ['每一项应为 {"criterion_id": 编号, "score": 0–100}。']})
        scores[item["criterion_id"]] = item["score"]
    try:
        service.score(proposal, scores, actor=user)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(proposal_json(proposal, user))


@bp.post("/calls/<int:call_id>/award")
@policy.enforces("call.view", "call.award")
@limiter.limit(write_limit, override_defaults=False)
def award_call(call_id: int) -> Response:
    """揭榜 after the deadline: ``{"proposal_id", "reason"}``; every proposer is notified and a pairing
    (已对接) with the selected organisation follows."""
    user = api_user()
    call = _call_or_404(call_id)
    policy.require(user, "call.award", call)
    body = body_of({"proposal_id": int, "reason": str}, ("proposal_id", "reason"))
    proposal = db.session.get(CallProposal, body["proposal_id"])
    if proposal is None or proposal.call_id != call.id:
        raise ApiError(422, errors={"proposal_id": ["不是本榜单的方案。"]})
    pairing = service.award(call, proposal, body["reason"], actor=user)
    db.session.commit()
    return jsonify({**call_json(call), "pairing_id": pairing.id})


# --- publishing and running calls ------------------------------------------------------------

CALL_FIELDS: dict[str, type] = {
    "title": str,
    "problem": str,
    "deliverables": str,
    "budget": (int, float),  # type: ignore[dict-item]
    "deadline": str,
    "eligibility": str,
    "need_ids": list,
    "criteria": list,
}


def _call_details(body: dict[str, Any], user: Any) -> service.CallDetails:
    """The body as a call; needs by id (published R&D needs of one enterprise — the caller's own
    unless bureau staff), criteria as ``[{"name", "weight"}]`` or the usual four when left out."""
    shape, problems = inputs.Problems(), inputs.Problems()
    ids = body["need_ids"]
    if not inputs.are_ids(ids) or len(ids) > 20:
        shape.add("need_ids", "应为研发需求编号的列表（最多20条）。")
    criteria: list[tuple[str, int]] = list(service.DEFAULT_CRITERIA)
    if body.get("criteria") is not None:
        rows = body["criteria"]
        if not all(
            isinstance(r, dict)
            and set(r) == {"name", "weight"}
            and isinstance(r["name"], str)
            and isinstance(r["weight"], int)
            and not isinstance(r["weight"], bool)
            for r in rows
        ):
            shape.add("criteria", '每一项应为 {"name": 名称, "weight": 权重}。')
        else:
            criteria = [(r["name"], r["weight"]) for r in rows]
    shape.raise_if_any(400)
    try:
        deadline = date.fromisoformat(body["deadline"])
    except ValueError:
        deadline = None
        problems.add("deadline", "日期应写成 2026-06-30 的形式。")
    # The needs the web form offers: published R&D needs, the caller's own unless bureau staff. Any
    # other id gets the same answer, whether it is missing, a draft or someone else's hidden need.
    wanted = list(dict.fromkeys(ids))
    stmt = select(Posting).where(
        Posting.id.in_(wanted), Posting.kind == PostingKind.RD_NEED, Posting.status == PostingStatus.PUBLISHED
    )
    if not policy.is_bureau(user):
        stmt = stmt.where(Posting.organization_id == user.organization_id)
    by_id = {n.id: n for n in db.session.scalars(stmt)}
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
        deadline=deadline,
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


@bp.post("/calls")
@policy.enforces("call.create")
@limiter.limit(write_limit, override_defaults=False)
def create_call() -> tuple[Response, int, dict[str, str]]:
    """Bureau staff publish a call at once (open); an enterprise's own call waits for approval."""
    user = api_user()
    policy.require(user, "call.create")
    body = body_of(
        CALL_FIELDS, ("title", "problem", "deliverables", "budget", "deadline", "eligibility", "need_ids")
    )
    details = _call_details(body, user)
    try:
        call = service.create_call(details, actor=user)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"needs": "need_ids"}) from None
    db.session.commit()
    return jsonify(call_json(call)), 201, {"Location": url_for("api.get_call", call_id=call.id)}


@bp.post("/calls/<int:call_id>/cancel")
@policy.enforces("call.view", "call.cancel")
@limiter.limit(write_limit, override_defaults=False)
def cancel_call(call_id: int) -> Response:
    """Withdraw a pending or open call with a reason; the proposers are told."""
    user = api_user()
    call = _call_or_404(call_id)
    policy.require(user, "call.cancel", call)
    if call.status not in (CallStatus.PENDING, CallStatus.OPEN):
        raise ApiError(409, f"“{call.status.label}”的榜单不能撤销。")
    body = body_of({"reason": str}, ("reason",))
    if not 2 <= len(body["reason"].strip()) <= 500:
        raise ApiError(422, errors={"reason": ["请写明撤销原因（2到500个字），已提交方案的单位会收到通知。"]})
    service.cancel_call(call, body["reason"], actor=user)
    db.session.commit()
    return jsonify(call_json(call))


@bp.get("/calls/<int:call_id>/candidates")
@policy.enforces("call.view", "call.invite")
def list_call_candidates(call_id: int) -> Response:
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
    return jsonify(
        {
            "items": [
                {
                    "organization": organization(org),
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
    )


@bp.post("/calls/<int:call_id>/invitations")
@policy.enforces("call.view", "call.invite")
@limiter.limit(write_limit, override_defaults=False)
def invite_to_call(call_id: int) -> Response:
    """Invite a university or institute to propose; its users are notified."""
    user = api_user()
    call = _call_or_404(call_id)
    policy.require(user, "call.invite", call)
    body = body_of({"organization_id": int}, ("organization_id",))
    org = db.session.get(Organization, body["organization_id"])
    if org is None:
        raise ApiError(422, errors={"organization_id": ["单位不存在。"]})
    try:
        service.invite(call, org, actor=user)  # once: inviting again changes nothing
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"organization": "organization_id"}) from None
    db.session.commit()
    return jsonify({"invited": sorted(service.invited(call))})


@bp.patch("/calls/<int:call_id>/proposals/<int:proposal_id>")
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@limiter.limit(write_limit, override_defaults=False)
def update_proposal(call_id: int, proposal_id: int) -> Response:
    """Change some of one's proposal before the deadline; the rest stays as it is."""
    user = api_user()
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    service.ensure_editable(proposal, user)  # its author, before the deadline: 403 / 409 first
    body = body_of(PROPOSAL_FIELDS)
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
    return jsonify(proposal_json(proposal, user))
