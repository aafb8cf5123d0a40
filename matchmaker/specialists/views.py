"""Thin views of the specialists capability: bureau staff appoint specialists and assign them
enterprises; a specialist's 工作台, visits with the needs found there, diagnoses and brokering; the
enterprise's visits and its confirmation of each need written on its behalf (a page made for a
phone); bureau staff confirm for an enterprise without users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.accounts import queries as account_queries
from matchmaker.core.exceptions import DomainError, FieldError
from matchmaker.core.extensions import db
from matchmaker.core.forms import options
from matchmaker.core.web import attach_field_error
from matchmaker.policy import requires
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.operations import PostingDetails
from matchmaker.postings.values import Confirmation, PostingKind
from matchmaker.specialists import operations as service
from matchmaker.specialists import queries
from matchmaker.specialists.forms import (
    AppointForm,
    AssignForm,
    BrokerForm,
    ConfirmForStaffForm,
    DiagnosisForm,
    EndForm,
    NeedForm,
    RefuseForm,
    VisitForm,
)
from matchmaker.specialists.models import Specialist, Visit
from matchmaker.specialists.values import Grade, SpecialistKind

if TYPE_CHECKING:
    from matchmaker.postings.models import Posting

bp = Blueprint("specialists", __name__, url_prefix="/specialists")


def _specialist_or_404(specialist_id: int) -> Specialist:
    found = queries.specialist(specialist_id)
    if found is None:
        abort(404)
    return found


def _visit_or_404(visit_id: int) -> Visit:
    """The visit if the viewer may read it (404 otherwise: don't reveal that it exists)."""
    found = queries.visit(visit_id)
    if found is None or not policy.may(current_user, "visit.view", found):
        abort(404)
    return found


def _found_need_or_404(posting_id: int) -> Posting:
    """A need found on a visit, if the viewer may see it (404 otherwise)."""
    posting = posting_queries.posting(posting_id)
    if posting is None or posting.visit_id is None or not policy.may(current_user, "posting.view", posting):
        abort(404)
    return posting


def _need(form: NeedForm | VisitForm) -> service.FoundNeed | None:
    """The need written on the form, if any (a visit may find none)."""
    title, description = (form.need_title.data or "").strip(), (form.need_description.data or "").strip()
    if not title and not description:
        return None
    return service.FoundNeed(
        PostingKind(form.need_kind.data), PostingDetails(title=title, description=description)
    )


def _need_error(form: NeedForm | VisitForm, error: FieldError) -> None:
    """A posting rule broken by the need: shown at the need's own fields."""
    names = {"title": "need_title", "description": "need_description", "kind": "need_kind"}
    attach_field_error(form, FieldError(names.get(error.field, error.field), error.message))


# --- bureau staff: specialists and their enterprises ------------------------------------------


def _appoint_form(form: AppointForm | None = None) -> AppointForm:
    form = form or AppointForm(formdata=None)
    form.user.choices = options(
        ((u.id, f"{u.name}（{u.organization.name}，{u.email}）") for u in service.candidates()), "请选择账号"
    )
    return form


@bp.get("/")
@requires("specialist.manage")
def index() -> str:
    """Every specialist with how many enterprises each serves, the appointment form, and the needs
    written on enterprises' behalf still waiting for their confirmation."""
    return render_template(
        "specialists/index.html",
        specialists=service.specialists(),
        counts=service.open_counts(),
        limit=service.max_enterprises(),
        form=_appoint_form(),
        awaiting=service.found_needs(current_user, Confirmation.AWAITING),
    )


@bp.post("/appoint")
@requires("specialist.manage")
def appoint() -> Any:
    form = _appoint_form(AppointForm())
    if form.validate_on_submit():
        try:
            specialist = service.appoint(
                queries.user(form.user.data),
                SpecialistKind(form.kind.data),
                form.team.data,
                form.note.data,
                actor=current_user,
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash(f"已聘任{specialist}。", "success")
            return redirect(url_for("specialists.detail", specialist_id=specialist.id))
    return (
        render_template(
            "specialists/index.html",
            specialists=service.specialists(),
            counts=service.open_counts(),
            limit=service.max_enterprises(),
            form=form,
            awaiting=service.found_needs(current_user, Confirmation.AWAITING),
        ),
        422,
    )


def _detail(specialist: Specialist, assign_form: AssignForm | None = None, status: int = 200) -> Any:
    assign_form = assign_form or AssignForm(formdata=None)
    assigned = {a.organization_id for a in service.open_assignments(specialist)}
    assign_form.organization.choices = options(
        ((o.id, o.name) for o in service.enterprises() if o.id not in assigned), "请选择企业"
    )
    return (
        render_template(
            "specialists/detail.html",
            specialist=specialist,
            assignments=sorted(specialist.assignments, key=lambda a: (a.ended_at is not None, -a.id)),
            open_count=len(assigned),
            limit=service.max_enterprises(),
            assign_form=assign_form,
            end_form=EndForm(formdata=None),
            visits=queries.visits_by(specialist),
        ),
        status,
    )


@bp.get("/<int:specialist_id>")
@requires("specialist.manage")
def detail(specialist_id: int) -> Any:
    return _detail(_specialist_or_404(specialist_id))


@bp.post("/<int:specialist_id>/assign")
@requires("specialist.manage")
def assign(specialist_id: int) -> Any:
    """Bureau staff assign an enterprise; above SPECIALIST_MAX_ENTERPRISES a warning, not a refusal."""
    specialist = _specialist_or_404(specialist_id)
    form = AssignForm()
    if form.validate_on_submit():
        org = account_queries.organization(form.organization.data) if form.organization.data else None
        try:
            done = service.assign(specialist, org, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_field_error(
                form, error if isinstance(error, FieldError) else FieldError("organization", error.message)
            )
            specialist = _specialist_or_404(specialist_id)
        else:
            db.session.commit()
            flash(f"已将{done.assignment.organization.name}分配给{specialist.user.name}。", "success")
            if done.warning:
                flash(done.warning, "warning")
            return redirect(url_for("specialists.detail", specialist_id=specialist.id))
    return _detail(specialist, form, 422)


@bp.post("/assignments/<int:assignment_id>/end")
@requires("specialist.manage")
def end_assignment(assignment_id: int) -> Response:
    assignment = queries.assignment(assignment_id)
    if assignment is None:
        abort(404)
    try:
        service.end_assignment(assignment, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"已结束对{assignment.organization.name}的服务分配。", "success")
    return redirect(url_for("specialists.detail", specialist_id=assignment.specialist_id))


@bp.post("/<int:specialist_id>/end")
@requires("specialist.manage")
def end(specialist_id: int) -> Any:
    specialist = _specialist_or_404(specialist_id)
    form = EndForm()
    if form.validate_on_submit():
        try:
            service.end_appointment(specialist, form.reason.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"已结束{specialist.user.name}的聘任，其服务企业的分配同时结束。", "success")
        return redirect(url_for("specialists.detail", specialist_id=specialist_id))
    flash("请写明结束原因。", "error")
    return redirect(url_for("specialists.detail", specialist_id=specialist_id))


# --- the specialist's own work ---------------------------------------------------------------


@bp.get("/workbench")
@requires("specialist.workbench")
def workbench() -> str:
    """The specialist's 工作台: each served enterprise with what needs attention."""
    specialist = policy.specialist_of(current_user)
    assert specialist is not None
    return render_template(
        "specialists/workbench.html",
        specialist=specialist,
        items=queries.workbench(specialist),
        visits=queries.visits_by(specialist, limit=10),
        stall_days=current_app.config["PAIRING_STALL_DAYS"],
    )


@bp.route("/enterprises/<int:org_id>/visits/new", methods=["GET", "POST"])
@policy.enforces("visit.record")
@login_required
def new_visit(org_id: int) -> Any:
    """A specialist records a visit to an enterprise it serves, with a need found there (optional)."""
    org = account_queries.organization_or_404(org_id)
    policy.require(current_user, "visit.record", org)
    form = VisitForm()
    if form.validate_on_submit():
        need = _need(form)
        try:
            visit = service.record_visit(
                org,
                form.visited_on.data,
                form.met.data,
                form.notes.data,
                [need] if need else [],
                actor=current_user,
            )
        except FieldError as error:
            db.session.rollback()
            if error.field in ("title", "description", "kind", "keywords", "contact_phone"):
                _need_error(form, error)
            else:
                attach_field_error(form, error)
            org = account_queries.organization_or_404(org_id)
        else:
            db.session.commit()
            flash(
                "已记录走访。" + ("发现的需求已请企业确认，确认后提交审核。" if need else ""),
                "success",
            )
            return redirect(url_for("specialists.visit", visit_id=visit.id))
    status = 422 if form.is_submitted() else 200
    return render_template("specialists/visit_form.html", org=org, form=form), status


def _visit_page(visit: Visit, need_form: NeedForm | None = None, status: int = 200) -> Any:
    return (
        render_template(
            "specialists/visit.html",
            visit=visit,
            need_form=need_form or NeedForm(formdata=None),
            may_add=policy.may(current_user, "visit.record", visit.organization),
        ),
        status,
    )


@bp.get("/visits/<int:visit_id>")
@policy.enforces("visit.view", "visit.record")
@login_required
def visit(visit_id: int) -> Any:
    """A visit's notes and needs: for the enterprise, the specialists serving it and bureau staff."""
    return _visit_page(_visit_or_404(visit_id))


@bp.post("/visits/<int:visit_id>/needs")
@policy.enforces("visit.view", "visit.record")
@login_required
def add_need(visit_id: int) -> Any:
    found = _visit_or_404(visit_id)
    policy.require(current_user, "visit.record", found.organization)
    form = NeedForm()
    if form.validate_on_submit():
        need = _need(form)
        if need is None:
            form.need_title.errors = ["请填写需求标题和描述。"]
        else:
            try:
                service.add_need(found, need, actor=current_user)
            except FieldError as error:
                db.session.rollback()
                _need_error(form, error)
                found = _visit_or_404(visit_id)
            else:
                db.session.commit()
                flash("已添加需求，并请企业确认。", "success")
                return redirect(url_for("specialists.visit", visit_id=visit_id))
    return _visit_page(found, form, 422)


@bp.route("/needs/<int:posting_id>/diagnose", methods=["GET", "POST"])
@policy.enforces("diagnosis.record")
@login_required
def diagnose(posting_id: int) -> Any:
    """A specialist grades a need of an enterprise it serves."""
    posting = posting_queries.posting(posting_id)
    if posting is None:
        abort(404)
    policy.require(current_user, "diagnosis.record", posting)
    form = DiagnosisForm()
    if form.validate_on_submit():
        try:
            service.diagnose(
                posting, Grade(form.grade.data), form.missing.data, form.note.data, actor=current_user
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
            posting = posting_queries.posting(posting_id) or abort(404)
        else:
            db.session.commit()
            flash(f"已记录诊断：{Grade(form.grade.data).label}。", "success")
            return redirect(url_for("specialists.workbench"))
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "specialists/diagnose.html", posting=posting, form=form, history=service.diagnoses_of(posting)
        ),
        status,
    )


def _label(p: Posting) -> str:
    return f"{p.kind.label}｜{p.title}（{p.organization.name}）"


@bp.route("/broker", methods=["GET", "POST"])
@requires("specialist.workbench")
@policy.enforces("pairing.broker")
def broker() -> Any:
    """A specialist introduces a posting of another organisation to an enterprise it serves (or
    the other way round); the pairing records the specialist as its broker."""
    specialist = policy.specialist_of(current_user)
    assert specialist is not None
    org_ids = [o.id for o in queries.assigned_organizations(specialist)]
    ours, others = queries.published_for_broker(org_ids, policy.listed_postings(current_user))
    form = BrokerForm()
    if not form.is_submitted():
        form.target.data = request.args.get("target", type=int)
    form.target.choices = options(((p.id, _label(p)) for p in ours), "请选择服务企业的信息")
    form.other.choices = options(((p.id, _label(p)) for p in others), "请选择推荐的信息")
    if form.validate_on_submit():
        by_id = {p.id: p for p in ours + others}
        target, other = by_id.get(form.target.data or 0), by_id.get(form.other.data or 0)
        if target is None or target.organization_id not in org_ids:
            form.target.errors = ["请选择服务企业已发布的信息。"]
        elif other is None:
            form.other.errors = ["没有这条信息。"]
        else:
            try:
                pairing = service.broker(target, other, form.message.data or "", actor=current_user)
            except FieldError as error:
                db.session.rollback()
                attach_field_error(form, error)
            else:
                db.session.commit()
                flash("已为双方牵线，企业会收到通知并答复。", "success")
                return redirect(url_for("pairings.detail", pairing_id=pairing.id))
    status = 422 if form.is_submitted() else 200
    return render_template("specialists/broker.html", form=form, has_enterprises=bool(org_ids)), status


# --- the enterprise: visits and confirming the needs written on its behalf -----------------------


@bp.get("/mine")
@requires("visits.own")
def mine() -> str:
    """An enterprise's visits and the needs written on its behalf, those awaiting its word first."""
    org_id = current_user.organization_id
    return render_template(
        "specialists/mine.html",
        visits=service.visits(current_user, org_id),
        needs=service.found_needs(current_user, org_id=org_id),
        serving=queries.serving(org_id),
    )


def _confirm_page(
    posting: Posting,
    refuse_form: RefuseForm | None = None,
    staff_form: ConfirmForStaffForm | None = None,
    status: int = 200,
) -> Any:
    diagnosis = service.current_diagnosis(posting)
    return (
        render_template(
            "specialists/confirm.html",
            posting=posting,
            refuse_form=refuse_form or RefuseForm(formdata=None),
            staff_form=staff_form or ConfirmForStaffForm(formdata=None),
            diagnosis=diagnosis,
            visit=queries.visit(posting.visit_id) if posting.visit_id else None,
            has_accounts=service.has_accounts(posting.organization),
        ),
        status,
    )


@bp.get("/needs/<int:posting_id>")
@policy.enforces("posting.view", "posting.confirm", "posting.confirm_for")
@login_required
def need(posting_id: int) -> Any:
    """The need as written on the visit, with 确认 / 修改后确认 / 拒绝 for the enterprise (a page
    made for a phone) and, for an enterprise without users, bureau staff's 代为确认."""
    return _confirm_page(_found_need_or_404(posting_id))


@bp.post("/needs/<int:posting_id>/confirm")
@policy.enforces("posting.view", "posting.confirm")
@login_required
def confirm(posting_id: int) -> Any:
    posting = _found_need_or_404(posting_id)
    policy.require(current_user, "posting.confirm", posting)
    try:
        submitted = service.confirm(posting, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("specialists.need", posting_id=posting_id))
    db.session.commit()
    flash(
        "已确认，需求已提交主管部门审核，发布后即可获得推荐。"
        if submitted
        else "已确认。贵单位通过主管部门认证后即可提交发布。",
        "success",
    )
    return redirect(url_for("postings.detail", posting_id=posting_id))


@bp.post("/needs/<int:posting_id>/refuse")
@policy.enforces("posting.view", "posting.confirm")
@login_required
def refuse(posting_id: int) -> Any:
    posting = _found_need_or_404(posting_id)
    policy.require(current_user, "posting.confirm", posting)
    form = RefuseForm()
    if form.validate_on_submit():
        try:
            service.refuse(posting, form.reason.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("specialists.need", posting_id=posting_id))
        db.session.commit()
        flash("已拒绝这条需求，专员会看到您的理由。", "success")
        return redirect(url_for("specialists.mine"))
    return _confirm_page(posting, refuse_form=form, status=422)


@bp.post("/needs/<int:posting_id>/confirm-for")
@policy.enforces("posting.view", "posting.confirm_for")
@login_required
def confirm_for(posting_id: int) -> Any:
    """Bureau staff confirm for an enterprise with no user account, recording the reason."""
    posting = _found_need_or_404(posting_id)
    policy.require(current_user, "posting.confirm_for", posting)
    form = ConfirmForStaffForm()
    if form.validate_on_submit():
        try:
            service.confirm_for(posting, form.reason.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("specialists.need", posting_id=posting_id))
        db.session.commit()
        flash("已代企业确认，需求已进入审核队列。", "success")
        return redirect(url_for("review.posting_queue"))
    return _confirm_page(posting, staff_form=form, status=422)
