"""Thin views of the agreements: the ledger, recording and correcting, the steps, evidence files,
the dashboard with its drill-downs and exports, and the indicators' targets and rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from matchmaker import policy, search
from matchmaker.accounts import operations as accounts
from matchmaker.agreements import charts, counting, ledger
from matchmaker.agreements import operations as service
from matchmaker.agreements import plans as plan_service
from matchmaker.agreements.forms import (
    AgreementForm,
    NoteForm,
    ReasonForm,
    RulesForm,
    TargetForm,
    UploadForm,
)
from matchmaker.agreements.models import Agreement, AgreementFile, Indicator, Plan
from matchmaker.agreements.values import AgreementStatus, AgreementType
from matchmaker.core import clock, uploads
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.spreadsheets import workbook_of
from matchmaker.core.web import attach_field_error, int_arg, paginate, send_xlsx
from matchmaker.events import outcomes as event_outcomes
from matchmaker.pairings import queries as pairing_queries
from matchmaker.policy import requires

if TYPE_CHECKING:
    from matchmaker.accounts.models import Organization
    from matchmaker.pairings.models import Pairing

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


def get_agreement_or_404(agreement_id: int) -> Agreement:
    agreement = db.get_or_404(Agreement, agreement_id)
    if not policy.may(current_user, "agreement.view", agreement):
        abort(404)
    return agreement


def _listing() -> Any:
    """The agreements the user may see, newest signing first, with the ledger's filters."""
    stmt = (
        select(Agreement)
        .where(policy.agreements_of(current_user), Agreement.deleted_at.is_(None))
        .options(selectinload(Agreement.parties), selectinload(Agreement.recorded_org))
        .order_by(Agreement.signed_on.desc(), Agreement.id.desc())
    )
    status = (
        AgreementStatus.from_label(request.args.get("status", "")) if request.args.get("status") else None
    )
    if status is not None:
        stmt = stmt.where(Agreement.status == status)
    kind = AgreementType.from_label(request.args.get("type", "")) if request.args.get("type") else None
    if kind is not None:
        stmt = stmt.where(Agreement.type == kind)
    span = counting.Span.parse(request.args.get("year"))
    if span is not None:
        stmt = stmt.where(Agreement.signed_on >= span.start, Agreement.signed_on <= span.end)
    return stmt, status, kind, span


@bp.get("/")
@policy.enforces("agreements.ledger", "agreements.own")
@login_required
def index() -> str:
    if not (policy.may(current_user, "agreements.ledger") or policy.may(current_user, "agreements.own")):
        abort(403)
    stmt, status, kind, span = _listing()
    return render_template(
        "agreements/index.html",
        page=paginate(stmt),
        status=status,
        kind=kind,
        span=span,
        AgreementStatus=AgreementStatus,
        agreement_types=list(AgreementType),
    )


@bp.get("/ledger.xlsx")
@requires("agreements.ledger")
def ledger_xlsx() -> Response:
    stmt, *_ = _listing()
    return send_xlsx(ledger.xlsx(db.session.scalars(stmt)), "协议台账.xlsx")


def _organizations(form: AgreementForm) -> dict[str, Organization]:
    names = {(row.form.name.data or "").strip() for row in form.parties if not row.form.is_blank}
    found = {name: accounts.find_organization(name) for name in names if name}
    return {name: org for name, org in found.items() if org is not None}


@bp.route("/new", methods=["GET", "POST"])
@policy.enforces("pairing.view", "pairing.advance")
@requires("agreement.record")
def create() -> str | tuple[str, int] | Response:
    """Record an agreement, from a pairing in 洽谈中 (prefilled) or reached off the platform."""
    pairing = None
    if pairing_id := int_arg("pairing"):
        pairing = pairing_queries.pairing_or_404(pairing_id)
        if not policy.may(current_user, "pairing.view", pairing):
            abort(404)
    form = AgreementForm()
    if not form.is_submitted():
        if pairing is not None:
            form.fill_parties(service.parties_of_pairing(pairing))
            form.title.data = pairing.target.title
            form.tech_field.data = pairing.target.tech_field_id
            form.type.data = AgreementType.TECH_DEV_COMMISSIONED.value
        elif not current_user.is_bureau:
            org = current_user.organization
            form.fill_parties(
                [
                    service.PartyDetails(
                        service.PartySide.BUYER,
                        org.name,
                        service.PartyType.of(org.type),
                        org.credit_code,
                        org,
                    )
                ]
            )
    early = None
    if form.validate_on_submit() and not (early := _early_signing(form, pairing)):
        try:
            agreement = service.record_agreement(
                form.details(_organizations(form)), actor=current_user, pairing=pairing
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("协议已登记。请协议另一方在平台上确认，再由主管部门核验后计入统计。", "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "agreements/form.html", form=form, pairing=pairing, agreement=None, ask_date=bool(early)
        ),
        status,
    )


