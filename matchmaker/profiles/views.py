"""Thin views of 一企一册 and the cultivation pool: the profile page with the bureau's tier and
indicator forms, the pool by tier against the plan's targets, its drill-downs, export and targets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.accounts import queries as account_queries
from matchmaker.agreements import counting
from matchmaker.agreements import plans as plan_service
from matchmaker.agreements import queries as agreement_queries
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.spreadsheets import Sheet, workbook_of
from matchmaker.core.web import attach_field_error, int_arg, paginate, send_xlsx
from matchmaker.policy import requires
from matchmaker.profiles import operations as service
from matchmaker.profiles.forms import MeasureForm, TierForm, TierTargetForm
from matchmaker.profiles.models import MeasureKind
from matchmaker.taxonomy.forms import term_pairs
from matchmaker.taxonomy.models import EnterpriseTier, Town

if TYPE_CHECKING:
    from matchmaker.accounts.models import Organization
    from matchmaker.agreements.models import Plan

bp = Blueprint("profiles", __name__, url_prefix="/profiles")


def get_profile_or_404(org_id: int) -> Organization:
    """The organisation if the viewer may see its profile (404 otherwise: don't reveal it)."""
    org = account_queries.organization_or_404(org_id)
    if not policy.may(current_user, "profile.view", org):
        abort(404)
    return org


def _page(org: Organization, tier_form: TierForm, measure_form: MeasureForm, status: int = 200) -> Any:
    return (
        render_template(
            "profiles/detail.html",
            org=org,
            history=service.tier_history(org),
            readings=service.readings(org)
            if policy.may(current_user, "profile.see_indicators", org)
            else None,
            records=service.records(org, current_user),
            full=policy.may(current_user, "profile.see_records", org),
            editable=policy.may(current_user, "profile.edit", org),
            tier_form=tier_form,
            measure_form=measure_form,
        ),
        status,
    )


def _forms() -> tuple[TierForm, MeasureForm]:
    return TierForm(prefix="tier", formdata=None), MeasureForm(prefix="measure", formdata=None)


@bp.get("/<int:org_id>")
@policy.enforces("profile.view", "profile.edit", "profile.see_records", "profile.see_indicators")
@login_required
def detail(org_id: int) -> Any:
    org = get_profile_or_404(org_id)
    return _page(org, *_forms())


@bp.post("/<int:org_id>/tier")
@policy.enforces("profile.view", "profile.edit", "profile.see_records", "profile.see_indicators")
@login_required
def change_tier(org_id: int) -> Any:
    """Bureau staff record that the enterprise reached a tier (or left the pool) on a date."""
    org = get_profile_or_404(org_id)
    policy.require(current_user, "profile.edit", org)
    form = TierForm(prefix="tier")
    if form.validate_on_submit():
        tier = db.session.get(EnterpriseTier, form.tier.data) if form.tier.data else None
        if form.tier.data and tier is None:
            form.tier.errors = ["请选择梯度。"]
        else:
            try:
                service.change_tier(org, tier, form.effective_on.data, form.note.data, actor=current_user)
            except FieldError as error:
                db.session.rollback()
                attach_field_error(form, error)
                org = account_queries.organization_or_404(org_id)
            else:
                db.session.commit()
                flash(f"已记录：{org.name}的梯度为“{tier.name if tier else '无'}”。", "success")
                return redirect(url_for("profiles.detail", org_id=org.id))
    return _page(org, form, MeasureForm(prefix="measure", formdata=None), 422)


@bp.post("/<int:org_id>/measures")
@policy.enforces("profile.view", "profile.edit", "profile.see_records", "profile.see_indicators")
@login_required
def record_measure(org_id: int) -> Any:
    """Bureau staff enter an indicator reading with the date it was true."""
    org = get_profile_or_404(org_id)
    policy.require(current_user, "profile.edit", org)
    form = MeasureForm(prefix="measure")
    if form.validate_on_submit():
        kind = MeasureKind(form.kind.data)
        try:
            service.record_measure(
                org, kind, form.value.data, form.as_of.data, form.note.data, actor=current_user
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
            org = account_queries.organization_or_404(org_id)
        else:
            db.session.commit()
            flash(f"已录入{kind.label}。", "success")
            return redirect(url_for("profiles.detail", org_id=org.id))
    return _page(org, TierForm(prefix="tier", formdata=None), form, 422)


def _town() -> Town | None:
    town_id = int_arg("town")
    return db.session.get(Town, town_id) if town_id else None


def _tier_arg() -> tuple[EnterpriseTier | None, str]:
    """The drill-down's tier: ?tier=<id>, or ?tier=none for enterprises without one."""
    key = request.args.get("tier", service.NO_TIER)
    if key == service.NO_TIER:
        return None, key
    tier_id = int_arg("tier")
    tier = db.session.get(EnterpriseTier, tier_id) if tier_id else None
    if tier is None:
        abort(404)
    return tier, key


def _plan(every: list[Plan] | None = None) -> Plan | None:
    """The plan asked for (?plan=id), else the one in force today (None: no plan covers today)."""
    plan_id = int_arg("plan")
    if plan_id:
        return agreement_queries.plan_or_404(plan_id)
    return counting.plan_in_force(every=every)


@bp.get("/pool")
@policy.enforces("pool.targets")
@requires("pool.view")
def pool() -> str:
    """培育库: enterprises by tier against the plan's targets, filterable by 镇区."""
    town = _town()
    every = counting.plans()
    plan = _plan(every)
    return render_template(
        "profiles/pool.html",
        rows=service.pool(town, plan),
        town=town,
        towns=term_pairs(Town),
        plan=plan,
        plans=every,
        today=clock.today(),
        may_edit=policy.may(current_user, "pool.targets"),
        may_plan=policy.may(current_user, "plans.edit"),
    )


@bp.get("/pool/list")
@requires("pool.view")
def pool_list() -> str:
    """The enterprises behind one figure of the pool."""
    tier, key = _tier_arg()
    town = _town()
    members = paginate(service.pool_members_query(tier, town))
    return render_template(
        "profiles/pool_list.html",
        tier=tier,
        key=key,
        town=town,
        page=members,
        latest=service.latest_readings([o.id for o in members.items]),
        kinds=list(MeasureKind),
    )


@bp.get("/pool.xlsx")
@requires("pool.view")
def pool_export() -> Response:
    """The pool as a workbook: the figures, then every enterprise with its latest readings."""
    town = _town()
    plan = _plan()
    rows = service.pool(town, plan)
    members = [(row, org) for row in rows for org in service.pool_members(row.tier, town)]
    latest = service.latest_readings([org.id for _, org in members])

    def reading(org: Organization, kind: MeasureKind) -> tuple[Any, Any]:
        found = latest.get((org.id, kind))
        return (float(found.value), found.as_of.isoformat()) if found else (None, None)

    sheets: list[Sheet] = [
        (
            "培育库",
            [
                "梯度",
                f"{plan.tier_period}年目标（{plan.name}）" if plan else "目标（无计划）",
                "现有企业数",
                "差距",
            ],
            [(row.name, row.target, row.count, row.gap) for row in rows],
        ),
        (
            "企业名单",
            [
                "企业名称",
                "统一社会信用代码",
                "镇区",
                "梯度",
                "研发投入强度（%）",
                "截至",
                "Ⅰ类知识产权（件）",
                "截至",
            ],
            [
                (
                    org.name,
                    org.credit_code,
                    org.town.name if org.town else None,
                    row.name,
                    *reading(org, MeasureKind.RD_INTENSITY),
                    *reading(org, MeasureKind.CLASS1_IP),
                )
                for row, org in members
            ],
        ),
    ]
    name = f"培育库-{town.name}.xlsx" if town else "培育库.xlsx"
    return send_xlsx(workbook_of(sheets, widths={"A": 34, "B": 22}), name)


@bp.post("/pool/targets")
@requires("pool.targets")
def targets() -> Response:
    """Bureau staff edit a tier's target for a plan's last year (empty removes it)."""
    form = TierTargetForm()
    plan_value = request.form.get("plan", "")
    plan_id = int(plan_value) if plan_value.isascii() and plan_value.isdigit() and len(plan_value) < 10 else 0
    plan = agreement_queries.plan(plan_id) if plan_id else counting.plan_in_force()
    tier = db.session.get(EnterpriseTier, form.tier.data) if form.validate_on_submit() else None
    if plan is None:
        flash("目标未保存：没有执行中的计划，请先新建计划。", "error")
        return redirect(url_for("profiles.pool"))
    if tier is None:
        flash("目标未保存：请填写0到100000之间的整数。", "error")
        return redirect(url_for("profiles.pool", plan=plan.id))
    plan_service.set_tier_target(plan, tier, form.value.data, actor=current_user)
    db.session.commit()
    flash(f"“{tier.name}”{plan.tier_period}年的目标已保存（{plan.name}）。", "success")
    return redirect(url_for("profiles.pool", plan=plan.id))
