"""The API's event resources, declared once: what /api/v1/events… take (parsed and checked before
the view runs) and what they answer (serialised from the models), both written into
/api/v1/openapi.json. Limits come from the service's own constants (events/operations.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from marshmallow import ValidationError, fields, pre_dump

from matchmaker import policy
from matchmaker.api.inputs import MAX_PER_PAGE
from matchmaker.core.apidoc import (
    Boolean,
    Integer,
    ItemCount,
    Length,
    List,
    Nested,
    OneOf,
    Output,
    Range,
    Regexp,
    Schema,
    String,
    or_null,
)
from matchmaker.core.web import MAX_ID, MAX_PAGE
from matchmaker.events import operations as service
from matchmaker.events import outcomes
from matchmaker.events.models import Event, EventKind, EventStatus, Meeting, MeetingOutcome
from matchmaker.taxonomy import queries as taxonomy

WHEN = ("upcoming", "past")
MAX_INVITED = 200  # organisations invited by one request
REASON_LENGTH = (2, 500)  # a cancelled event's reason, as the API has always asked for it
OUTCOMES = [o for o in MeetingOutcome if o is not MeetingOutcome.PENDING]  # what staff record
DATE_MESSAGE = "请填写日期，写成 2026-05-20 的形式。"


def _described(members: Any) -> str:
    return "；".join(f"{m.value}={m.label}" for m in members)


def _choices(members: Any) -> str:
    return "可选：" + "、".join(f"{m.value}（{m.label}）" for m in members) + "。"


def _code(enum: Any, *, only: Any = None, **kwargs: Any) -> String:
    """An enumeration's code as input: ``enum``'s member (a str) once read, the choices with their
    labels in the message otherwise."""
    members = list(only or enum)
    return _Code(
        enum,
        validate=OneOf([m.value for m in members], error=_choices(members)),
        metadata={"description": _described(members)},
        **kwargs,
    )


def _enum(enum: Any, **kwargs: Any) -> fields.Enum:
    return fields.Enum(enum, by_value=fields.String, metadata={"description": _described(enum)}, **kwargs)


# --- input fields ------------------------------------------------------------------------------


class _Code(String):
    def __init__(self, enum: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enum = enum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.enum(text)
        except ValueError:
            return text  # the choices' validator says what is allowed


class _Date(fields.Date):
    """A date written YYYY-MM-DD: another JSON type is the wrong type (400), text that is no date
    a problem with the content (422)."""

    default_error_messages = {"unreadable": DATE_MESSAGE}  # noqa: RUF012 (marshmallow's API)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.make_error("unreadable") from None


class _Terms(fields.List):
    """Names of 技术领域 or 镇区 in use: the terms themselves once read (a name given twice, or
    with spaces, is one term); every unknown name is reported under the member."""

    def __init__(self, find: Any, **kwargs: Any) -> None:
        super().__init__(String(), **kwargs)
        self.find = find

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        names = super()._deserialize(value, attr, data, **kwargs) or []
        terms: dict[int, Any] = {}
        unknown = []
        for name in names:
            term = self.find(name)
            if term is None:
                unknown.append(f"“{str(name)[:50]}”不在可选项中。")
            else:
                terms[term.id] = term
        if unknown:
            raise ValidationError(unknown)
        return list(terms.values())


class _Trimmed(Length):
    """A text's length without the spaces around it."""

    def __call__(self, value: Any) -> Any:
        super().__call__(value.strip())
        return value


def _id(**kwargs: Any) -> Integer:
    return Integer(validate=Range(1, MAX_ID), **kwargs)


SLOT = {"description": "时段序号，从 0 开始。"}


def _slot(**kwargs: Any) -> Integer:
    return Integer(validate=Range(0, service.MAX_SLOTS - 1), metadata=SLOT, **kwargs)


# --- input ------------------------------------------------------------------------------------


class EventQuerySchema(Schema):
    """GET /events: query values are text (``fields.Integer`` reads "2")."""

    kind = _code(EventKind)
    when = String(
        validate=OneOf(WHEN, error="可选：upcoming（即将举办）、past（已结束）。"),
        metadata={"description": "upcoming：即将举办；past：已结束（含已取消）。"},
    )
    page = fields.Integer(load_default=1, validate=Range(1, MAX_PAGE), metadata={"description": "页码。"})
    per_page = fields.Integer(
        load_default=20, validate=Range(1, MAX_PER_PAGE), metadata={"description": "每页条数。"}
    )