def _early_signing(form: AgreementForm, pairing: Pairing | None) -> str | None:
    """A signing date before the pairing began or its need was published is likely a typo: asked
    once (the form's 签订日期无误 box), never silently taken nor refused."""
    if pairing is None or form.date_confirmed.data or form.signed_on.data is None:
        return None
    began = clock.local(pairing.created_at).date()
    need = pairing.target if pairing.target.kind.is_need else pairing.own_posting
    published = clock.local(need.published_at).date() if need is not None and need.published_at else None
    if published is not None and form.signed_on.data < published:
        problem = f"签订日期早于需求发布（{published.isoformat()}）"
    elif form.signed_on.data < began:
        problem = f"签订日期早于对接开始（{began.isoformat()}）"
    else:
        return None
    form.signed_on.errors = [
        *form.signed_on.errors,
        f"{problem}：如确认无误，请勾选“签订日期无误”后再次提交。",
    ]
    return problem


@bp.get("/<int:agreement_id>")
@policy.enforces("agreement.view")
@login_required
def detail(agreement_id: int) -> str:
    agreement = get_agreement_or_404(agreement_id)
    need = counting.need_of(agreement)
    other = None
    evidence = None
    if agreement.pairing is not None:
        pairing = agreement.pairing
        other = pairing.own_posting if need is pairing.target else pairing.target
        if need is not None and other is not None:
            try:
                evidence = search.evidence_between(need, other)
            except search.SearchUnavailable:
                evidence = None
    duplicates = [
        a
        for a in db.session.scalars(
            select(Agreement).where(
                Agreement.dedupe_key == agreement.dedupe_key,
                Agreement.id != agreement.id,
                Agreement.deleted_at.is_(None),
            )
        )
        if policy.may(current_user, "agreement.view", a)
    ]
    counted_as = counting.counted_as(agreement)
    indicators = counting.indicators_of(agreement)
    return render_template(
        "agreements/detail.html",
        agreement=agreement,
        need=need,
        other=other,
        evidence=evidence,
        duplicates=duplicates,
        indicators=indicators,
        counted_as=counted_as,
        can_confirm=(
            agreement.status is AgreementStatus.RECORDED
            and policy.is_member(current_user)
            and current_user.organization_id in service.confirmers(agreement)
        ),
        awaits_confirmation=bool(service.confirmers(agreement)),
        note_form=NoteForm(version=str(agreement.version)),
        reason_form=ReasonForm(),
        delete_form=ReasonForm(prefix="delete"),
        upload_form=UploadForm(),
    )


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@policy.enforces("agreement.view", "agreement.edit")
@login_required
def edit(agreement_id: int) -> str | tuple[str, int] | Response:
    agreement = get_agreement_or_404(agreement_id)
    policy.require(current_user, "agreement.edit", agreement)
    if agreement.is_deleted:
        raise InvalidTransition("该协议已删除，不能再修改。")
    form = AgreementForm(obj=agreement if request.method == "GET" else None)
    if not form.is_submitted():
        form.type.data = agreement.type.value
        form.registration.data = agreement.registration.value
        form.tech_field.data = agreement.tech_field_id
        form.fill_parties(
            [
                service.PartyDetails(p.side, p.name, p.party_type, p.credit_code, p.organization)
                for p in agreement.parties
            ]
        )
    if form.validate_on_submit():
        try:
            service.update_agreement(agreement, form.details(_organizations(form)), actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
            agreement = db.get_or_404(Agreement, agreement_id)
        else:
            db.session.commit()
            flash("已保存。" + _after_edit(agreement), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "agreements/form.html", form=form, pairing=agreement.pairing, agreement=agreement
    ), status


def _after_edit(agreement: Agreement) -> str:
    """What happens next, in the words of the status the edit left."""
    if agreement.status is AgreementStatus.RECORDED and service.confirmers(agreement):
        return "协议须由另一方（重新）确认，再经主管部门核验后计入统计。"
    if agreement.status is not AgreementStatus.VERIFIED:
        return "修改后需要主管部门重新核验。"
    return ""


def _seen_version(form: Any) -> int | None:
    """The version the page showed (a hidden field), so nothing is confirmed unseen."""
    value = (form.version.data or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _step(agreement_id: int, form_class: type, act: Any, done: str) -> Response:
    agreement = get_agreement_or_404(agreement_id)
    form = form_class()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("agreements.detail", agreement_id=agreement_id))
    act(agreement, form)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement_id))


