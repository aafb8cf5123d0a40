"""The one form of follow-ups: a side's answer."""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from matchmaker.core.forms import BaseForm, options
from matchmaker.followups.operations import REASON_LENGTH
from matchmaker.followups.values import FollowUpAnswer


class AnswerForm(BaseForm):
    answer = RadioField(
        "对接现在进展如何",
        choices=options(FollowUpAnswer.choices()),
        validators=[DataRequired("请选择一项。")],
    )
    reason = TextAreaField(
        "说明",
        validators=[Optional(), Length(max=REASON_LENGTH, message=f"最多{REASON_LENGTH}个字。")],
        description="选择“已终止”时请写明原因；其他情况可补充说明（主管部门可见）。",
    )
