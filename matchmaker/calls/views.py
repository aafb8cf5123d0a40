"""Thin views of 揭榜挂帅: the calls (public when open or awarded), publishing and approving one,
proposals with their attachments, scoring, the selection, and inviting a fitting university."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from matchmaker import policy, search
from matchmaker.accounts import queries as account_queries
from matchmaker.calls import candidates as call_candidates
from matchmaker.calls import operations as service
from matchmaker.calls.forms import (
    AwardForm,
    CallForm,
    InviteForm,
    ProposalForm,
    ReasonForm,
    ScoreForm,
    StepForm,
    UploadForm,
)
from matchmaker.calls.models import (
    CallProposal,
    CallProposalFile,
    CallStatus,
    ChallengeCall,
    ProposalStatus,
)
from matchmaker.core import uploads
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.forms import options
from matchmaker.core.web import attach_field_error, paginate
from matchmaker.pairings.values import PairingState
from matchmaker.policy import requires
from matchmaker.postings import queries as posting_queries

if TYPE_CHECKING:
    from matchmaker.postings.models import Posting

bp = Blueprint("calls", __name__, url_prefix="/calls")


def get_call_or_404(call_id: int) -> ChallengeCall:
    call = db.get_or_404(ChallengeCall, call_id)
    if not policy.may(current_user, "call.view", call):
        abort(404)
    return call


def get_proposal_or_404(call_id: int, proposal_id: int) -> CallProposal:
    call = get_call_or_404(call_id)
    proposal = db.session.get(CallProposal, proposal_id)
    if (
        proposal is None
        or proposal.call_id != call.id
        or not policy.may(current_user, "proposal.view", proposal)
    ):
        abort(404)
    return proposal


def _back(call_id: int, proposal_id: int | None = None) -> Response:
    if proposal_id is None:
        return redirect(url_for("calls.detail", call_id=call_id))
    return redirect(url_for("calls.proposal", call_id=call_id, proposal_id=proposal_id))


def _flash_errors(form: Any) -> None:
    """Each distinct message once (a FieldList's come nested, one list per entry)."""
    seen: list[str] = []
    pending = list(form.errors.values())
    while pending:
        item = pending.pop(0)
        if isinstance(item, str):
            if item not in seen:
                seen.append(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        else:
            pending.extend(item)
    for message in seen:
        flash(message, "error")


@bp.get("/")
@policy.enforces(policy.PUBLIC)
def index() -> str:
    stmt = (
        select(ChallengeCall)
        .where(policy.listed_calls(current_user))
        .options(selectinload(ChallengeCall.enterprise))
        .order_by(ChallengeCall.deadline.desc(), ChallengeCall.id.desc())
    )
    return render_template("calls/index.html", page=paginate(stmt))


def _choosable_needs() -> list[Posting]:
    """Published R&D needs a call may be issued on: the enterprise's own, or (bureau) any."""
    own = None if policy.is_bureau(current_user) else current_user.organization_id
    return posting_queries.needs_for_calls(own)


@bp.route("/new", methods=["GET", "POST"])
@requires("call.create")
def create() -> str | tuple[str, int] | Response:
    needs = _choosable_needs()
    form = CallForm()
    form.set_needs(needs)
    if not form.is_submitted():
        form.fill_criteria(service.DEFAULT_CRITERIA)
    if form.validate_on_submit():
        try:
            call = service.create_call(form.details({n.id: n for n in needs}), actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            if call.status is CallStatus.PENDING:
                flash("榜单已提交，主管部门批准后公开征集方案。", "success")
            else:
                flash("榜单已发布，开始征集方案。", "success")
            return redirect(url_for("calls.detail", call_id=call.id))
    status = 422 if form.is_submitted() else 200
    return render_template("calls/form.html", form=form, has_needs=bool(needs)), status


@bp.get("/<int:call_id>")
@policy.enforces("call.view", "call.invite")
def detail(call_id: int) -> str:
    call = get_call_or_404(call_id)
    proposals = list(
        db.session.scalars(
            select(CallProposal)
            .where(CallProposal.call_id == call.id, policy.proposals_of(current_user))
            .options(selectinload(CallProposal.organization), selectinload(CallProposal.scores))
            .order_by(CallProposal.id)
        )
    )
    tallies = sorted(
        (service.tally(p) for p in proposals), key=lambda t: (t.total is None, -(t.total or 0), t.proposal.id)
    )
    own = service.own_proposal(call, current_user.organization_id) if current_user.is_authenticated else None
    candidates, unavailable = [], False
    if policy.may(current_user, "call.invite", call) and call.accepting:
        try:
            candidates = call_candidates.candidates(call, current_user)
        except search.SearchUnavailable:
            unavailable = True
    award_form = AwardForm()
    award_form.proposal.choices = options(
        (str(t.proposal.id), t.proposal.organization.name)
        for t in tallies
        if t.proposal.status.value == "submitted"
    )
    selected = next((p for p in call.proposals if p.status.value == "selected"), None)
    return render_template(
        "calls/detail.html",
        call=call,
        tallies=tallies,
        own=own,
        selected=selected,
        candidates=candidates,
        candidates_unavailable=unavailable,
        invited=service.invited(call) if candidates else set(),
        award_form=award_form,
        reason_form=ReasonForm(),
        step_form=StepForm(),
        invite_form=InviteForm(),
        PairingState=PairingState,
    )


@bp.post("/<int:call_id>/approve")
@policy.enforces("call.view")
@requires("call.approve")
def approve(call_id: int) -> Response:
    call = get_call_or_404(call_id)
    if StepForm().validate_on_submit():
        service.approve_call(call, actor=current_user)
        db.session.commit()
        flash("已批准，榜单开始公开征集方案。", "success")
    return _back(call_id)


@bp.post("/<int:call_id>/cancel")
@policy.enforces("call.view", "call.cancel")
@login_required
def cancel(call_id: int) -> Response:
    call = get_call_or_404(call_id)
    policy.require(current_user, "call.cancel", call)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("撤销榜单必须写明原因。", "error")
        return _back(call_id)
    service.cancel_call(call, form.reason.data, actor=current_user)
    db.session.commit()
    flash("榜单已撤销，已提交方案的单位会收到通知。", "success")
    return _back(call_id)


@bp.post("/<int:call_id>/invite")
@policy.enforces("call.view")
@requires("call.invite")
def invite(call_id: int) -> Response:
    call = get_call_or_404(call_id)
    form = InviteForm()
    org_id = form.organization.data if form.validate_on_submit() else None
    org = (
        account_queries.organization(int(org_id))
        if org_id and org_id.isascii() and org_id.isdigit() and len(org_id) < 10
        else None
    )
    if org is None:
        flash("请选择要邀请的高校院所。", "error")
        return _back(call_id)
    try:
        made = service.invite(call, org, actor=current_user)
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(call_id)
    db.session.commit()
    if made:
        flash(f"已邀请{org.name}揭榜，对方用户会收到通知。", "success")
    else:
        flash(f"{org.name}此前已被邀请。", "info")
    return _back(call_id)


@bp.post("/<int:call_id>/award")
@policy.enforces("call.view", "call.award")
@login_required
def award(call_id: int) -> Response:
    call = get_call_or_404(call_id)
    policy.require(current_user, "call.award", call)
    form = AwardForm()
    form.proposal.choices = []
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(call_id)
    raw = form.proposal.data or ""
    proposal = (
        db.session.get(CallProposal, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    )
    if proposal is None or proposal.call_id != call.id:
        flash("请从本榜单的方案中选择。", "error")
        return _back(call_id)
    service.award(call, proposal, form.reason.data, actor=current_user)
    db.session.commit()
    flash(f"揭榜完成：{proposal.organization.name}入选，各揭榜单位已收到结果和理由。", "success")
    return _back(call_id)


# --- proposals ---------------------------------------------------------------------------


def _upload(proposal: CallProposal, form: Any) -> None:
    data = form.file.data.read(service.uploads.MAX_FILE_BYTES + 1)
    service.add_file(proposal, data, form.file.data.filename or "", actor=current_user)


@bp.route("/<int:call_id>/propose", methods=["GET", "POST"])
@policy.enforces("call.view", "call.propose", "proposal.edit")
@login_required
def propose(call_id: int) -> str | tuple[str, int] | Response:
    call = get_call_or_404(call_id)
    policy.require(current_user, "call.propose", call)
    own = service.own_proposal(call, current_user.organization_id)
    if own is not None and own.status is not ProposalStatus.WITHDRAWN:
        flash("贵单位已提交过方案，可在截止前修改。", "info")
        return _back(call_id, own.id)
    if not call.accepting:
        flash(service.CLOSED.format(deadline=call.deadline.isoformat()), "error")
        return _back(call_id)
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            proposal = service.submit_proposal(call, form.details(), actor=current_user)
            if form.file.data:
                _upload(proposal, form)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("方案已提交。截止前可以修改或撤回。", "success")
            return _back(call_id, proposal.id)
    status = 422 if form.is_submitted() else 200
    return render_template("calls/proposal_form.html", form=form, call=call, proposal=None), status


@bp.get("/<int:call_id>/proposals/<int:proposal_id>")
@policy.enforces("call.view", "proposal.view")
@login_required
def proposal(call_id: int, proposal_id: int) -> str:
    item = get_proposal_or_404(call_id, proposal_id)
    form = ScoreForm()
    mine = {s.criterion_id: s.score for s in item.scores if s.reviewer_id == current_user.id}
    for criterion in item.call.criteria:
        form.scores.append_entry(mine.get(criterion.id))
    return render_template(
        "calls/proposal.html",
        proposal=item,
        call=item.call,
        tally=service.tally(item),
        score_form=form,
        upload_form=UploadForm(),
        step_form=StepForm(),
    )


@bp.route("/<int:call_id>/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@login_required
def edit_proposal(call_id: int, proposal_id: int) -> str | tuple[str, int] | Response:
    item = get_proposal_or_404(call_id, proposal_id)
    policy.require(current_user, "proposal.edit", item)
    if not item.call.accepting:
        flash(service.CLOSED.format(deadline=item.call.deadline.isoformat()), "error")
        return _back(call_id, proposal_id)
    form = ProposalForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.update_proposal(item, form.details(), actor=current_user)
            if form.file.data:
                _upload(item, form)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
            item = get_proposal_or_404(call_id, proposal_id)
        else:
            db.session.commit()
            flash("方案已保存。", "success")
            return _back(call_id, proposal_id)
    status = 422 if form.is_submitted() else 200
    return render_template("calls/proposal_form.html", form=form, call=item.call, proposal=item), status


@bp.post("/<int:call_id>/proposals/<int:proposal_id>/withdraw")
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@login_required
def withdraw(call_id: int, proposal_id: int) -> Response:
    item = get_proposal_or_404(call_id, proposal_id)
    policy.require(current_user, "proposal.edit", item)
    if StepForm().validate_on_submit():
        service.withdraw_proposal(item, actor=current_user)
        db.session.commit()
        flash("方案已撤回。", "success")
    return _back(call_id)


@bp.post("/<int:call_id>/proposals/<int:proposal_id>/files")
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@login_required
def upload(call_id: int, proposal_id: int) -> Response:
    item = get_proposal_or_404(call_id, proposal_id)
    policy.require(current_user, "proposal.edit", item)
    form = UploadForm()
    if not form.validate_on_submit() or not form.file.data:
        flash("请选择要上传的文件。", "error")
        return _back(call_id, proposal_id)
    try:
        _upload(item, form)
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("附件已上传。", "success")
    return _back(call_id, proposal_id)


@bp.get("/<int:call_id>/proposals/<int:proposal_id>/files/<int:file_id>")
@policy.enforces("call.view", "proposal.view")
@login_required
def download(call_id: int, proposal_id: int, file_id: int) -> Response:
    """Only to those who may read the proposal; with its original name, never rendered inline."""
    item = get_proposal_or_404(call_id, proposal_id)
    attachment = db.session.get(CallProposalFile, file_id)
    if attachment is None or attachment.proposal_id != item.id:
        abort(404)
    path = service.files_dir() / attachment.stored_name
    if not path.is_file():
        abort(404)
    return uploads.send(path, attachment.original_name, attachment.content_type)


@bp.post("/<int:call_id>/proposals/<int:proposal_id>/files/<int:file_id>/delete")
@policy.enforces("call.view", "proposal.view", "proposal.edit")
@login_required
def remove_file(call_id: int, proposal_id: int, file_id: int) -> Response:
    item = get_proposal_or_404(call_id, proposal_id)
    attachment = db.session.get(CallProposalFile, file_id)
    if attachment is None or attachment.proposal_id != item.id:
        abort(404)
    service.remove_file(attachment, actor=current_user)
    db.session.commit()
    flash("附件已删除。", "success")
    return _back(call_id, proposal_id)


@bp.post("/<int:call_id>/proposals/<int:proposal_id>/score")
@policy.enforces("call.view", "proposal.view", "proposal.score")
@login_required
def score(call_id: int, proposal_id: int) -> Response:
    item = get_proposal_or_404(call_id, proposal_id)
    service.ensure_scorable(item, current_user)  # a reviewer, after the deadline day
    form = ScoreForm()
    values = form.values(item.call.criteria) if form.validate_on_submit() else None
    if values is None:
        _flash_errors(form)
        flash("请为每一项评审标准打分（0到100的整数）。", "error")
        return _back(call_id, proposal_id)
    try:
        service.score(item, values, actor=current_user)
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(call_id, proposal_id)
    db.session.commit()
    flash("评分已保存。", "success")
    return _back(call_id, proposal_id)
