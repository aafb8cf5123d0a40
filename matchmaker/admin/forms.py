"""Forms for vocabulary terms and bureau staff accounts."""

from wtforms import BooleanField, EmailField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from matchmaker.accounts.passwords import AcceptablePassword
from matchmaker.core.forms import PHONE, BaseForm


class TermForm(BaseForm):
    name = StringField("名称", validators=[DataRequired("请填写名称。"), Length(max=50)])
    position = IntegerField(
        "排序",
        validators=[Optional(), NumberRange(min=0, max=100000, message="排序应为0到100000的整数。")],
        description="数字小的排在前面。",
    )
    active = BooleanField("启用", default=True)


class BureauUserForm(BaseForm):
    org_name = StringField(
        "所属部门",
        validators=[DataRequired("请填写所属部门。"), Length(max=100)],
        description="如“宝应县工业和信息化局”或“宝应县科学技术局”；不存在的部门将自动创建。",
    )
    name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=50)])
    email = EmailField(
        "电子邮箱（登录账号）",
        validators=[DataRequired("请填写电子邮箱。"), Email("邮箱格式不正确。"), Length(max=254)],
    )
    phone = StringField("联系电话", validators=[Optional(), PHONE])
    password = PasswordField(
        "初始密码",
        validators=[
            DataRequired("请设置初始密码。"),
            AcceptablePassword("email"),
        ],
    )
