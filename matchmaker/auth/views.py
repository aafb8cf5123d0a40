"""Register, log in and out, change password, keep the organisation's profile."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from matchmaker.auth.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    LoginForm,
    OrganizationForm,
    RegistrationForm,
)
from matchmaker.exceptions import FieldError
from matchmaker.extensions import db
from matchmaker.forms import get_term
from matchmaker.models import ApiToken, EnterpriseTier, OrgType, Town
from matchmaker.models.base import utcnow
from matchmaker.services import accounts, tokens
from matchmaker.web import attach_field_error, redirect_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _details(form: RegistrationForm | OrganizationForm, org_type: OrgType) -> accounts.OrganizationDetails:
    return accounts.OrganizationDetails(
        name=form.org_name.data or "",
        type=org_type,
        credit_code=form.credit_code.data or None,
        town=get_term(Town, form.town.data),
        tier=get_term(EnterpriseTier, form.tier.data),
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        description=form.description.data,
    )


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.fill_choices()
    if form.validate_on_submit():
        org_type = OrgType(form.org_type.data)
        try:
            user = accounts.register(
                _details(form, org_type),
                email=form.email.data,
                password=form.password.data,
                name=form.contact_name.data,
                phone=form.contact_phone.data,
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash("注册成功。贵单位正在等待主管部门认证，认证前可以先填写草稿。", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect_next("main.home")
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        if user is None or not user.check_password(form.password.data):
            form.form_errors.append("邮箱或密码不正确。")
        elif not user.is_active:
            form.form_errors.append("该账号已停用，请联系主管部门。")
        else:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            flash(f"欢迎，{user.name}。", "success")
            return redirect_next("main.home")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("密码已修改。", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/organization", methods=["GET", "POST"])
@login_required
def organization() -> str | Response:
    org = current_user.organization
    form = OrganizationForm(org_type=org.type)
    form.fill_choices()
    if not form.is_submitted():
        form.org_name.data = org.name
        form.credit_code.data = org.credit_code
        form.town.data = org.town_id
        form.tier.data = org.tier_id
        form.contact_name.data = org.contact_name
        form.contact_phone.data = org.contact_phone
        form.description.data = org.description
    if form.validate_on_submit():
        try:
            accounts.update_organization(org, _details(form, org.type), actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("单位信息已保存。", "success")
            return redirect(url_for("auth.organization"))
    return render_template("auth/organization.html", form=form, org=org)


@bp.post("/organization/resubmit")
@login_required
def resubmit_verification() -> Response:
    accounts.request_verification(current_user.organization, actor=current_user)
    db.session.commit()
    flash("已重新提交认证申请，请等待主管部门审核。", "success")
    return redirect(url_for("auth.organization"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    """The user's own account: details, and API tokens (a new token's secret is shown once, here)."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _, secret = tokens.issue_token(
                current_user, form.name.data, days=int(form.days.data or 0), actor=current_user
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            form = ApiTokenForm(formdata=None)
    page = render_template(
        "auth/account.html", form=form, secret=secret, tokens=tokens.tokens_of(current_user)
    )
    if secret is None:
        return page
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the one page that shows a token's secret
    return response


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke_token(token, actor=current_user)
    db.session.commit()
    flash(f"令牌“{token.name}”已吊销，使用它的程序将无法再访问。", "success")
    return redirect(url_for("auth.account"))
