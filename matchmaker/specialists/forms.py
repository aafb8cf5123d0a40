"""Forms of the specialists' pages: appointing and assigning (bureau staff), visits with the needs
found there, diagnosis, brokering (specialists), and the enterprise's confirmation."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from matchmaker.core.forms import BaseForm, optional_int, options
from matchmaker.postings.values import PostingKind
from matchmaker.specialists.operations import (
    MET_LENGTH,
    NOTE_LENGTH,
    NOTES_LENGTH,
    REASON_LENGTH,
    TEAM_LENGTH,
)
from matchmaker.specialists.values import Grade, SpecialistKind

NEED_KINDS = [(k.value, k.label) for k in PostingKind if k.is_need]


class AppointForm(BaseForm):
    user = SelectField(
        "平台账号",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired("请选择要聘任的账号。")],
        description="技术经纪人通常是已认证的技术转移服务机构的用户；科技镇长团成员可以是高校院所的用户。",
    )
    kind = SelectField(
        "类别", choices=options(SpecialistKind.choices(), "请选择"), validators=[DataRequired("请选择类别。")]
    )
    team = StringField(
        "所属团队",
        validators=[Optional(), Length(max=TEAM_LENGTH)],
        description="例如：第十六批科技镇长团宝应分团（成果按团队统计）。",
    )
    note = TextAreaField("备注", validators=[Optional(), Length(max=NOTE_LENGTH)])

    def validate_kind(self, field: SelectField) -> None:
        if SpecialistKind.from_label(field.data or "") is None:
            raise ValidationError("类别无效。")


class AssignForm(BaseForm):
    organization = SelectField(
        "服务企业",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired("请选择企业。")],
    )


class EndForm(BaseForm):
    reason = TextAreaField(
        "结束原因",
        validators=[DataRequired("请写明结束原因。"), Length(max=REASON_LENGTH)],
    )


class NeedFields(BaseForm):
    """One need found on a visit (all optional on the visit form: a visit may find none)."""

    need_kind = SelectField("需求类别", choices=options(NEED_KINDS), default=PostingKind.RD_NEED.value)
    need_title = StringField("需求标题", validators=[Optional(), Length(max=100)])
    need_description = TextAreaField(
        "需求描述",
        validators=[Optional(), Length(max=5000)],
        description="企业要解决什么问题、现有条件和指标；企业确认（或修改）后才会提交审核。",
    )

    def validate_need_kind(self, field: SelectField) -> None:
        if field.data not in [k for k, _ in NEED_KINDS]:
            raise ValidationError("需求类别无效。")


class VisitForm(NeedFields):
    visited_on = DateField("走访日期", validators=[DataRequired("请填写走访日期（格式 2025-06-30）。")])
    met = StringField(
        "接待人员",
        validators=[DataRequired("请填写接待人员。"), Length(max=MET_LENGTH)],
        description="姓名和职务，例如：王总（总经理）、李工（技术部长）。",
    )
    notes = TextAreaField(
        "走访记录",
        validators=[DataRequired("请填写走访记录。"), Length(max=NOTES_LENGTH)],
        description="仅被走访企业、为其服务的专员和主管部门可以查看。",
    )


class NeedForm(NeedFields):
    pass


class DiagnosisForm(BaseForm):
    grade = SelectField(
        "诊断结论", choices=options(Grade.choices(), "请选择"), validators=[DataRequired("请选择诊断结论。")]
    )
    missing = TextAreaField(
        "还缺少什么（企业可见）",
        validators=[Optional(), Length(max=NOTE_LENGTH)],
        description="“需二次诊断”时必填：例如缺少哪些技术指标、样品或数据。",
    )
    note = TextAreaField("备注（仅专员和主管部门可见）", validators=[Optional(), Length(max=NOTE_LENGTH)])

    def validate_grade(self, field: SelectField) -> None:
        if Grade.from_label(field.data or "") is None:
            raise ValidationError("诊断结论无效。")


class BrokerForm(BaseForm):
    target = SelectField(
        "服务企业的信息",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired("请选择服务企业的信息。")],
        description="这条信息的企业会收到通知并答复。",
    )
    other = SelectField(
        "推荐的信息",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired("请选择推荐的信息。")],
    )
    message = TextAreaField(
        "推荐理由",
        validators=[DataRequired("请写几句推荐理由。"), Length(max=1000)],
    )


class RefuseForm(BaseForm):
    reason = TextAreaField(
        "拒绝理由",
        validators=[DataRequired("请写明拒绝理由，专员会看到。"), Length(max=REASON_LENGTH)],
        description="例如：这不是我们的需求；已经解决；不便公开。",
    )


class ConfirmForStaffForm(BaseForm):
    reason = TextAreaField(
        "代为确认的依据",
        validators=[DataRequired("请写明代为确认的依据。"), Length(max=REASON_LENGTH)],
        description="该企业尚无平台账号：例如“2025-06-30 电话联系总经理王某，同意发布”。",
    )