@bp.post("/<int:agreement_id>/confirm")
@policy.enforces("agreement.view", "agreement.confirm")
@login_required
def confirm(agreement_id: int) -> Response:
    return _step(
        agreement_id,
        NoteForm,
        lambda a, f: service.confirm_agreement(a, actor=current_user, version=_seen_version(f)),
        "已确认。主管部门核验后，这份协议计入统计。",
    )


@bp.post("/<int:agreement_id>/verify")
@policy.enforces("agreement.view")
@requires("agreement.verify")
def verify(agreement_id: int) -> Response:
    return _step(
        agreement_id,
        NoteForm,
        lambda a, f: service.verify_agreement(a, f.note.data, actor=current_user, version=_seen_version(f)),
        "已核验，协议计入统计。",
    )


@bp.post("/<int:agreement_id>/return")
@policy.enforces("agreement.view")
@requires("agreement.verify")
def return_(agreement_id: int) -> Response:
    return _step(
        agreement_id,
        ReasonForm,
        lambda a, f: service.return_agreement(a, f.reason.data, actor=current_user),
        "已退回，登记单位会看到理由。",
    )


@bp.post("/<int:agreement_id>/delete")
@policy.enforces("agreement.view", "agreement.delete")
@login_required
def delete(agreement_id: int) -> Response:
    agreement = get_agreement_or_404(agreement_id)
    policy.require(current_user, "agreement.delete", agreement)
    form = ReasonForm(prefix="delete")
    if not form.validate_on_submit():
        flash("删除协议必须写明理由。", "error")
        return redirect(url_for("agreements.detail", agreement_id=agreement_id))
    service.delete_agreement(agreement, form.reason.data or "", actor=current_user)
    db.session.commit()
    flash("协议已删除，不再计入统计；删除记录保存在操作记录中。", "success")
    return redirect(url_for("agreements.index"))


@bp.post("/<int:agreement_id>/files")
@policy.enforces("agreement.view", "agreement.edit")
@login_required
def upload(agreement_id: int) -> Response:
    agreement = get_agreement_or_404(agreement_id)
    policy.require(current_user, "agreement.edit", agreement)
    form = UploadForm()
    if not form.validate_on_submit() or not form.file.data:
        flash("请选择要上传的文件。", "error")
        return redirect(url_for("agreements.detail", agreement_id=agreement_id))
    data = form.file.data.read(service.MAX_FILE_BYTES + 1)
    try:
        service.add_file(agreement, data, form.file.data.filename or "", actor=current_user)
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("证明材料已上传。" + _after_edit(agreement), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement_id, _anchor="files"))


def _file_or_404(agreement_id: int, file_id: int) -> AgreementFile:
    agreement = get_agreement_or_404(agreement_id)
    attachment = db.session.get(AgreementFile, file_id)
    if attachment is None or attachment.agreement_id != agreement.id:
        abort(404)
    return attachment


@bp.get("/<int:agreement_id>/files/<int:file_id>")
@policy.enforces("agreement.view")
@login_required
def download(agreement_id: int, file_id: int) -> Response:
    """Only to the parties and bureau staff; with its original (Chinese) name, never rendered inline."""
    attachment = _file_or_404(agreement_id, file_id)
    path = service.files_dir() / attachment.stored_name
    if not path.is_file():
        abort(404)
    return uploads.send(path, attachment.original_name, attachment.content_type)


@bp.post("/<int:agreement_id>/files/<int:file_id>/delete")
@policy.enforces("agreement.view", "agreement.edit")
@login_required
def remove_file(agreement_id: int, file_id: int) -> Response:
    attachment = _file_or_404(agreement_id, file_id)
    service.remove_file(attachment, actor=current_user)
    db.session.commit()
    flash("附件已删除。" + _after_edit(attachment.agreement), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement_id, _anchor="files"))


