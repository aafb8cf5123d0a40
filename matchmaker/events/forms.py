"""Forms of the events: the event itself, registration, a meeting request, hand moves, outcomes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from matchmaker.accounts import queries as account_queries
from matchmaker.core.extensions import db
from matchmaker.core.forms import BaseForm, MultiCheckboxField, optional_int, options
from matchmaker.events.models import EventKind, MeetingOutcome
from matchmaker.events.operations import MAX_CAPACITY, MAX_SLOTS, MAX_TABLES, EventDetails
from matchmaker.taxonomy.forms import term_pairs
from matchmaker.taxonomy.models import TechField, Town


class EventForm(BaseForm):
    title = StringField("活动名称", validators=[DataRequired("请填写活动名称。"), Length(max=120)])
    kind = SelectField(
        "活动类型",
        choices=options(EventKind.choices(), "请选择"),
        validators=[DataRequired("请选择活动类型。")],
    )
    host = SelectField(
        "拜访 / 承办单位",
        coerce=optional_int,
        validators=[Optional()],
        description="高校院所专题拜访必选：平台据该单位的成果推荐应邀请的企业。",
    )
    held_on = DateField("活动日期", validators=[DataRequired("请填写活动日期（格式 2026-12-18）。")])
    registration_deadline = DateField(
        "报名截止", validators=[DataRequired("请填写报名截止日期（格式 2026-12-15）。")]
    )
    place = StringField("地点", validators=[Optional(), Length(max=200)])
    link = StringField("线上会议链接", validators=[Optional(), Length(max=300)])
    organisers = StringField(
        "主办单位",
        validators=[DataRequired("请填写主办单位。"), Length(max=200)],
        default="宝应县工业和信息化局",
    )
    capacity = IntegerField(
        "名额（单位数）",
        validators=[Optional(), NumberRange(1, MAX_CAPACITY)],
        description="不限名额请留空。",
    )
    tech_fields = MultiCheckboxField("面向技术领域", coerce=int)
    towns = MultiCheckboxField("面向镇区", coerce=int)
    description = TextAreaField("活动介绍", validators=[Optional(), Length(max=5000)])
    first_slot = StringField("洽谈开始时间", default="09:00", validators=[DataRequired("请填写开始时间。")])
    slot_minutes = IntegerField("每场洽谈（分钟）", default=20, validators=[DataRequired("请填写每场时长。")])
    slot_count = IntegerField(
        "洽谈时段数", default=8, validators=[DataRequired("请填写时段数。"), NumberRange(1, MAX_SLOTS)]
    )
    tables = IntegerField(
        "洽谈桌数", default=10, validators=[DataRequired("请填写桌数。"), NumberRange(1, MAX_TABLES)]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.host.choices = options(account_queries.member_choices(), "（无）")
        self.tech_fields.choices = options(term_pairs(TechField))
        self.towns.choices = options(term_pairs(Town))

    def details(self) -> EventDetails:
        fields = {t.id: t for t in db.session.scalars(select(TechField))}
        towns = {t.id: t for t in db.session.scalars(select(Town))}
        return EventDetails(
            title=self.title.data or "",
            kind=EventKind(self.kind.data),
            held_on=self.held_on.data,
            registration_deadline=self.registration_deadline.data,
            organisers=self.organisers.data or "",
            place=self.place.data,
            link=self.link.data,
            description=self.description.data,
            capacity=self.capacity.data,
            host=account_queries.organization(self.host.data) if self.host.data else None,
            tech_fields=[fields[i] for i in self.tech_fields.data or [] if i in fields],
            towns=[towns[i] for i in self.towns.data or [] if i in towns],
            first_slot=(self.first_slot.data or "").strip(),
            slot_minutes=self.slot_minutes.data or 0,
            slot_count=self.slot_count.data or 0,
            tables=self.tables.data or 0,
        )

    def fill(self, event: Any) -> None:
        for name in ("title", "held_on", "registration_deadline", "place", "link", "organisers", "capacity"):
            getattr(self, name).data = getattr(event, name)
        for name in ("description", "first_slot", "slot_minutes", "slot_count", "tables"):
            getattr(self, name).data = getattr(event, name)
        self.kind.data = event.kind.value
        self.host.data = event.host_org_id
        self.tech_fields.data = [t.id for t in event.tech_fields]
        self.towns.data = [t.id for t in event.towns]


class RegistrationForm(BaseForm):
    postings = MultiCheckboxField(
        "带来的信息", coerce=int, description="洽谈对象按这些信息匹配推荐（最多5条）。"
    )
    breaks = MultiCheckboxField("不能洽谈的时段", coerce=int)
    attendees = StringField("参会人员", validators=[Optional(), Length(max=200)])
    note = TextAreaField("备注", validators=[Optional(), Length(max=1000)])

    def offer(self, postings: list[Any], slots: list[tuple[int, str]]) -> None:
        self.postings.choices = options((p.id, f"{p.kind.label}：{p.title}") for p in postings)
        self.breaks.choices = options(slots)


class MeetingRequestForm(BaseForm):
    other = SelectField("约见单位", coerce=optional_int, validators=[DataRequired("请选择要约见的单位。")])
    note = StringField("想谈什么", validators=[Optional(), Length(max=500)])


class MoveForm(BaseForm):
    slot = SelectField("改到时段", coerce=int, validators=[InputRequired("请选择时段。")])


class AddMeetingForm(BaseForm):
    a = SelectField("单位一", coerce=optional_int, validators=[DataRequired("请选择单位。")])
    b = SelectField("单位二", coerce=optional_int, validators=[DataRequired("请选择单位。")])
    slot = SelectField("时段", coerce=int, validators=[InputRequired("请选择时段。")])


class ReasonForm(BaseForm):
    reason = TextAreaField("原因", validators=[DataRequired("请写明原因。"), Length(max=1000)])


class OutcomeForm(BaseForm):
    outcome = SelectField(
        "洽谈结果",
        choices=options((o.value, o.label) for o in MeetingOutcome if o is not MeetingOutcome.PENDING),
        validators=[DataRequired("请选择洽谈结果。")],
    )
    postings = SelectField("对接依据", validators=[Optional()])
    note = StringField("说明", validators=[Optional(), Length(max=1000)])
