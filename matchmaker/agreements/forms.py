"""Forms of the agreements: the record (with up to six parties), the steps, plans, targets and rules."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
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

from matchmaker.agreements import operations as service
from matchmaker.agreements.models import FIRST_YEAR, LAST_YEAR
from matchmaker.agreements.operations import AgreementDetails, PartyDetails
from matchmaker.agreements.plans import PlanDetails
from matchmaker.agreements.values import AgreementType, PartySide, PartyType, Registration
from matchmaker.core.extensions import db
from matchmaker.core.forms import BaseForm, finite_number, optional_int, options
from matchmaker.taxonomy.forms import term_choices
from matchmaker.taxonomy.models import TechField

MAX_PARTIES = service.MAX_PARTIES


class PartyForm(Form):
    """One party; a row left empty is no party."""

    side = SelectField("身份", choices=options(PartySide.choices()), default=PartySide.BUYER.value)
    name = StringField("单位名称", validators=[Optional(), Length(max=service.PARTY_NAME_LENGTH)])
    credit_code = StringField("统一社会信用代码", validators=[Optional(), Length(max=18)])
    party_type = SelectField(
        "单位类型", choices=options(PartyType.choices()), default=PartyType.ENTERPRISE.value
    )

    @property
    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.credit_code.data or "").strip()


class AgreementForm(BaseForm):
    type = SelectField(
        "合同类别",
        choices=options(AgreementType.choices(), "请选择"),
        validators=[DataRequired("请选择合同类别。")],
    )
    equity = BooleanField("作价入股（以技术作价入股，按技术转让登记）")
    title = StringField(
        "协议名称", validators=[DataRequired("请填写协议名称。"), Length(max=service.TITLE_LENGTH[1])]
    )
    signed_on = DateField("签订日期", validators=[DataRequired("请填写签订日期（格式 2025-06-30）。")])
    valid_from = DateField("有效期自", validators=[Optional()])
    valid_until = DateField("有效期至", validators=[Optional()])
    contract_amount = DecimalField(
        "合同成交额（万元）",
        places=2,
        validators=[Optional(), finite_number],
        description="合同总金额，单位万元。",
    )
    tech_amount = DecimalField(
        "技术交易额（万元）",
        places=2,
        validators=[Optional(), finite_number],
        description="成交额中扣除购置设备、仪器、零部件、原材料等非技术性费用后的部分，不大于合同成交额。",
    )
    tech_field = SelectField("技术领域", coerce=optional_int, validate_choice=False)
    ip_involved = TextAreaField(
        "涉及的知识产权",
        validators=[Optional(), Length(max=service.TEXT_LENGTHS["ip_involved"])],
        description="如专利号、软件著作权登记号，或“无”。",
    )
    registration = SelectField(
        "技术合同登记", choices=options(Registration.choices()), default=Registration.NOT_APPLIED.value
    )
    registration_number = StringField(
        "登记编号",
        validators=[Optional(), Length(max=service.REGISTRATION_NUMBER_LENGTH)],
        description="已登记时填写。",
    )
    notes = TextAreaField("备注", validators=[Optional(), Length(max=service.TEXT_LENGTHS["notes"])])
    parties = FieldList(FormField(PartyForm), "协议各方", min_entries=MAX_PARTIES, max_entries=MAX_PARTIES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tech_field.choices = term_choices(TechField, "请选择技术领域")

    date_confirmed = BooleanField("签订日期无误（早于对接开始或需求发布）")

    def validate(self, extra_validators: Any = None) -> bool:
        """Every problem in one round: the form's own checks and the record's rules (parties,
        amounts, registration…) on whatever could be read, so a user never fixes the amounts to be
        told only then that a party's credit code is missing."""
        valid = super().validate(extra_validators)
        try:
            details = self.details({})
        except (ValueError, TypeError):  # no type or side chosen: the form's own errors say so
            return valid
        try:
            found = details.problems()
        except TypeError:  # no usable date: the rules that need none still apply
            found = {"parties": problem} if (problem := details.party_problem()) else {}
        for name, message in found.items():
            field = getattr(self, name, None)
            if field is not None and not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def fill_parties(self, parties: list[PartyDetails]) -> None:
        for row, party in zip(self.parties, parties, strict=False):
            row.form.side.data = party.side.value
            row.form.name.data = party.name
            row.form.credit_code.data = party.credit_code or ""
            row.form.party_type.data = party.party_type.value

    def details(self, organizations: dict[str, Any]) -> AgreementDetails:
        """The form's content; ``organizations`` maps a party name to its platform organisation."""
        kind = AgreementType(self.type.data)
        parties = [
            PartyDetails(
                side=PartySide(row.form.side.data),
                name=(row.form.name.data or "").strip(),
                party_type=PartyType(row.form.party_type.data),
                credit_code=(row.form.credit_code.data or "").strip() or None,
                organization=organizations.get((row.form.name.data or "").strip()),
            )
            for row in self.parties
            if not row.form.is_blank
        ]
        assert self.signed_on.data is not None  # validated (DataRequired)
        return AgreementDetails(
            type=kind,
            title=self.title.data or "",
            signed_on=self.signed_on.data,
            parties=parties,
            equity=bool(self.equity.data),
            valid_from=self.valid_from.data,
            valid_until=self.valid_until.data,
            contract_amount=self.contract_amount.data,
            tech_amount=self.tech_amount.data,
            tech_field=db.session.get(TechField, self.tech_field.data) if self.tech_field.data else None,
            ip_involved=self.ip_involved.data,
            registration=Registration(self.registration.data),
            registration_number=self.registration_number.data,
            notes=self.notes.data,
        )


