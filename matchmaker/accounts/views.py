"""Register, log in and out, change password, keep the organisation's profile."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.accounts import logins, sessions, tokens
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    EmailModeForm,
    ForgotPasswordForm,
    LoginForm,
    OrganizationForm,
    QueueNoticesForm,
    RegistrationForm,
    ResetPasswordForm,
)
from matchmaker.accounts.models import ApiToken, User
from matchmaker.accounts.values import OrgType
from matchmaker.core import mail
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.core.web import attach_field_error, public_url, redirect_next
from matchmaker.notifications.values import EmailMode
from matchmaker.policy import requires
from matchmaker.taxonomy.forms import get_term
from matchmaker.taxonomy.models import EnterpriseTier, Town

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Where a user holding a one-time password may still go before choosing a new one.
BEFORE_NEW_PASSWORD = {"auth.change_password", "auth.logout", "static", "main.favicon"}


@bp.before_app_request
def require_new_password() -> Response | None:
    """A user who logged in with a one-time password from bureau staff sets their own first."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.blueprint != "api"
        and request.endpoint not in BEFORE_NEW_PASSWORD
    ):
        flash("您使用的是主管部门发放的一次性密码，请先设置自己的新密码。", "info")
        return redirect(url_for("auth.change_password"))
    return None


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


REGISTERED = (
    "注册信息已提交。请用注册邮箱和刚才设置的密码登录；贵单位通过主管部门认证后即可提交发布信息。"
    "如果该邮箱此前已有账号，请用原密码登录，或联系主管部门重置密码。"
)


