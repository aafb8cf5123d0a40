"""Thin views of the pipeline: load → authorise (policy) → validate → service → commit → redirect."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from matchmaker import policy, search
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.forms import options
from matchmaker.core.web import attach_field_error, paginate
from matchmaker.pairings import funnel as funnel_report
from matchmaker.pairings import operations as service
from matchmaker.pairings import queries
from matchmaker.pairings.forms import (
    AcceptForm,
    AdvanceForm,
    DeclineForm,
    InterestForm,
    IntroduceForm,
    InviteForm,
    MessageForm,
    NudgeForm,
)
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.policy import requires
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.urls import get_posting_or_404

if TYPE_CHECKING:
    from matchmaker.postings.models import Posting

bp = Blueprint("pairings", __name__, url_prefix="/pairings")


def get_pairing_or_404(pairing_id: int) -> Pairing:
    """The pairing if the user is one of its parties or bureau staff (404 otherwise)."""
    pairing = db.get_or_404(Pairing, pairing_id)
    if not policy.may(current_user, "pairing.view", pairing):
        abort(404)
    return pairing


def _own_choices(target: Posting) -> list[SelectChoice]:
    mine = posting_queries.own_answers(current_user, target)
    return options(((p.id, f"{p.kind.label}：{p.title}") for p in mine), "（不附）")


@bp.route("/new/<int:posting_id>", methods=["GET", "POST"])
@policy.enforces("posting.view", "posting.express_interest")
@login_required
def create(posting_id: int) -> str | tuple[str, int] | Response:
    """Express interest in a posting, optionally answering it with one of one's own."""
    target = get_posting_or_404(posting_id, action="posting.express_interest")
    earlier = service.existing(target, current_user.organization_id)
    if earlier is not None:
        flash("贵单位已对这条信息表达过意向，这是对接进展。", "info")
        return redirect(url_for("pairings.detail", pairing_id=earlier.id))
    form = InterestForm()
    form.own_posting.choices = _own_choices(target)
    if not form.is_submitted():
        form.own_posting.data = request.args.get("own", type=int)
    if form.validate_on_submit():
        own = posting_queries.posting(form.own_posting.data) if form.own_posting.data else None
        try:
            pairing = service.express_interest(
                target,
                form.message.data,
                actor=current_user,
                own_posting=own,
                share_confidential=form.share_confidential.data,
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            if pairing.brokered:
                flash(
                    "已发送。该单位尚未开通平台账号，您的意向已转主管部门居间对接；"
                    "主管部门联系对方后会在对接页答复，届时会通知您。",
                    "success",
                )
            else:
                flash("已向对方表达合作意向。对方答复后会通知您。", "success")
            return redirect(url_for("pairings.detail", pairing_id=pairing.id))
    status = 422 if form.is_submitted() else 200
    return render_template("pairings/new.html", form=form, target=target), status


@bp.get("/")
@requires("pairings.own")
def mine() -> str:
    """The organisation's pairings: interest received and sent, newest activity first."""
    state = PairingState.from_label(request.args.get("state", "")) if request.args.get("state") else None
    stmt = (
        select(Pairing)
        .where(policy.pairings_of(current_user))
        .options(
            selectinload(Pairing.target),
            selectinload(Pairing.initiator_org),
            selectinload(Pairing.target_org),
        )
        .order_by(Pairing.last_activity_at.desc(), Pairing.id.desc())
    )
    if state is not None:
        stmt = stmt.where(Pairing.state == state)
    return render_template("pairings/mine.html", page=paginate(stmt), state=state)


@bp.get("/<int:pairing_id>")
@policy.enforces("pairing.view", "pairing.message", "agreement.view")
@login_required
def detail(pairing_id: int) -> str:
    pairing = get_pairing_or_404(pairing_id)
    evidence = None
    if pairing.own_posting is not None:
        try:
            evidence = search.evidence_between(pairing.target, pairing.own_posting)
        except search.SearchUnavailable:
            evidence = None
    if policy.may(current_user, "pairing.message", pairing):
        service.mark_read(pairing, current_user)
        db.session.commit()
    return _render(pairing, evidence=evidence)


def _render(pairing: Pairing, status: int = 200, **forms: Any) -> Any:
    org = current_user.organization_id
    page = render_template(
        "pairings/detail.html",
        pairing=pairing,
        evidence=forms.pop("evidence", None),
        accept_form=forms.get("accept_form") or AcceptForm(),
        decline_form=forms.get("decline_form") or DeclineForm(),
        advance_form=forms.get("advance_form") or AdvanceForm(),
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        nudge_form=forms.get("nudge_form") or NudgeForm(),
        invite_form=forms.get("invite_form") or InviteForm(formdata=None),
        read_upto=service.read_by_other_side(pairing, org) if pairing.is_party(org) else 0,
        mine_org=org,
        decline_reasons=DeclineReason,
        pairing_agreements=queries.agreements_of(pairing, current_user),
    )
    return (page, status) if status != 200 else page


def _act(pairing_id: int, action: str, form_class: type, name: str, act: Any, done: str) -> Any:
    """Authorise the step, validate its form (re-render with errors on 422), act, commit, and
    go back to the pairing."""
    pairing = get_pairing_or_404(pairing_id)
    policy.require(current_user, action, pairing)
    form = form_class()
    if not form.validate_on_submit():
        return _render(pairing, 422, **{name: form})
    try:
        act(pairing, form)
    except FieldError as error:
        db.session.rollback()
        attach_field_error(form, error)
        return _render(db.get_or_404(Pairing, pairing_id), 422, **{name: form})
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("pairings.detail", pairing_id=pairing_id))


