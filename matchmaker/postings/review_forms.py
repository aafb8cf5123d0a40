"""Decision forms: a reason is required wherever the other side must learn why."""

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from matchmaker.core.forms import BaseForm


class ApproveForm(BaseForm):
    note = TextAreaField("审核意见（可选）", validators=[Optional(), Length(max=1000)])


class RefuseForm(BaseForm):
    reason = TextAreaField(
        "理由（对方可见）",
        validators=[
            DataRequired("请写明理由，以便对方修改。"),
            Length(min=4, max=1000, message="理由应为4到1000个字，请具体说明需要修改的地方。"),
        ],
    )
