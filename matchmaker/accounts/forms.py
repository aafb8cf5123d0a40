"""Forms for registration, login, password change and the organisation profile."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from matchmaker.accounts import creditcode
from matchmaker.accounts.passwords import AcceptablePassword
from matchmaker.accounts.values import OrgType
from matchmaker.core.forms import PHONE, BaseForm, optional_int, options
from matchmaker.notifications.values import EmailMode
from matchmaker.taxonomy.forms import term_choices
from matchmaker.taxonomy.models import EnterpriseTier, Town


class OrganizationFieldsMixin:
    """Fields an organisation fills in at registration and can correct later."""

    org_name = StringField("单位名称", validators=[DataRequired("请填写单位名称。"), Length(max=100)])
    credit_code = StringField(
        "统一社会信用代码",
        validators=[Optional(), Length(max=30)],
        description="18位，企业必填；高校院所如有请填写。",
    )
    town = SelectField("所属镇区", coerce=optional_int, validate_choice=False)
    tier = SelectField("企业梯度", coerce=optional_int, validate_choice=False)
    contact_name = StringField("联系人", validators=[DataRequired("请填写联系人。"), Length(max=50)])
    contact_phone = StringField("联系电话", validators=[DataRequired("请填写联系电话。"), PHONE])
    description = TextAreaField("单位简介", validators=[Optional(), Length(max=2000)])

    def fill_choices(self) -> None:
        self.town.choices = term_choices(Town, "请选择镇区")
        self.tier.choices = term_choices(EnterpriseTier, "（可不填）")

    def org_type_value(self) -> OrgType | None:
        raise NotImplementedError

    def validate_credit_code(self, field: StringField) -> None:
        org_type = self.org_type_value()
        if not field.data:
            if org_type is OrgType.ENTERPRISE:
                raise ValidationError("企业必须填写统一社会信用代码。")
            return
        problem = creditcode.problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_town(self, field: SelectField) -> None:
        if self.org_type_value() is OrgType.ENTERPRISE and not field.data:
            raise ValidationError("企业请选择所属镇区。")


class RegistrationForm(OrganizationFieldsMixin, BaseForm):
    org_type = SelectField(
        "单位类型",
        choices=options(((t.value, t.label) for t in OrgType.self_registrable()), "请选择"),
        validators=[DataRequired("请选择单位类型。")],
    )
    email = EmailField(
        "电子邮箱（登录账号）",
        validators=[DataRequired("请填写电子邮箱。"), Email("邮箱格式不正确。"), Length(max=254)],
    )
    password = PasswordField(
        "密码",
        description="8到128位；不要求特殊字符，但不能是常见密码。较长的一句话最安全。",
        validators=[
            DataRequired("请设置密码。"),
            AcceptablePassword("email"),
        ],
    )
    password_confirm = PasswordField(
        "确认密码",
        validators=[DataRequired("请再次输入密码。"), EqualTo("password", "两次输入的密码不一致。")],
    )

    def org_type_value(self) -> OrgType | None:
        try:
            return OrgType(self.org_type.data)
        except ValueError:
            return None


class OrganizationForm(OrganizationFieldsMixin, BaseForm):
    """Profile edit: the organisation's type is fixed once registered."""

    def __init__(self, *args: object, org_type: OrgType, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._org_type = org_type

    def org_type_value(self) -> OrgType | None:
        return self._org_type


class LoginForm(BaseForm):
    email = EmailField("电子邮箱", validators=[DataRequired("请填写电子邮箱。"), Length(max=254)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码。"), Length(max=128)])
    remember = BooleanField("在此设备上保持登录（30天，公用电脑请勿勾选）")


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("当前密码", validators=[DataRequired("请填写当前密码。")])
    new_password = PasswordField(
        "新密码",
        validators=[
            DataRequired("请填写新密码。"),
            AcceptablePassword(),
        ],
    )
    new_password_confirm = PasswordField(
        "确认新密码",
        validators=[DataRequired("请再次输入新密码。"), EqualTo("new_password", "两次输入的密码不一致。")],
    )
    revoke_tokens = BooleanField("同时吊销我的全部 API 访问令牌（怀疑密码泄露时建议勾选）")


class ForgotPasswordForm(BaseForm):
    email = EmailField("注册时使用的电子邮箱", validators=[DataRequired("请填写电子邮箱。"), Length(max=254)])


class ResetPasswordForm(BaseForm):
    new_password = PasswordField("新密码", validators=[DataRequired("请填写新密码。"), AcceptablePassword()])
    new_password_confirm = PasswordField(
        "确认新密码",
        validators=[DataRequired("请再次输入新密码。"), EqualTo("new_password", "两次输入的密码不一致。")],
    )


class EmailModeForm(BaseForm):
    email_mode = RadioField(
        "邮件通知", choices=options(EmailMode.choices()), validators=[DataRequired("请选择。")]
    )


class QueueNoticesForm(BaseForm):
    notify_queues = BooleanField("有新的待审核信息、待认证单位、待核验协议时通知我")


TOKEN_LIFETIMES = [("90", "90天"), ("30", "30天"), ("365", "一年"), ("0", "永不过期")]


class ApiTokenForm(BaseForm):
    name = StringField(
        "用途",
        validators=[DataRequired("请填写令牌用途。"), Length(max=50, message="用途最多50个字。")],
        description="如“省平台数据同步”，便于日后辨认和吊销。",
    )
    days = SelectField("有效期", choices=options(TOKEN_LIFETIMES), default="90")