class EventPatchSchema(Schema):
    """An event's details; read into ``service.EventDetails``' names (``fields`` → tech_fields)."""

    title = String(validate=Length(*service.TITLE_LENGTH))
    kind = _code(EventKind)
    held_on = _Date()
    registration_deadline = _Date()
    organisers = String(validate=Length(1, service.ORGANISERS_LENGTH))
    place = String(validate=Length(max=service.PLACE_LENGTH))
    link = String(validate=Length(max=service.LINK_LENGTH))
    description = String(validate=Length(max=service.DESCRIPTION_LENGTH))
    capacity = Integer(
        allow_none=True, validate=Range(1, service.MAX_CAPACITY, error=service.CAPACITY_MESSAGE)
    )
    host_id = _id(allow_none=True)
    tech_fields = _Terms(taxonomy.tech_field, data_key="fields", metadata={"description": "技术领域名称。"})
    towns = _Terms(taxonomy.town, metadata={"description": "镇区名称。"})
    first_slot = String(validate=Regexp(service.TIME_PATTERN, error="开始时间请写成 09:00 的形式。"))
    slot_minutes = Integer(validate=Range(*service.SLOT_MINUTES))
    slot_count = Integer(validate=Range(1, service.MAX_SLOTS))
    tables = Integer(validate=Range(1, service.MAX_TABLES))


class EventInputSchema(EventPatchSchema):
    title = String(required=True, validate=Length(*service.TITLE_LENGTH))
    kind = _code(EventKind, required=True)
    held_on = _Date(required=True)
    registration_deadline = _Date(required=True)
    organisers = String(required=True, validate=Length(1, service.ORGANISERS_LENGTH))


class RegistrationInputSchema(Schema):
    posting_ids = List(Integer(validate=Range(min=1)), validate=ItemCount(max=service.MAX_POSTINGS))
    breaks = List(_slot())
    attendees = String(validate=Length(max=service.ATTENDEES_LENGTH))
    note = String(validate=Length(max=service.NOTE_LENGTH))


class MeetingRequestInputSchema(Schema):
    organization_id = _id(required=True)
    note = String(validate=Length(max=service.REQUEST_NOTE_LENGTH))


class MeetingInputSchema(Schema):
    a_id = _id(required=True)
    b_id = _id(required=True)
    slot = _slot(required=True)


class MeetingMoveSchema(Schema):
    slot = _slot(required=True)


class EventCancelInputSchema(Schema):
    reason = String(
        required=True,
        validate=_Trimmed(*REASON_LENGTH, error="请写明取消原因（{min}到{max}个字），报名单位会收到通知。"),
    )


class InviteInputSchema(Schema):
    organization_ids = List(_id(), required=True, validate=ItemCount(max=MAX_INVITED))


class OutcomeInputSchema(Schema):
    outcome = _code(MeetingOutcome, only=OUTCOMES, required=True)
    note = String(validate=Length(max=service.NOTE_LENGTH))
    posting_ids = List(
        _id(),
        validate=ItemCount(2, 2, error="应为两条信息的编号：[对接的需求或产品, 对方的信息]。"),
    )


# --- output -----------------------------------------------------------------------------------


class EventOrganizationSchema(Output):
    id = Integer(required=True)
    name = String(required=True)


class _Id(Output):
    id = Integer()


class _Name(Output):
    name = String()


class RegistrationSchema(Output):
    organization = Nested(EventOrganizationSchema, required=True)
    posting_ids = fields.Pluck(_Id, "id", many=True, attribute="postings", required=True)
    breaks = List(Integer(), required=True)
    attendees = String(allow_none=True)
    note = String(allow_none=True)


class EventView:
    """An event as the API shows it: what it counts and where it is on the site."""

    def __init__(self, event: Event) -> None:
        self._event = event

    def __getattr__(self, name: str) -> Any:
        return getattr(self._event, name)

    @property
    def registered(self) -> int:
        return len(self._event.active_registrations)

    @property
    def url(self) -> str:
        return url_for("events.detail", event_id=self._event.id)


class EventDetailView(EventView):
    """An event in full, with what ``viewer`` may see of its participants and its own registration."""

    def __init__(self, event: Event, viewer: Any) -> None:
        super().__init__(event)
        self._viewer = viewer

    @property
    def slots(self) -> list[str]:
        return [self._event.slot_label(s) for s in range(self._event.slot_count)]

    @property
    def figures(self) -> outcomes.Figures:
        return outcomes.figures(self._event)

    @property
    def participants(self) -> list[Any] | None:
        if not policy.may(self._viewer, "event.see_participants", self._event):
            return None
        return [r.organization for r in self._event.active_registrations]

    @property
    def my_registration(self) -> Any:
        mine = service.registration_of(self._event, self._viewer.organization_id)
        return mine if mine is not None and mine.is_active else None


