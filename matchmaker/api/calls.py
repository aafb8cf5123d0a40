"""JSON API v1 for 揭榜挂帅: read the calls the caller may see and the proposals it may read, and
submit a proposal (the same service, policy and deadline as the web form)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.api.pipeline import body_of, field_error, paging
from matchmaker.api.serialize import organization
from matchmaker.exceptions import FieldError
from matchmaker.extensions import db, limiter
from matchmaker.models import CallProposal, CallStatus, ChallengeCall
from matchmaker.services import calls as service
from matchmaker.web import public_url

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


def proposal_json(proposal: CallProposal) -> dict[str, Any]:
    tally = service.tally(proposal)
    return {
        "id": proposal.id,
        "call_id": proposal.call_id,
        "organization": organization(proposal.organization),
        "status": proposal.status.value,
        "approach": proposal.approach,
        "team": proposal.team,
        "schedule": proposal.schedule,
        "price": float(proposal.price),
        "submitted_at": proposal.submitted_at.isoformat(),
        "weighted_score": tally.total,
        "reviewers": tally.reviewers,
        "pairing_id": proposal.pairing_id,
        "files": [{"name": f.original_name, "size": f.size} for f in proposal.files],
    }


def _call_or_404(call_id: int) -> ChallengeCall:
    call = db.session.get(ChallengeCall, call_id)
    if call is None or not policy.may(api_user(), "call.view", call):
        raise ApiError(404, "榜单不存在，或您无权查看。")
    return call


@bp.get("/calls")
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
        {"items": [call_json(c) for c in items], "page": page, "per_page": per_page, "total": total}
    )


@bp.get("/calls/<int:call_id>")
def get_call(call_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    return jsonify(call_json(_call_or_404(call_id)))


@bp.get("/calls/<int:call_id>/proposals")
def list_proposals(call_id: int) -> Response:
    """The proposals of the call the caller may read (its own organisation's; all for the calling
    enterprise and bureau staff)."""
    inputs.reject_unknown_params(request.args, frozenset())
    call = _call_or_404(call_id)
    items = db.session.scalars(
        select(CallProposal)
        .where(CallProposal.call_id == call.id, policy.proposals_of(api_user()))
        .order_by(CallProposal.id)
    )
    return jsonify({"items": [proposal_json(p) for p in items]})


@bp.post("/calls/<int:call_id>/proposals")
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
    return jsonify(proposal_json(proposal)), 201, {"Location": location}


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
@limiter.limit(write_limit, override_defaults=False)
def withdraw_proposal(call_id: int, proposal_id: int) -> Response:
    user = api_user()
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    policy.require(user, "proposal.edit", proposal)
    if request.get_data():
        body_of({})
    service.withdraw_proposal(proposal, actor=user)
    db.session.commit()
    return jsonify(proposal_json(proposal))


@bp.post("/calls/<int:call_id>/proposals/<int:proposal_id>/scores")
@limiter.limit(write_limit, override_defaults=False)
def score_proposal(call_id: int, proposal_id: int) -> Response:
    """A reviewer's 0–100 on every criterion: ``{"scores": [{"criterion_id", "score"}, …]}``."""
    user = api_user()
    proposal = _proposal_or_404(_call_or_404(call_id), proposal_id)
    policy.require(user, "proposal.score", proposal)
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
    return jsonify(proposal_json(proposal))


@bp.post("/calls/<int:call_id>/award")
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
