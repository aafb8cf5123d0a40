"""The posting form (one for all four kinds, with kind-specific labels), close and filter forms."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from wtforms import (
    DateField,
    DecimalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from matchmaker.core import rules
from matchmaker.core.forms import (
    PHONE,
    BaseForm,
    MultiCheckboxField,
    finite_number,
    optional_choice,
    optional_int,
    options,
    rule,
)
from matchmaker.postings.models import Posting
from matchmaker.postings.operations import MAX_KEYWORDS, PostingDetails, split_keywords
from matchmaker.postings.values import (
    CloseReason,
    CooperationMode,
    IPStatus,
    Maturity,
    PostingKind,
    Visibility,
)
from matchmaker.taxonomy.forms import get_term, term_choices
from matchmaker.taxonomy.models import TechField, Town

if TYPE_CHECKING:
    from matchmaker.pairings.models import Pairing

TITLE_HINTS = {
    PostingKind.RD_NEED: "一句话说明要解决的技术问题，如“锂电池隔膜涂覆均匀性提升”",
    PostingKind.SUPPLY_NEED: "需要采购或配套开发的零部件、材料或工艺",
    PostingKind.SUPPLY_OFFER: "可以提供的产品、零部件或加工能力",
    PostingKind.RESEARCH_OUTCOME: "成果名称，如“高精度伺服电机控制算法”",
}
DESCRIPTION_HINTS = {
    PostingKind.RD_NEED: "现状、瓶颈、要达到的技术指标（数值）、应用场景、已做过的尝试。描述越具体，越容易对接成功。",
    PostingKind.SUPPLY_NEED: "规格型号、技术要求、年需求量、质量标准、交付要求。",
    PostingKind.SUPPLY_OFFER: "产品或能力、主要参数、产能、已服务的客户或行业、资质认证。",
    PostingKind.RESEARCH_OUTCOME: "技术原理、主要性能指标、创新点、应用领域、所需转化条件。",
}


class PostingForm(BaseForm):
    title = StringField("标题", validators=[DataRequired("请填写标题。"), rule(rules.title_problem)])
    description = TextAreaField(
        "详细描述", validators=[DataRequired("请填写详细描述。"), rule(rules.description_problem)]
    )
    keywords = StringField(
        "关键词",
        validators=[
            Optional(),
            Length(max=400),
            rule(rules.keywords_problem),
        ],  # 10 words of 30 and separators
        description=f"用顿号、逗号或空格分隔，最多{MAX_KEYWORDS}个。",
    )
    tech_field = SelectField("技术领域", coerce=optional_int, validate_choice=False)
    town = SelectField("所属镇区", coerce=optional_int, validate_choice=False)
    industry_chain = StringField(
        "产业链", validators=[Optional(), rule(lambda v: rules.length_problem("industry_chain", "产业链", v))]
    )
    budget = DecimalField(
        "预算（万元）",
        places=2,
        validators=[Optional(), finite_number, rule(rules.budget_problem)],
        description="单位万元，如 80 表示80万元；不填表示面议。",
    )
    valid_until = DateField(
        "有效期至", validators=[Optional(), rule(rules.valid_until_problem)], description="不填表示长期有效。"
    )
    cooperation_modes = MultiCheckboxField(
        "合作方式", choices=options(CooperationMode.choices()), validate_choice=False
    )
    maturity = SelectField(
        "成熟度", choices=options(Maturity.choices(), "（不适用）"), coerce=optional_choice
    )
    ip_status = SelectField(
        "知识产权", choices=options(IPStatus.choices(), "（不适用）"), coerce=optional_choice
    )
    ip_detail = StringField(
        "专利号或说明",
        validators=[Optional(), rule(lambda v: rules.length_problem("ip_detail", "专利号或说明", v))],
        description="如 ZL202310000000.0",
    )
    contact_name = StringField(
        "联系人", validators=[Optional(), rule(lambda v: rules.length_problem("contact_name", "联系人", v))]
    )
    contact_phone = StringField("联系电话", validators=[Optional(), PHONE])
    visibility = RadioField(
        "公开范围", choices=options(Visibility.choices()), default=Visibility.PUBLIC.value
    )
    confidential_detail = TextAreaField(
        "保密信息",
        validators=[Optional(), rule(lambda v: rules.length_problem("confidential_detail", "保密信息", v))],
        description="仅本单位和主管部门可见，不会公开显示，如核心参数、客户名称、报价依据。",
    )

    def __init__(self, *args: object, kind: PostingKind, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.tech_field.choices = term_choices(TechField, "请选择技术领域")
        self.town.choices = term_choices(Town, "请选择镇区")
        self.title.description = TITLE_HINTS[kind]
        self.description.description = DESCRIPTION_HINTS[kind]
        if not kind.is_need:
            self.budget.label.text = "意向价格（万元）"

    def validate_cooperation_modes(self, field: MultiCheckboxField) -> None:
        valid = {v for v, _ in CooperationMode.choices()}
        if any(v not in valid for v in field.data or []):
            raise ValidationError("合作方式选项无效。")

    def validate_tech_field(self, field: SelectField) -> None:
        if field.data is not None and get_term(TechField, field.data) is None:
            raise ValidationError("技术领域选项无效。")

    def validate_town(self, field: SelectField) -> None:
        if field.data is not None and get_term(Town, field.data) is None:
            raise ValidationError("镇区选项无效。")

    def details(self) -> PostingDetails:
        return PostingDetails(
            title=self.title.data or "",
            description=self.description.data or "",
            keywords=split_keywords(self.keywords.data),
            tech_field=get_term(TechField, self.tech_field.data),
            town=get_term(Town, self.town.data),
            industry_chain=self.industry_chain.data,
            budget=Decimal(self.budget.data) if self.budget.data is not None else None,
            valid_until=self.valid_until.data,
            cooperation_modes=list(self.cooperation_modes.data or []),
            maturity=Maturity(self.maturity.data) if self.maturity.data else None,
            ip_status=IPStatus(self.ip_status.data) if self.ip_status.data else None,
            ip_detail=self.ip_detail.data,
            contact_name=self.contact_name.data,
            contact_phone=self.contact_phone.data,
            visibility=Visibility(self.visibility.data),
            confidential_detail=self.confidential_detail.data,
        )

    def load(self, posting: Posting) -> None:
        """Fill the form from an existing posting (for editing)."""
        for name in (
            "title",
            "description",
            "industry_chain",
            "budget",
            "valid_until",
            "ip_detail",
            "contact_name",
            "contact_phone",
            "confidential_detail",
        ):
            getattr(self, name).data = getattr(posting, name)
        self.keywords.data = "、".join(posting.keywords or [])
        self.tech_field.data = posting.tech_field_id
        self.town.data = posting.town_id
        self.cooperation_modes.data = list(posting.cooperation_modes or [])
        self.maturity.data = posting.maturity.value if posting.maturity else ""
        self.ip_status.data = posting.ip_status.value if posting.ip_status else ""
        self.visibility.data = posting.visibility.value


class CloseForm(BaseForm):
    reason = SelectField(
        "关闭原因",
        choices=options(CloseReason.choices(), "请选择"),
        validators=[DataRequired("请选择关闭原因。")],
    )
    note = TextAreaField("补充说明", validators=[Optional(), Length(max=1000)])
    pairing = SelectField(
        "通过哪次对接解决",
        coerce=optional_int,
        validate_choice=False,
        description="选择“通过平台解决”时，可注明是哪次对接解决了问题，便于主管部门统计成效。",
    )

    def __init__(self, *args: object, solving: Sequence[Pairing] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.pairing.choices = options(((p.id, str(p)) for p in solving), "（不关联）")

    def validate_reason(self, field: SelectField) -> None:
        if CloseReason.from_label(field.data or "") is None:
            raise ValidationError("关闭原因无效。")

    def validate_pairing(self, field: SelectField) -> None:
        if (
            field.data
            and CloseReason.from_label(self.reason.data or "") is not CloseReason.SOLVED_ON_PLATFORM
        ):
            raise ValidationError("只有“通过平台解决”才能关联对接。")