class EventSchema(Output):
    """An event as lists show it."""

    id = Integer(required=True)
    title = String(required=True)
    kind = _enum(EventKind, required=True)
    status = _enum(EventStatus, required=True)
    registration_open = Boolean()
    held_on = fields.Date(required=True)
    registration_deadline = fields.Date(required=True)
    place = String(allow_none=True)
    link = String(allow_none=True)
    organisers = String()
    host = or_null(EventOrganizationSchema, attribute="host_org")
    capacity = Integer(allow_none=True)
    registered = Integer(required=True)
    tech_fields = fields.Pluck(_Name, "name", many=True, data_key="fields")
    towns = fields.Pluck(_Name, "name", many=True)
    url = String()

    @pre_dump
    def _view(self, event: Any, **_: Any) -> Any:
        return event if isinstance(event, EventView) else EventView(event)


class FiguresSchema(Output):
    invited = Integer()
    registered = Integer()
    meetings = Integer()
    requested = Integer()
    held = Integer()
    pairings = Integer()
    agreements = Integer()
    verified = Integer()


class EventDetailSchema(EventSchema):
    """An event in full: its slots, figures, participants (for those who may see them) and the
    caller's own registration. The view answers an ``EventDetailView``."""

    description = String(allow_none=True)
    slots = List(String())
    tables = Integer()
    figures = Nested(FiguresSchema)
    participants = List(Nested(EventOrganizationSchema), allow_none=True)
    my_registration = or_null(RegistrationSchema)


class EventPageSchema(Output):
    items = List(Nested(EventSchema), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)


class MeetingView:
    """A meeting as the API shows it: its time and its table counted from 1."""

    def __init__(self, meeting: Meeting, pairing_id: int | None = None) -> None:
        self._meeting, self._pairing_id = meeting, pairing_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._meeting, name)

    @property
    def time(self) -> str:
        return self._meeting.event.slot_label(self._meeting.slot)

    @property
    def table(self) -> int:
        return self._meeting.table + 1

    @property
    def pairing_id(self) -> int | None:
        return self._pairing_id if self._pairing_id is not None else self._meeting.pairing_id


class MeetingSchema(Output):
    id = Integer(required=True)
    slot = Integer(required=True)
    time = String(required=True)
    table = Integer(required=True)
    a = Nested(EventOrganizationSchema, required=True, attribute="a_org")
    b = Nested(EventOrganizationSchema, required=True, attribute="b_org")
    requested = Boolean(required=True)
    fixed = Boolean()
    strength = Integer()
    outcome = _enum(MeetingOutcome, required=True)
    pairing_id = Integer(allow_none=True)

    @pre_dump
    def _view(self, meeting: Any, **_: Any) -> Any:
        return meeting if isinstance(meeting, MeetingView) else MeetingView(meeting)


class MeetingListSchema(Output):
    items = List(Nested(MeetingSchema), required=True)


class MeetingRequestSchema(Output):
    id = Integer(required=True)
    from_org_id = Integer(required=True, data_key="from")
    to_org_id = Integer(required=True, data_key="to")
    note = String(allow_none=True)


class UnplacedSchema(Output):
    a = Integer(attribute="a.id")
    b = Integer(attribute="b.id")
    requested = Boolean()
    strength = Integer()


class ScheduleResultSchema(Output):
    placed = Integer(required=True)
    requested_placed = Integer(required=True)
    unplaced = List(Nested(UnplacedSchema), required=True)


class EventCandidateSchema(Output):
    organization = Nested(EventOrganizationSchema, required=True)
    strength = Integer(required=True, allow_none=True)
    reason = String(required=True)
    matched_terms = List(String())
    their_posting_id = Integer(allow_none=True)
    host_posting_id = Integer(allow_none=True)
    invited = Boolean(required=True)
    registered = Boolean(required=True)

    @pre_dump
    def _evidence(self, candidate: Any, **_: Any) -> dict[str, Any]:
        return {
            "organization": candidate.organization,
            "strength": candidate.strength,
            "reason": candidate.reason,
            "matched_terms": candidate.words[:10],
            "their_posting_id": candidate.theirs.id if candidate.theirs else None,
            "host_posting_id": candidate.ours.id if candidate.ours else None,
            "invited": candidate.invited,
            "registered": candidate.registered,
        }


class InvitationSchema(Output):
    organization = Nested(EventOrganizationSchema, required=True)
    strength = Integer(allow_none=True)
    reason = String(allow_none=True)
    invited_at = fields.DateTime(attribute="created_at")


class InvitationsSchema(Output):
    candidates = List(Nested(EventCandidateSchema), required=True)
    invited = List(Nested(InvitationSchema), required=True)


class InvitedSchema(Output):
    invited = List(Integer(), required=True)