class NoteForm(BaseForm):
    note = TextAreaField("说明", validators=[Optional(), Length(max=service.REASON_LENGTH)])
    version = HiddenField()  # the version the page showed: nothing is confirmed or verified unseen


class ReasonForm(BaseForm):
    reason = TextAreaField(
        "理由", validators=[DataRequired("请写明理由。"), Length(max=service.REASON_LENGTH)]
    )


class UploadForm(BaseForm):
    file = FileField("证明材料（PDF 或 PNG、JPEG 图片，不超过 10 MB）")


class TargetForm(BaseForm):
    indicator = StringField(validators=[DataRequired()])
    period = StringField(validators=[DataRequired()])
    value = IntegerField(
        "目标", validators=[Optional(), NumberRange(0, 100000, "目标应为0到100000之间的整数。")]
    )


class RulesForm(BaseForm):
    indicator = StringField(validators=[DataRequired()])


class PlanForm(BaseForm):
    """A new plan: its details; counting rules and tier targets are copied from ``copy_from``."""

    name = StringField(
        "计划名称",
        validators=[DataRequired("请填写计划名称。"), Length(4, 100, "计划名称应为4到100个字。")],
    )
    doc_number = StringField(
        "文号",
        validators=[Optional(), Length(max=60, message="文号最多60个字。")],
        description="如 宝政办发〔2026〕12号",
    )
    start_year = IntegerField(
        "开始年份",
        validators=[
            DataRequired("请填写开始年份（如 2026）。"),
            NumberRange(FIRST_YEAR, LAST_YEAR, f"年份应在{FIRST_YEAR}到{LAST_YEAR}之间。"),
        ],
    )
    end_year = IntegerField(
        "结束年份",
        validators=[
            DataRequired("请填写结束年份（如 2030）。"),
            NumberRange(FIRST_YEAR, LAST_YEAR, f"年份应在{FIRST_YEAR}到{LAST_YEAR}之间。"),
        ],
    )
    bureaus = StringField(
        "责任部门",
        validators=[Optional(), Length(max=200, message="责任部门最多200个字。")],
        default="县工信局、县科技局",
    )
    copy_from = SelectField("复制目标与计数规则自", coerce=optional_int, validators=[Optional()])

    def details(self) -> PlanDetails:
        return PlanDetails(
            name=self.name.data or "",
            start_year=self.start_year.data,
            end_year=self.end_year.data,
            doc_number=self.doc_number.data,
            bureaus=self.bureaus.data,
        )


class PlanEditForm(BaseForm):
    """A plan's name, 文号 and 责任部门 (its years are fixed: its targets are keyed by them)."""

    name = StringField(
        "计划名称",
        validators=[DataRequired("请填写计划名称。"), Length(4, 100, "计划名称应为4到100个字。")],
    )
    doc_number = StringField("文号", validators=[Optional(), Length(max=60, message="文号最多60个字。")])
    bureaus = StringField(
        "责任部门", validators=[Optional(), Length(max=200, message="责任部门最多200个字。")]
    )
