"""Shared form base and helpers: Chinese messages, optional selects, taxonomy choices, the problems
an error summary lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    Field,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import Regexp, StopValidation, ValidationError

from matchmaker.core import rules

PHONE = Regexp(rules.PHONE, message=rules.PHONE_MESSAGE)  # the posting rules' phone numbers


def rule(check: Any) -> Any:
    """A form validator from a rule of core/rules.py (same message as every other door)."""

    def validate(form: FlaskForm, field: Field) -> None:
        if field.data not in (None, "") and (problem := check(field.data)):
            raise ValidationError(problem)

    return validate


def _one_line_fields(fields: Iterable[Field]) -> Iterable[Field]:
    """The text inputs of a form, sub-forms and lists included — everything but text areas."""
    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from _one_line_fields(field)
        elif isinstance(field, StringField) and not isinstance(field.widget, widgets.TextArea):
            yield field


class BaseForm(FlaskForm):
    """Every form: CSRF from Flask-WTF, WTForms' built-in messages in Chinese, and no line break
    in a one-line input (core/rules.py, the rule the services apply to the API and imports)."""

    class Meta:
        locales = ("zh",)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in _one_line_fields(self):
            if (problem := rules.single_line_problem(field.data)) and problem not in field.errors:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice rendered as a list of check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def options(pairs: Iterable[tuple[Any, str]], placeholder: str | None = None) -> list[SelectChoice]:
    """WTForms select options from (value, label) pairs, after an optional empty placeholder."""
    head = [SelectChoice("", placeholder)] if placeholder is not None else []
    return head + [SelectChoice(value, label) for value, label in pairs]


def finite_number(form: BaseForm, field: DecimalField) -> None:
    """'NaN' and 'Infinity' parse as Decimals but are not amounts (and break range checks)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("请填写有效的金额数字。")


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to int, treating the empty placeholder as None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def optional_choice(value: Any) -> str | None:
    return value or None


HIDDEN_FIELDS = ("CSRFTokenField", "HiddenField")


def problems(form: Form, row: str = "") -> list[tuple[str, str, str]]:
    """Every field's problem as (field id, label, message) for an error summary that links to the
    field: rows of a FieldList by number ("协议各方第 2 行：统一社会信用代码"), hidden fields left out,
    each message of a field once."""
    found: list[tuple[str, str, str]] = []
    for field in form:
        if field.type in HIDDEN_FIELDS or not field.errors:
            continue
        label = f"{row}{field.label.text}"
        if isinstance(field, FieldList | FormField):
            entries = field.entries if isinstance(field, FieldList) else [field]
            for number, entry in enumerate(entries, start=1):
                if isinstance(entry, FormField):
                    prefix = f"{label}第 {number} 行：" if isinstance(field, FieldList) else f"{label}："
                    found += problems(entry.form, prefix)
                elif entry.errors:
                    found.append((entry.id, f"{label}第 {number} 项", str(entry.errors[0])))
            found += [
                (field.id, label, m) for m in dict.fromkeys(m for m in field.errors if isinstance(m, str))
            ]
        else:
            found.append((field.id, label, str(field.errors[0])))
    return found
