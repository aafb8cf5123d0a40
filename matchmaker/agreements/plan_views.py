"""Thin views of the plans (bureau staff): the list, a new plan (prefilled from the previous one),
its details, and closing it. Targets and rules are edited on 目标与计数规则 (views.indicators)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.agreements import counting
from matchmaker.agreements import plans as service
from matchmaker.agreements.forms import PlanEditForm, PlanForm
from matchmaker.agreements.models import Plan
from matchmaker.agreements.views import bp
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.web import attach_field_error, int_arg
from matchmaker.policy import requires


@bp.get("/plans")
@requires("plans.edit")
def plans() -> str:
    """Every plan, the latest first, with the one in force today marked."""
    every = counting.plans()
    return render_template(
        "agreements/plans.html",
        plans=every,
        in_force=counting.plan_in_force(every=every),
        today=clock.today(),
    )


def _prefill(form: PlanForm, every: list[Plan]) -> None:
    """The next plan after the latest one, as long as it ran (or from ?start_year=, e.g. a year no
    plan covers), copying the latest plan's rules and tier targets."""
    latest = every[0] if every else None
    start = int_arg("start_year", maximum=2100) or (latest.end_year + 1 if latest else clock.today().year)
    length = latest.end_year - latest.start_year + 1 if latest else 5
    form.start_year.data = start
    form.end_year.data = min(start + length - 1, 2100)
    form.name.data = f"宝应县专精特新企业培育行动计划（{start}—{form.end_year.data}年）"
    source = service.previous_plan(start)
    form.copy_from.data = source.id if source else None
    if latest and latest.bureaus:
        form.bureaus.data = latest.bureaus


@bp.route("/plans/new", methods=["GET", "POST"])
@requires("plans.edit")
def new_plan() -> str | tuple[str, int] | Response:
    """A new plan: its counting rules and tier targets copied from the chosen plan to start with."""
    every = counting.plans()
    form = PlanForm()
    form.copy_from.choices = [("", "不复制"), *((p.id, p.name) for p in every)]
    if not form.is_submitted():
        _prefill(form, every)
    if form.validate_on_submit():
        source = db.session.get(Plan, form.copy_from.data) if form.copy_from.data else None
        try:
            plan = service.create_plan(
                form.details(), actor=current_user, copy_from=source, copy=source is not None
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash(f"计划“{plan.name}”已创建。请设定各指标的年度和计划期目标。", "success")
            return redirect(url_for("agreements.indicators", plan=plan.id))
    status = 422 if form.is_submitted() else 200
    return render_template("agreements/plan_form.html", form=form, plan=None), status


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@requires("plans.edit")
def edit_plan(plan_id: int) -> str | tuple[str, int] | Response:
    """A plan's name, 文号 and 责任部门."""
    plan = db.get_or_404(Plan, plan_id)
    form = PlanEditForm(obj=plan if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.update_plan(
                plan,
                actor=current_user,
                name=form.name.data or "",
                doc_number=form.doc_number.data or "",
                bureaus=form.bureaus.data or "",
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("计划信息已保存。", "success")
            return redirect(url_for("agreements.plans"))
    status = 422 if form.is_submitted() else 200
    return render_template("agreements/plan_form.html", form=form, plan=plan), status


@bp.post("/plans/<int:plan_id>/close")
@requires("plans.edit")
def close_plan(plan_id: int) -> Response:
    """The plan ended or was replaced: it is no longer the default, and stays readable."""
    plan = db.get_or_404(Plan, plan_id)
    try:
        service.close_plan(plan, actor=current_user)
    except InvalidTransition as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("agreements.plans"))
    db.session.commit()
    flash(f"计划“{plan.name}”已结束，仍可查看。", "success")
    return redirect(url_for("agreements.plans"))
