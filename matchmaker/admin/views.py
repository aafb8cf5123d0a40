"""Maintain 技术领域 / 镇区 / 梯度 and create bureau staff accounts (never self-registered)."""

from __future__ import annotations

import time
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import search
from matchmaker.accounts import operations as accounts
from matchmaker.accounts import queries as account_queries
from matchmaker.accounts.values import OrgType
from matchmaker.admin import audit
from matchmaker.admin.forms import BureauUserForm, TermForm
from matchmaker.core import clock, jobs
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.web import attach_field_error, int_arg, paginate, redirect_back, send_xlsx
from matchmaker.policy import requires
from matchmaker.taxonomy import operations as taxonomy
from matchmaker.taxonomy.models import TAXONOMIES, TaxonomyMixin

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _vocabulary(slug: str) -> type[TaxonomyMixin]:
    model = TAXONOMIES.get(slug)
    if model is None:
        abort(404)
    return model


def _render_terms(model: type[TaxonomyMixin], new_form: TermForm, status: int = 200) -> tuple[str, int]:
    terms = db.session.scalars(model.ordered(active_only=False)).all()
    return render_template(
        "admin/terms.html", model=model, terms=terms, form=new_form, vocabularies=TAXONOMIES
    ), status


@bp.get("/taxonomies/<slug>")
@requires("term.manage")
def terms(slug: str) -> tuple[str, int]:
    return _render_terms(_vocabulary(slug), TermForm())


@bp.post("/taxonomies/<slug>")
@requires("term.manage")
def add_term(slug: str) -> tuple[str, int] | Response:
    model = _vocabulary(slug)
    form = TermForm()
    if form.validate_on_submit():
        try:
            taxonomy.add_term(model, form.name.data, form.position.data, actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash(f"已添加{model.label}：{form.name.data.strip()}", "success")
            return redirect(url_for("admin.terms", slug=slug))
    return _render_terms(model, form, 422)


@bp.route("/taxonomies/<slug>/<int:term_id>", methods=["GET", "POST"])
@requires("term.manage")
def edit_term(slug: str, term_id: int) -> str | tuple[str, int] | Response:
    model = _vocabulary(slug)
    term = db.get_or_404(model, term_id)
    form = TermForm(obj=term)
    if form.validate_on_submit():
        try:
            taxonomy.update_term(
                term, form.name.data, form.position.data or 0, form.active.data, actor=current_user
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("已保存。", "success")
            return redirect(url_for("admin.terms", slug=slug))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/term_edit.html", model=model, term=term, form=form), status


@bp.route("/users", methods=["GET", "POST"])
@requires("user.create")
def users() -> str | tuple[str, int] | Response:
    form = BureauUserForm()
    if not form.is_submitted():
        form.org_name.data = current_user.organization.name
    if form.validate_on_submit():
        try:
            org = accounts.ensure_organization(form.org_name.data, OrgType.BUREAU, actor=current_user)
            accounts.create_user(
                form.email.data,
                form.password.data,
                form.name.data,
                org,
                phone=form.phone.data,
                actor=current_user,
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash(f"已创建主管部门账号：{form.email.data}", "success")
            return redirect(url_for("admin.users"))
    staff = account_queries.bureau_staff()
    status = 422 if form.is_submitted() else 200
    return render_template("admin/users.html", form=form, staff=staff, vocabularies=TAXONOMIES), status


@bp.post("/users/<int:user_id>/disable")
@requires("user.disable")
def disable_user(user_id: int) -> Response:
    """Stop an account at once: its logins end and its API tokens stop working."""
    user = account_queries.user_or_404(user_id)
    accounts.set_active(user, False, actor=current_user)
    db.session.commit()
    flash(f"已停用账号 {user.email}：该账号的所有登录已退出，API 令牌已失效。", "success")
    return redirect_back()


@bp.post("/users/<int:user_id>/enable")
@requires("user.disable")
def enable_user(user_id: int) -> Response:
    user = account_queries.user_or_404(user_id)
    accounts.set_active(user, True, actor=current_user)
    db.session.commit()
    flash(f"已重新启用账号 {user.email}。", "success")
    return redirect_back()


@bp.post("/users/<int:user_id>/one-time-password")
@requires("user.disable")
def one_time_password(user_id: int) -> str:
    """For a user who forgot the password where no mail is sent: shown once, here, to tell by
    phone; the user must choose a new one at the next login."""
    user = account_queries.user_or_404(user_id)
    password = accounts.issue_one_time_password(user, actor=current_user)
    db.session.commit()
    return render_template("admin/one_time_password.html", user=user, password=password)


@bp.get("/audit")
@requires("audit.view")
def audit_log() -> str:
    """The journal, filtered: who did what to which object, when and from where."""
    filters, problem = _audit_filters()
    page = paginate(audit.entries(filters)) if problem is None else None
    return render_template(
        "admin/audit.html",
        page=page,
        filters=filters,
        problem=problem,
        actions=audit.ACTION_CHOICES,
        objects=audit.OBJECT_CHOICES,
        describe=audit.describe_changes,
        vocabularies=TAXONOMIES,
    )


@bp.get("/audit.xlsx")
@requires("audit.view")
def audit_export() -> Response:
    filters, problem = _audit_filters()
    if problem is not None:
        flash(problem, "error")
        return redirect(url_for("admin.audit_log"))
    return send_xlsx(audit.export(filters), f"操作记录-{clock.today().isoformat()}.xlsx")


def _audit_filters() -> tuple[audit.Filters, str | None]:
    """The page's query arguments as filters, or the problem with them (in Chinese)."""
    args = request.args
    filters = audit.Filters(
        person=args.get("person", "").strip()[:100] or None,
        organization=args.get("organization", "").strip()[:100] or None,
        action=args.get("action") if args.get("action") in audit.LABELS else None,
    )
    if args.get("object"):
        if args["object"] not in dict(audit.OBJECT_CHOICES):
            return filters, "对象类型无效。"
        filters.object_type = args["object"]
    filters.object_id = int_arg("object_id")
    for name in ("since", "until"):
        value = args.get(name, "").strip()
        if value:
            try:
                setattr(filters, name, date.fromisoformat(value))
            except ValueError:
                return filters, "日期格式应为 YYYY-MM-DD。"
    return filters, None


@bp.get("/search")
@requires("index.manage")
def search_index() -> str:
    """One state of the index at a time, with live progress while it is rebuilt."""
    return render_template("admin/search.html", status=search.status(), vocabularies=TAXONOMIES)


@bp.post("/search/reindex")
@requires("index.manage")
def reindex() -> Response:
    """Rebuild in the background: search keeps working on the old index until the swap."""
    if search.status().state == "rebuilding":
        flash("索引已在重建中，请等待完成。", "info")
        return redirect(url_for("admin.search_index"))
    search.rebuild_in_background()
    deadline = time.monotonic() + 3  # so the page we send them to already shows the rebuild
    while jobs.queue().pending() and time.monotonic() < deadline and not search.is_rebuilding():
        time.sleep(0.05)
    flash("已开始重建索引。重建期间搜索和推荐照常使用原来的索引，完成后自动切换。", "success")
    return redirect(url_for("admin.search_index"))
