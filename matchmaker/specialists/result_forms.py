"""The form bureau staff use to say who found the need behind a pairing or an agreement and who
brokered it (the pairing's and the agreement's pages show it; specialists/attribution.py acts)."""

from __future__ import annotations

from typing import Any

from wtforms import SelectField, TextAreaField
from wtforms.validators import Length

from matchmaker.core.forms import BaseForm
from matchmaker.specialists.attribution import MAX_NOTE


def person(value: Any) -> int | None:
    """A select's user id; the empty choice is nobody, and anything that is not an id is no one the
    operation will accept (0: it says so in Chinese)."""
    if value in (None, "", "None"):
        return None
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0


class AttributionForm(BaseForm):
    found_by_id = SelectField("发现人", coerce=person, validate_choice=False)
    brokered_by_id = SelectField("居间人", coerce=person, validate_choice=False)
    note = TextAreaField("依据", validators=[Length(max=MAX_NOTE, message=f"最多{MAX_NOTE}个字。")])