# --- the dashboard --------------------------------------------------------------------------


def _may_see_dashboard() -> bool:
    return policy.may(current_user, "dashboard.view") or bool(current_app.config["DASHBOARD_PUBLIC"])


def _choice(every: list[Plan] | None = None) -> counting.Choice:
    """The plan (?plan=id) and/or the year or period (?year=2026, ?year=2023-2025) asked about;
    by default the plan in force today. Unknown values count as not given."""
    plan_id = int_arg("plan")
    plan = db.session.get(Plan, plan_id) if plan_id else None
    return counting.choose(plan, counting.Span.parse(request.args.get("year")), every=every)


@bp.get("/dashboard")
@policy.enforces("dashboard.view")
def dashboard() -> str | Response:
    """The plan's indicators against their targets, for a year or the plan period: every figure an
    aggregate query, so the page costs the same whatever the number of records."""
    if not _may_see_dashboard():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)
    every = counting.plans()
    choice = _choice(every)
    span = choice.span
    tally = counting.tally(span, choice.rules)
    figures = tally.figures
    chosen = request.args.get("indicator") or "iur_agreements"
    focus = next((f for f in figures if f.indicator.code == chosen), figures[0] if figures else None)
    insider = policy.may(current_user, "dashboard.view")
    median_days, with_need = counting.median_days_of(span) if insider else (None, 0)
    return render_template(
        "agreements/dashboard.html",
        span=span,
        choice=choice,
        plans=every,
        years=choice.plan.years if choice.plan else [span.first],
        may_plan=policy.may(current_user, "plans.edit"),
        figures=figures,
        focus=focus,
        progress=charts.progress(figures, span, clock.today()),
        breakdowns=counting.breakdowns_of(focus) if focus else {},
        dimensions=counting.DIMENSIONS,
        tally=tally,
        funnel=counting.funnel(span) if insider else {},
        funnel_labels=counting.FUNNEL_LABELS,
        median_days=median_days,
        with_need=with_need,
        insider=insider,
        events=event_outcomes.held_events(span.start, span.end) if insider else [],
    )


def _drill(choice: counting.Choice) -> tuple[str, Any, str]:
    """The records behind one number of the dashboard: (what they are, the statement selecting
    them, a title)."""
    span = choice.span
    what = request.args.get("what", "agreements")
    if what in ("published", "proposed"):
        return "postings", counting.funnel_postings(span, what), counting.FUNNEL_LABELS[what]
    if what in counting.PAIRING_STAGES:
        return "pairings", counting.funnel_pairings(span, what), counting.FUNNEL_LABELS[what]
    where = [counting.counted_clause(span)]
    title = "已核验的协议（同一合同只计一次）"
    if code := request.args.get("indicator"):
        figure = next((f for f in counting.figures(span, choice.rules) if f.indicator.code == code), None)
        if figure is None:
            abort(404)
        where.append(figure.clause)
        title = figure.indicator.name
    if what == "from_pairing":
        where.append(Agreement.pairing_id.isnot(None))
        title += " · 来自平台对接"
    if what == "from_need":
        where.append(counting.from_need_clause())
        title += " · 来自需求"
    dimension, value = request.args.get("by"), request.args.get("value")
    if dimension in counting.DIMENSIONS and value is not None:
        where.append(counting.dimension_clause(dimension, value))
        title += f" · {counting.DIMENSIONS[dimension][0]}：{value}"
    stmt = select(Agreement).where(*where).options(selectinload(Agreement.parties)).order_by(Agreement.id)
    return "agreements", stmt, title


@bp.get("/dashboard/list")
@policy.enforces("dashboard.view")
def dashboard_list() -> str | Response:
    """The records behind one number of the dashboard, a page at a time."""
    if not _may_see_dashboard():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)
    choice = _choice()
    span = choice.span
    insider = policy.may(current_user, "dashboard.view")
    if request.args.get("what", "agreements") in counting.FUNNEL and not insider:
        abort(403)  # the public dashboard shows agreements only
    kind, stmt, title = _drill(choice)
    return render_template(
        "agreements/drill.html",
        kind=kind,
        page=paginate(stmt),
        title=title,
        span=span,
        plan=choice.plan,
        insider=insider,
    )


