"""Forms of the pipeline."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from matchmaker.core.forms import PHONE, BaseForm, optional_int, options
from matchmaker.pairings.operations import MAX_INTEREST, MAX_MESSAGE
from matchmaker.pairings.values import DeclineReason, PairingState


class InterestForm(BaseForm):
    message = TextAreaField(
        "想对对方说的话",
        validators=[
            DataRequired("请写几句话说明来意。"),
            Length(max=MAX_INTEREST, message=f"最多{MAX_INTEREST}个字。"),
        ],
        description="例如：我们的哪项成果或产品能解决对方的哪一点，希望怎样合作（合作开发、技术转让……）。",
    )
    own_posting = SelectField("附上本单位的信息", coerce=optional_int, validate_choice=False)
    share_confidential = BooleanField("对方接受后，向对方提供所附信息的保密内容")


class AcceptForm(BaseForm):
    share_confidential = BooleanField("同时向对方提供本信息的保密内容")


class DeclineForm(BaseForm):
    reason = SelectField(
        "婉拒原因",
        choices=options(DeclineReason.choices(), "请选择"),
        validators=[DataRequired("请选择婉拒原因。")],
    )
    note = TextAreaField("补充说明（对方可见）", validators=[Optional(), Length(max=MAX_INTEREST)])

    def validate_reason(self, field: SelectField) -> None:
        if DeclineReason.from_label(field.data or "") is None:
            raise ValidationError("婉拒原因无效。")


STEPS = [PairingState.NEGOTIATING, PairingState.SIGNED, PairingState.FAILED]


class AdvanceForm(BaseForm):
    to = SelectField(
        "更新进展",
        choices=options(
            ((s.value, s.label + ("（登记协议）" if s is PairingState.SIGNED else "")) for s in STEPS),
            "请选择",
        ),
        validators=[DataRequired("请选择进展。")],
    )
    reason = TextAreaField(
        "说明", validators=[Optional(), Length(max=MAX_INTEREST)], description="“未成功”时必填，写明原因。"
    )

    def validate_to(self, field: SelectField) -> None:
        if PairingState.from_label(field.data or "") not in STEPS:
            raise ValidationError("进展选项无效。")


class MessageForm(BaseForm):
    text = TextAreaField(
        "消息",
        validators=[
            DataRequired("请输入消息内容。"),
            Length(max=MAX_MESSAGE, message=f"最多{MAX_MESSAGE}个字。"),
        ],
    )


class NudgeForm(BaseForm):
    note = TextAreaField("提醒内容（双方可见）", validators=[Optional(), Length(max=MAX_INTEREST)])


class IntroduceForm(BaseForm):
    """Two published postings chosen by title (staff opening 牵线 from the funnel know no numbers);
    an id that is no longer offered is answered by the view ("没有这条信息"), not by WTForms."""

    target = SelectField(
        "被推荐给的信息",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired("请选择被推荐给的信息。")],
        description="这条信息的所有方会收到通知并答复。选项按信息类别和标题排列，可在列表中键入标题的开头查找。",
    )
    other = SelectField(
        "推荐的信息",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired("请选择推荐的信息。")],
        description="另一家单位的信息；从一条信息的页面打开牵线时，只列出能与那条信息对接的。",
    )
    message = TextAreaField(
        "牵线说明（双方可见）",
        validators=[DataRequired("请写明为什么推荐双方对接。"), Length(max=MAX_INTEREST)],
    )


class InviteForm(BaseForm):
    """居间对接: the first account of an organisation that has none (e.g. created by an import)."""

    name = StringField("联系人姓名", validators=[DataRequired("请填写姓名。"), Length(max=50)])
    email = EmailField(
        "电子邮箱（登录账号）",
        validators=[DataRequired("请填写电子邮箱。"), Email("邮箱格式不正确。"), Length(max=254)],
    )
    phone = StringField("联系电话", validators=[Optional(), PHONE])
