"""Forms of 揭榜挂帅: the call (with its needs and weighted criteria), a proposal, scores, the
selection, and the small step forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from matchmaker.calls.operations import MAX_CRITERIA, CallDetails, ProposalDetails
from matchmaker.core.forms import BaseForm, MultiCheckboxField, finite_number, options

if TYPE_CHECKING:
    from matchmaker.postings.models import Posting


class CriterionForm(Form):
    """One evaluation criterion; a row left empty is none. Checked by the service (CallDetails), so
    a bad row is one plain message at the top of the form."""

    name = StringField("评审标准")
    weight = StringField("权重")

    @property
    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.weight.data or "").strip()

    @property
    def weight_value(self) -> int:
        """The weight, or 0 (refused by the service) when it is not a whole number."""
        text = (self.weight.data or "").strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else 0


class CallForm(BaseForm):
    title = StringField("榜单名称", validators=[DataRequired("请填写榜单名称。"), Length(max=120)])
    needs = MultiCheckboxField("关联的研发需求", coerce=int, validate_choice=False)
    problem = TextAreaField(
        "关键问题",
        validators=[DataRequired("请写明要攻克的关键问题。"), Length(max=5000)],
        description="要攻克的关键技术问题、现有基础和难点。",
    )
    deliverables = TextAreaField(
        "交付成果与指标", validators=[DataRequired("请写明交付成果与考核指标。"), Length(max=5000)]
    )
    budget = DecimalField(
        "榜额（万元）",
        places=2,
        validators=[DataRequired("请填写榜额（万元）。"), finite_number],
        description="揭榜经费或奖励，单位万元。",
    )
    deadline = DateField(
        "截止日期",
        validators=[DataRequired("请填写截止日期（格式 2025-06-30）。")],
        description="截止日当天结束前可提交方案。",
    )
    eligibility = TextAreaField(
        "揭榜条件",
        validators=[DataRequired("请写明揭榜条件。"), Length(max=1000)],
        description="如：江苏省内高校院所，具有相关领域研究基础。",
    )
    criteria_rows = FieldList(
        FormField(CriterionForm), "评审标准及权重", min_entries=MAX_CRITERIA, max_entries=MAX_CRITERIA
    )

    def set_needs(self, needs: list[Posting]) -> None:
        self.needs.choices = options((n.id, f"{n.title}（{n.organization.name}）") for n in needs)

    def fill_criteria(self, criteria: list[tuple[str, int]]) -> None:
        for row, (name, weight) in zip(self.criteria_rows, criteria, strict=False):
            row.form.name.data, row.form.weight.data = name, str(weight)

    def details(self, needs: dict[int, Posting]) -> CallDetails:
        """The form's content; ``needs`` are the postings the user may choose, by id."""
        return CallDetails(
            title=self.title.data or "",
            problem=self.problem.data or "",
            deliverables=self.deliverables.data or "",
            budget=self.budget.data,
            deadline=self.deadline.data,
            eligibility=self.eligibility.data or "",
            needs=[needs[i] for i in (self.needs.data or []) if i in needs],
            criteria=[
                ((row.form.name.data or "").strip(), row.form.weight_value)
                for row in self.criteria_rows
                if not row.form.is_blank
            ],
        )


class ProposalForm(BaseForm):
    approach = TextAreaField(
        "技术路线",
        validators=[DataRequired("请写明技术路线。"), Length(max=5000)],
        description="拟采用的技术方案、关键技术和创新点（至少20个字）。",
    )
    team = TextAreaField("团队", validators=[DataRequired("请介绍团队。"), Length(max=5000)])
    schedule = TextAreaField("进度安排", validators=[DataRequired("请写明进度安排。"), Length(max=5000)])
    price = DecimalField(
        "报价（万元）", places=2, validators=[DataRequired("请填写报价（万元）。"), finite_number]
    )
    file = FileField("附件（PDF 或 PNG、JPEG 图片，不超过 10 MB，可选）")

    def details(self) -> ProposalDetails:
        return ProposalDetails(
            approach=self.approach.data or "",
            team=self.team.data or "",
            schedule=self.schedule.data or "",
            price=self.price.data,
        )


class ScoreForm(BaseForm):
    scores = FieldList(
        IntegerField(
            "得分",
            validators=[Optional(), NumberRange(0, 100, "得分应为0到100之间的整数。")],
        ),
        min_entries=0,
    )

    def values(self, criteria: list[Any]) -> dict[int, int] | None:
        """criterion id → score, or None when a score is missing."""
        data = [entry.data for entry in self.scores]
        if len(data) != len(criteria) or any(v is None for v in data):
            return None
        return {c.id: v for c, v in zip(criteria, data, strict=True)}


class AwardForm(BaseForm):
    proposal = SelectField("入选方案", validators=[DataRequired("请选择入选方案。")], validate_choice=False)
    reason = TextAreaField(
        "入选理由", validators=[DataRequired("请写明入选理由，所有揭榜单位都会看到。"), Length(max=1000)]
    )


class ReasonForm(BaseForm):
    reason = TextAreaField("原因", validators=[DataRequired("请写明原因。"), Length(max=1000)])


class InviteForm(BaseForm):
    organization = HiddenField(validators=[DataRequired("请选择要邀请的单位。")])


class UploadForm(BaseForm):
    file = FileField("附件（PDF 或 PNG、JPEG 图片，不超过 10 MB）")


class StepForm(BaseForm):
    """A step without content (approve, withdraw): CSRF only."""