@bp.post("/<int:pairing_id>/accept")
@policy.enforces("pairing.view", "pairing.answer", "agreement.view")
@login_required
def accept(pairing_id: int) -> Any:
    return _act(
        pairing_id,
        "pairing.answer",
        AcceptForm,
        "accept_form",
        lambda p, f: service.accept(p, actor=current_user, share_confidential=f.share_confidential.data),
        "已接受。双方现在可以看到彼此的联系方式，也可以在下方留言。",
    )


@bp.post("/<int:pairing_id>/decline")
@policy.enforces("pairing.view", "pairing.answer", "agreement.view")
@login_required
def decline(pairing_id: int) -> Any:
    return _act(
        pairing_id,
        "pairing.answer",
        DeclineForm,
        "decline_form",
        lambda p, f: service.decline(p, DeclineReason(f.reason.data), f.note.data, actor=current_user),
        "已婉拒，对方会看到您选择的原因。",
    )


@bp.post("/<int:pairing_id>/advance")
@policy.enforces("pairing.view", "pairing.advance", "agreement.view")
@login_required
def advance(pairing_id: int) -> Any:
    """洽谈中 or 未成功 here; 已签约 leads to recording the agreement, with the pairing prefilled."""
    if request.form.get("to") == PairingState.SIGNED.value:
        pairing = get_pairing_or_404(pairing_id)
        policy.require(current_user, "pairing.advance", pairing)
        flash("请登记签订的协议：协议登记后，对接即为“已签约”。", "info")
        return redirect(url_for("agreements.create", pairing=pairing_id))
    return _act(
        pairing_id,
        "pairing.advance",
        AdvanceForm,
        "advance_form",
        lambda p, f: service.advance(p, PairingState(f.to.data), f.reason.data, actor=current_user),
        "已更新对接进展。",
    )


@bp.post("/<int:pairing_id>/messages")
@policy.enforces("pairing.view", "pairing.message", "agreement.view")
@login_required
def message(pairing_id: int) -> Any:
    return _act(
        pairing_id,
        "pairing.message",
        MessageForm,
        "message_form",
        lambda p, f: service.post_message(p, f.text.data, actor=current_user),
        "消息已发送。",
    )