@bp.get("/dashboard.xlsx")
@requires("dashboard.view")
def dashboard_xlsx() -> Response:
    choice = _choice()
    span = choice.span
    tally = counting.tally(span, choice.rules, with_ids=True)
    figures = tally.figures
    sheets: list[Any] = [
        (
            "指标",
            ["指标", "代码", "目标", "完成", "完成率", "计入的协议编号"],
            [
                [
                    f.indicator.name,
                    f.indicator.code,
                    f.target,
                    f.count,
                    f"{f.count / f.target:.0%}" if f.target else None,
                    "、".join(f"#{i}" for i in f.agreement_ids),
                ]
                for f in figures
            ],
        )
    ]
    for f in figures:
        breakdowns = counting.breakdowns_of(f)
        for dim, (label, _) in counting.DIMENSIONS.items():
            sheets.append(
                (
                    f"{f.indicator.name}-{label}",
                    [label, "协议数"],
                    [[value, n] for value, n in breakdowns[dim]],
                )
            )
    funnel = counting.funnel(span)
    sheets.append(("对接漏斗", ["环节", "数量"], [[counting.FUNNEL_LABELS[k], n] for k, n in funnel.items()]))
    sheets.append(
        (
            "金额",
            ["项目", "万元"],
            [["合同成交额合计", float(tally.contract)], ["技术交易额合计", float(tally.tech)]],
        )
    )
    sheets.append(("协议台账", ledger.HEADERS, [ledger.row(a) for a in counting.distinct(span)]))
    return send_xlsx(workbook_of(sheets), f"计划进展-{span.key}.xlsx")


# --- indicators: targets and counting rules ---------------------------------------------------


def posted_id(name: str) -> int:
    """A positive id from the posted form; 0 (found nowhere) for anything else."""
    value = request.form.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def _edited_plan(plan_id: int | None) -> Plan | None:
    """The plan whose targets and rules the page edits: the one asked for, else the one in force
    today, else the latest."""
    if plan_id:
        return db.session.get(Plan, plan_id)
    every = counting.plans()
    return counting.plan_in_force() or (every[0] if every else None)


@bp.route("/indicators", methods=["GET", "POST"])
@requires("indicators.edit")
def indicators() -> str | tuple[str, int] | Response:
    """Bureau staff set a plan's targets for each indicator and which agreement types count
    toward it."""
    if request.method == "POST":
        plan = db.session.get(Plan, posted_id("plan")) if "plan" in request.form else _edited_plan(None)
        if plan is None:
            flash("未保存：没有这个计划。", "error")
            return redirect(url_for("agreements.indicators"))
        back = redirect(url_for("agreements.indicators", plan=plan.id))
        if request.form.get("form") == "rules":
            form: Any = RulesForm()
            indicator = (
                db.session.get(Indicator, form.indicator.data or "") if form.validate_on_submit() else None
            )
            if indicator is None:
                abort(400)
            chosen = {
                kind: request.form.get(f"iur_{kind.value}") == "y"
                for kind in AgreementType
                if request.form.get(f"type_{kind.value}") == "y"
            }
            plan_service.set_rules(plan, indicator, chosen, actor=current_user)
            db.session.commit()
            flash(f"“{indicator.name}”的计数规则已保存（{plan.name}）。", "success")
            return back
        form = TargetForm()
        indicator = (
            db.session.get(Indicator, form.indicator.data or "") if form.validate_on_submit() else None
        )
        if indicator is None or form.period.data not in plan.periods:
            for errors in form.errors.values():
                for message in errors:
                    flash(message, "error")
            flash("目标未保存：请填写0到100000之间的整数。", "error")
            return back
        span = counting.Span.parse(form.period.data)
        assert span is not None
        try:
            plan_service.set_target(plan, indicator, span.key, form.value.data, actor=current_user)
        except FieldError as error:
            db.session.rollback()
            flash(str(error), "error")
            return back
        db.session.commit()
        flash(f"“{indicator.name}”{span.label}的目标已保存。", "success")
        return back
    plan = _edited_plan(int_arg("plan"))
    if plan is None and int_arg("plan"):
        abort(404)
    return render_template(
        "agreements/indicators.html",
        plan=plan,
        plans=counting.plans(),
        indicators=counting.indicators(),
        types=list(AgreementType),
        form=TargetForm(formdata=None),
    )
