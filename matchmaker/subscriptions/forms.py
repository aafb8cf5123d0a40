"""The subscription form (我的账号 → 订阅推送): what to hear about and how often."""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField, RadioField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from matchmaker.core.forms import BaseForm, optional_choice, optional_int, options
from matchmaker.postings.values import PostingKind
from matchmaker.subscriptions.models import NAME_LENGTH, QUERY_LENGTH
from matchmaker.subscriptions.operations import MAX_STRENGTH, MIN_STRENGTH
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy.forms import term_choices
from matchmaker.taxonomy.models import TechField, Town


class SubscriptionForm(BaseForm):
    name = StringField(
        "订阅名称",
        validators=[Optional(), Length(max=NAME_LENGTH)],
        description="便于自己辨认，如“伺服电机需求”；不填时按条件自动命名。",
    )
    basis = RadioField("订阅内容", choices=options(Basis.choices()), default=Basis.SEARCH.value)
    query = StringField(
        "关键词",
        validators=[Optional(), Length(max=QUERY_LENGTH)],
        description="与搜索框相同：几个词之间是“并且”，“引号”内为词组。",
    )
    kind = SelectField(
        "信息类型",
        choices=options(PostingKind.choices(), "全部类型"),
        coerce=optional_choice,
        validate_choice=False,
    )
    tech_field = SelectField("技术领域", coerce=optional_int, validate_choice=False)
    town = SelectField("镇区", coerce=optional_int, validate_choice=False)
    min_strength = IntegerField(
        "最低匹配度",
        validators=[Optional(), NumberRange(MIN_STRENGTH, MAX_STRENGTH, "匹配度应为 1 到 100 之间的整数。")],
        description="仅“本单位信息的新推荐”使用：新发布的信息与本单位某条信息的匹配度（0–100）不低于此值才推送。",
        default=60,
    )
    frequency = RadioField("推送频率", choices=options(Frequency.choices()), default=Frequency.DAILY.value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tech_field.choices = term_choices(TechField, "全部技术领域")
        self.town.choices = term_choices(Town, "全部镇区")
