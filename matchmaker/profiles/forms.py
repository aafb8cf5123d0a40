"""Forms of the profile: a tier change, an indicator reading, a tier target."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from matchmaker.core.forms import BaseForm, optional_int, options
from matchmaker.profiles.models import MeasureKind
from matchmaker.profiles.operations import MEASURE_NOTE_LENGTH, TIER_NOTE_LENGTH
from matchmaker.taxonomy.forms import term_pairs
from matchmaker.taxonomy.models import EnterpriseTier

DATE_MESSAGE = "请填写日期（格式 2025-06-30）。"


def finite(form: BaseForm, field: DecimalField) -> None:
    """'NaN' and 'Infinity' parse as Decimals but are no readings."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("请填写有效的数值。")


class TierForm(BaseForm):
    tier = SelectField("新的梯度", coerce=optional_int, validate_choice=False)
    effective_on = DateField(
        "认定日期", validators=[DataRequired(DATE_MESSAGE)], description="认定文件上的日期，不晚于今天。"
    )
    note = StringField(
        "说明", validators=[Optional(), Length(max=TIER_NOTE_LENGTH)], description="如认定文件文号（选填）。"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tier.choices = options(term_pairs(EnterpriseTier), "无（移出培育库）")


class MeasureForm(BaseForm):
    kind = SelectField("指标", choices=options(MeasureKind.choices()), default=MeasureKind.RD_INTENSITY.value)
    value = DecimalField(
        "数值",
        places=2,
        validators=[InputRequired("请填写数值。"), finite],
        description="研发投入强度填百分数（0—100）；Ⅰ类知识产权填件数（整数）。",
    )
    as_of = DateField("截至日期", validators=[DataRequired(DATE_MESSAGE)], description="不晚于今天。")
    note = TextAreaField(
        "说明", validators=[Optional(), Length(max=MEASURE_NOTE_LENGTH)], description="如数据来源（选填）。"
    )


class TierTargetForm(BaseForm):
    tier = IntegerField(validators=[DataRequired()])
    value = IntegerField(
        "目标", validators=[Optional(), NumberRange(0, 100000, "目标应为0到100000之间的整数。")]
    )