@bp.post("/<int:pairing_id>/nudge")
@policy.enforces("pairing.view", "agreement.view")
@requires("pairing.nudge")
def nudge(pairing_id: int) -> Any:
    return _act(
        pairing_id,
        "pairing.nudge",
        NudgeForm,
        "nudge_form",
        lambda p, f: service.nudge(p, f.note.data, actor=current_user),
        "已提醒双方。",
    )


@bp.post("/<int:pairing_id>/invite")
@policy.enforces("pairing.view", "agreement.view")
@requires("user.create")
def invite(pairing_id: int) -> Any:
    """居间对接: open an account for the receiving organisation; its one-time password is shown once."""
    pairing = get_pairing_or_404(pairing_id)
    if not pairing.brokered:
        raise InvalidTransition(f"{pairing.target_org.name}已有平台账号，由其自行答复。")
    form = InviteForm()
    if not form.validate_on_submit():
        return _render(pairing, 422, invite_form=form)
    try:
        user, password = service.invite_organization(
            pairing, name=form.name.data, email=form.email.data, phone=form.phone.data, actor=current_user
        )
    except FieldError as error:
        db.session.rollback()
        attach_field_error(form, error)
        return _render(db.get_or_404(Pairing, pairing_id), 422, invite_form=form)
    db.session.commit()
    back = url_for("pairings.detail", pairing_id=pairing_id)
    return render_template("admin/one_time_password.html", user=user, password=password, back=back)


def _posting_label(posting: Posting) -> str:
    return f"{posting.kind.label}｜{posting.title}（{posting.organization.name}）"


@bp.route("/introduce", methods=["GET", "POST"])
@requires("pairing.introduce")
def introduce() -> str | tuple[str, int] | Response:
    """Bureau staff put two postings' organisations in touch (marked as the bureau's doing)."""
    form = IntroduceForm()
    if not form.is_submitted():
        form.target.data = request.args.get("target", type=int)
        form.other.data = request.args.get("other", type=int)
    postings = {
        name: posting_queries.posting(getattr(form, name).data) if getattr(form, name).data else None
        for name in ("target", "other")
    }
    published = queries.published_for_introduction()
    target = postings["target"]
    form.target.choices = options(((p.id, _posting_label(p)) for p in published), "请选择信息")
    form.other.choices = options(
        (
            (p.id, _posting_label(p))
            for p in published
            if target is None
            or (p.organization_id != target.organization_id and p.kind in target.kind.complements)
        ),
        "请选择信息",
    )
    if form.validate_on_submit():
        missing = [name for name, p in postings.items() if p is None]
        for name in missing:
            getattr(form, name).errors = [*getattr(form, name).errors, "没有这条信息。"]
        if not missing:
            try:
                pairing = service.introduce(
                    postings["target"], postings["other"], form.message.data, actor=current_user
                )
            except FieldError as error:
                db.session.rollback()
                attach_field_error(form, error)
            else:
                db.session.commit()
                flash("已为双方牵线，信息所有方会收到通知并答复。", "success")
                return redirect(url_for("pairings.detail", pairing_id=pairing.id))
    status = 422 if form.is_submitted() else 200
    return render_template("pairings/introduce.html", form=form, postings=postings), status


@bp.get("/funnel")
@requires("pipeline.view")
def funnel() -> str:
    """The bureau's view of the whole pipeline: stages, conversion, answer times, stalled pairs."""
    filters = funnel_report.Filters.from_args(request.args)
    return render_template(
        "pairings/funnel.html",
        report=funnel_report.build(filters),
        filters=filters,
        options=funnel_report.options(),
    )


@bp.get("/list")
@requires("pipeline.view")
def listing() -> str:
    """The pairings behind a number of the funnel."""
    filters = funnel_report.Filters.from_args(request.args)
    stmt = funnel_report.pairings(filters, request.args.get("stage", ""))
    return render_template(
        "pairings/list.html",
        page=paginate(stmt),
        filters=filters,
        stage=request.args.get("stage", ""),
        stage_label=funnel_report.STAGE_LABELS.get(request.args.get("stage", ""), "全部"),
    )