@bp.route("/register", methods=["GET", "POST"])
@policy.enforces(policy.PUBLIC)
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.fill_choices()
    if form.validate_on_submit():
        org_type = OrgType(form.org_type.data)
        try:
            accounts.register(
                _details(form, org_type),
                email=form.email.data,
                password=form.password.data,
                name=form.contact_name.data,
                phone=form.contact_phone.data,
            )
        except accounts.EmailTaken:
            db.session.rollback()  # answered exactly like a new registration: see REGISTERED
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
            return render_template("auth/register.html", form=form)
        else:
            db.session.commit()
        flash(REGISTERED, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


def begin_login(user: User, *, remember: bool) -> None:
    """A fresh server-side session for ``user`` on this device, and its cookies."""
    sessions.start(user, remember=remember, address=request.remote_addr, user_agent=request.user_agent.string)
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@policy.enforces(policy.PUBLIC)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect_next("main.home")
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = logins.authenticate(form.email.data, form.password.data, address=request.remote_addr)
        except logins.LoginRefused as refused:
            db.session.commit()  # the failure counts even though the login does not happen
            form.form_errors.append(refused.message)
        else:
            begin_login(user, remember=form.remember.data)
            db.session.commit()
            flash(f"欢迎，{user.name}。", "success")
            return redirect_next("main.home")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@policy.enforces(policy.PUBLIC)
def logout() -> Response:
    if current_user.is_authenticated:
        sessions.end_current(current_user)
        db.session.commit()
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@policy.enforces("account.manage")
@login_required
def change_password() -> str | Response:
    policy.require(current_user, "account.manage", current_user)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()  # type: ignore[attr-defined]
        remember = bool(user.login_session and user.login_session.remember)
        try:
            accounts.change_password(
                user,
                form.current_password.data,
                form.new_password.data,
                revoke_tokens=form.revoke_tokens.data,
            )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            begin_login(user, remember=remember)  # every other login has just ended
            db.session.commit()
            flash(
                "密码已修改，您在其他设备上的登录已全部退出"
                + ("，API 令牌已全部吊销。" if form.revoke_tokens.data else "。"),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@policy.enforces(policy.PUBLIC)
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> str | Response:
    """忘记密码: the same answer whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if mail.configured():
            found = accounts.begin_password_reset(form.email.data)
            db.session.commit()
            if found is not None:
                user, key = found
                minutes = int(accounts.RESET_LIFETIME.total_seconds() // 60)
                mail.send_later(
                    user.email,
                    f"【{current_app.config['SITE_NAME']}】重置密码",
                    f"{user.name}，您好：\n\n请在 {minutes} 分钟内打开下面的链接设置新密码（只能使用一次）：\n"
                    f"{public_url('auth.reset_password', key=key)}\n\n"
                    "如果不是您本人申请，请忽略本邮件，您的密码不会改变。\n",
                )
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<key>", methods=["GET", "POST"])
@policy.enforces(policy.PUBLIC)
def reset_password(key: str) -> str | tuple[str, int] | Response:
    """The link from the reset mail: choose a new password (once, within the hour)."""
    if accounts.find_reset(key) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.complete_password_reset(key, form.new_password.data)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash("密码已重置，所有设备上的登录都已退出。请用新密码登录。", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.post("/account/email")
@policy.enforces("account.manage")
@login_required
def email_mode() -> Response:
    policy.require(current_user, "account.manage", current_user)
    form = EmailModeForm()
    if form.validate_on_submit() and (mode := EmailMode.from_label(form.email_mode.data)) is not None:
        accounts.set_email_mode(current_user, mode)
        db.session.commit()
        flash("邮件通知设置已保存。", "success")
    else:
        flash("请选择一种邮件通知方式。", "error")
    return redirect(url_for("auth.account", _anchor="email"))


@bp.post("/account/queues")
@requires("queues.notify")
def queue_notices() -> Response:
    """Bureau staff: be told (or not) of each new item in their review and verification queues."""
    form = QueueNoticesForm()
    if form.validate_on_submit():
        accounts.set_queue_notices(current_user, bool(form.notify_queues.data))
        db.session.commit()
        flash("待办通知设置已保存。", "success")
    else:
        flash("页面已过期，请刷新后重试。", "error")
    return redirect(url_for("auth.account", _anchor="queues"))


@bp.route("/organization", methods=["GET", "POST"])
@policy.enforces("organization.edit")
@login_required
def organization() -> str | Response:
    org = current_user.organization
    policy.require(current_user, "organization.edit", org)
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
@policy.enforces("organization.resubmit")
@login_required
def resubmit_verification() -> Response:
    accounts.request_verification(current_user.organization, actor=current_user)
    db.session.commit()
    flash("已重新提交认证申请，请等待主管部门审核。", "success")
    return redirect(url_for("auth.organization"))


@bp.route("/account", methods=["GET", "POST"])
@policy.enforces("account.manage")
@login_required
def account() -> str | Response:
    """The user's own account: details, and API tokens (a new token's secret is shown once, here)."""
    policy.require(current_user, "account.manage", current_user)
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
    return render_template(
        "auth/account.html",
        form=form,
        secret=secret,
        tokens=tokens.tokens_of(current_user),
        logins=sessions.open_sessions(current_user),
        current_login=current_user.login_session,
        email_form=EmailModeForm(formdata=None, email_mode=current_user.email_mode),
        queues_form=QueueNoticesForm(formdata=None, notify_queues=current_user.notify_queues),
        mail_configured=mail.configured(),
    )


@bp.post("/account/logins/<int:login_id>/end")
@policy.enforces("account.own")
@login_required
def end_login(login_id: int) -> Response:
    sessions.end_one(current_user, login_id, actor=current_user)
    db.session.commit()
    flash("已结束该设备上的登录。", "success")
    return redirect(url_for("auth.account", _anchor="logins"))


@bp.post("/account/logins/end-others")
@policy.enforces("account.manage")
@login_required
def end_other_logins() -> Response:
    policy.require(current_user, "account.manage", current_user)
    current = current_user.login_session
    ended = 0
    for login in sessions.open_sessions(current_user):
        if login.id != current.id:
            sessions.end_one(current_user, login.id, actor=current_user)
            ended += 1
    db.session.commit()
    flash(f"已结束其他 {ended} 处登录。", "success")
    return redirect(url_for("auth.account", _anchor="logins"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@policy.enforces("account.own")
@login_required
def revoke_token(token_id: int) -> Response:
    token = db.session.get(ApiToken, token_id)
    if token is None or not policy.may(current_user, "account.own", token):
        abort(404)
    tokens.revoke_token(token, actor=current_user)
    db.session.commit()
    flash(f"令牌“{token.name}”已吊销，使用它的程序将无法再访问。", "success")
    return redirect(url_for("auth.account"))
