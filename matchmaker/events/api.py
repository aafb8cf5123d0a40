"""JSON API v1 for events (对接活动): reading events, their figures and schedules; registering,
asking for a meeting and (bureau staff) building the schedule — the same services and policy as
the web pages, with the API's error rules (400 shape, 403 role, 404 not found, 409 state, 422
content). What each route takes and answers is declared in events/schemas.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import select

from matchmaker import policy, search
from matchmaker.accounts import queries as accounts
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing, field_error
from matchmaker.core import clock
from matchmaker.core.apidoc import Schema, before_body, responds
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.core.web import MAX_ID
from matchmaker.events import matching
from matchmaker.events import operations as service
from matchmaker.events.models import Event, EventStatus, Meeting
from matchmaker.events.schemas import (
    EventCancelInputSchema,
    EventDetailSchema,
    EventDetailView,
    EventInputSchema,
    EventPageSchema,
    EventPatchSchema,
    EventQuerySchema,
    InvitationsSchema,
    InvitedSchema,
    InviteInputSchema,
    MeetingInputSchema,
    MeetingListSchema,
    MeetingMoveSchema,
    MeetingRequestInputSchema,
    MeetingRequestSchema,
    MeetingSchema,
    MeetingView,
    OutcomeInputSchema,
    RegistrationInputSchema,
    RegistrationSchema,
    ScheduleResultSchema,
)
from matchmaker.postings import queries as postings

EVENT_ID = [{"in": "path", "name": "event_id", "description": "活动编号。"}]  # schema: the URL's converter
MEETING_ID = [*EVENT_ID, {"in": "path", "name": "meeting_id", "description": "洽谈编号。"}]
NO_PARAMS = "带了不支持的参数。"
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
NOT_EMPTY = "请求体不是空的 JSON 对象。"
NOT_STAFF = "调用者不是主管部门。"
NO_EVENT = "活动不存在。"
NO_MEETING = "活动或洽谈不存在。"
CLOSED = "活动已举办或已取消。"
INVALID = "内容未通过校验，errors 中说明。"
UNAVAILABLE = "推荐暂时不可用（索引故障，已记录）。"


def _event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not policy.may(api_user(), "event.view", event):
        raise ApiError(404, "活动不存在。")
    return event


def _meeting_or_404(event: Event, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        raise ApiError(404, "洽谈不存在。")
    return meeting


def _allowed_first(
    action: str | None = None, *, open_for: str | None = None, held: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The event's 404, the caller's 403, the meeting's 404 and the event's state (409) come before
    the body is read, as they did before the schemas parsed it: goes above ``@bp.arguments``."""

    def check(event_id: int | None = None, meeting_id: int | None = None) -> None:
        event = _event_or_404(event_id) if event_id is not None else None
        if action is not None:
            policy.require(api_user(), action, event)
        if event is not None and meeting_id is not None:
            _meeting_or_404(event, meeting_id)
        if event is not None and open_for is not None:
            service.ensure_open(event, open_for)
        if event is not None and held:
            service.ensure_held(event)

    return before_body(check)


def _no_params() -> None:
    inputs.reject_unknown_params(request.args, frozenset())


def _empty_body() -> None:
    """A body is optional; one that is there is an empty JSON object."""
    if request.get_data():
        bp.ARGUMENTS_PARSER.parse(Schema(), request, location="json")


def _detail(event: Event) -> EventDetailView:
    return EventDetailView(event, api_user())


@bp.get("/events")
@bp.response(200, EventPageSchema, description="一页活动。")
@bp.doc(
    operationId="listEvents",
    summary="列出对接活动",
    description="所有活动（高校院所专题拜访、产业链配套对接会、成果发布会、线上对接），按活动日期倒序。",
    responses=responds({400: "参数有误。"}),
)
@policy.enforces("event.view")
@bp.arguments(EventQuerySchema, location="query")
def list_events(query: dict[str, Any]) -> dict[str, Any]:
    page, per_page, when = query["page"], query["per_page"], query.get("when")
    stmt = select(Event)
    if query.get("kind") is not None:
        stmt = stmt.where(Event.kind == query["kind"])
    if when == "upcoming":
        stmt = stmt.where(Event.held_on >= clock.today(), Event.status == EventStatus.OPEN)
    elif when == "past":
        stmt = stmt.where((Event.held_on < clock.today()) | (Event.status != EventStatus.OPEN))
    result = db.paginate(
        stmt.order_by(Event.held_on.desc(), Event.id.desc()), page=page, per_page=per_page, error_out=False
    )
    return {
        "items": [e for e in result.items if policy.may(api_user(), "event.view", e)],
        "page": page,
        "per_page": per_page,
        "total": result.total or 0,
    }


@bp.get("/events/<int:event_id>", parameters=EVENT_ID)
@bp.response(200, EventDetailSchema, description="活动详情。")
@bp.doc(
    operationId="getEvent",
    summary="查看一个活动",
    description="活动详情、洽谈时段、成效数字（邀请、报名、洽谈、形成对接、登记和核验的协议）、"
    "参会单位名单和调用者本单位的报名。",
    responses=responds({400: NO_PARAMS, 404: NO_EVENT}),
)
@policy.enforces("event.view", "event.see_participants")
def get_event(event_id: int) -> EventDetailView:
    _no_params()
    return _detail(_event_or_404(event_id))


@bp.get("/events/<int:event_id>/meetings", parameters=EVENT_ID)
@bp.response(200, MeetingListSchema, description="洽谈列表。")
@bp.doc(
    operationId="listMeetings",
    summary="洽谈日程",
    description="主管部门：全部一对一洽谈；参会单位：本单位的洽谈。时段 slot 从 0 开始，桌号从 1 开始。",
    responses=responds({400: NO_PARAMS, 403: "调用者不是参会单位或主管部门。", 404: NO_EVENT}),
)
@policy.enforces("event.view", "event.manage", "registration.view")
def list_meetings(event_id: int) -> dict[str, Any]:
    """The whole schedule for bureau staff; a participant's own meetings for its users."""
    _no_params()
    user = api_user()
    event = _event_or_404(event_id)
    if policy.may(user, "event.manage", event):
        meetings = list(event.meetings)
    else:
        mine = service.registration_of(event, user.organization_id)
        if mine is None or not policy.may(user, "registration.view", mine):
            raise ApiError(403, "只有参会单位和主管部门可以查看洽谈日程。")
        meetings = [m for m in event.meetings if m.involves(user.organization_id)]
    return {"items": sorted(meetings, key=lambda m: (m.slot, m.table))}


@bp.post("/events/<int:event_id>/registration", parameters=EVENT_ID)
@bp.response(201, RegistrationSchema, description="已报名。")
@bp.alt_response(200, schema=RegistrationSchema, description="已修改报名。")
@bp.doc(
    operationId="registerForEvent",
    summary="报名参加或修改报名",
    description="已认证的企业、高校院所报名（201），已报名的修改报名（200）：带来的本单位已发布信息"
    "（最多 5 条）、不能洽谈的时段（从 0 开始）。报名截止、名额已满或活动已结束时为 409。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不能报名（主管部门、单位未认证）。",
            404: NO_EVENT,
            409: "报名已截止、名额已满或活动已结束。",
            422: INVALID,
        }
    ),
)
@policy.enforces("event.view", "event.register", "registration.edit")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first()
@bp.arguments(RegistrationInputSchema)
def register(body: dict[str, Any], event_id: int) -> tuple[Any, int]:
    """Register the caller's organisation (201), or change its registration (200)."""
    user = api_user()
    event = _event_or_404(event_id)
    chosen = [postings.posting(i) if i <= MAX_ID else None for i in body.get("posting_ids") or []]
    if any(p is None for p in chosen):
        raise ApiError(422, errors={"posting_ids": ["只能选择本单位已发布的信息。"]})
    details: dict[str, Any] = {
        "postings": chosen,
        "breaks": body.get("breaks") or [],
        "attendees": body.get("attendees"),
        "note": body.get("note"),
    }
    existing = service.registration_of(event, user.organization_id)
    with committing({"postings": "posting_ids"}):
        if existing is not None and existing.is_active:
            service.update_registration(existing, actor=user, **details)
            registration, status = existing, 200
        else:
            registration, status = service.register(event, actor=user, **details), 201
    return registration, status


@bp.post("/events/<int:event_id>/meeting-requests", parameters=EVENT_ID)
@bp.response(201, MeetingRequestSchema, description="已约见。")
@bp.doc(
    operationId="requestMeeting",
    summary="约见参会单位",
    description="已报名的参会单位约见另一家参会单位；排期时约见的洽谈优先安排。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者本单位未报名本活动。",
            404: NO_EVENT,
            409: "活动已结束或报名已取消。",
            422: "对方不是本活动的参会单位，或已约见过。",
        }
    ),
)
@policy.enforces("event.view", "registration.edit")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first()
@bp.arguments(MeetingRequestInputSchema)
def create_meeting_request(body: dict[str, Any], event_id: int) -> Any:
    event = _event_or_404(event_id)
    with committing({"other": "organization_id"}):
        made = service.request_meeting(
            event, body["organization_id"], actor=api_user(), note=body.get("note")
        )
    return made


@bp.post("/events/<int:event_id>/schedule", parameters=EVENT_ID)
@bp.response(200, ScheduleResultSchema, description="排期结果。")
@bp.doc(
    operationId="buildSchedule",
    summary="自动排期（主管部门）",
    description="先安排约见，再按匹配度安排推荐的洽谈；同一单位不同时出现在两处、不排在其休息时段，"
    "人工调整过的洽谈保持不动。请求体可省略。",
    responses=responds({400: NOT_EMPTY, 403: NOT_STAFF, 404: NO_EVENT, 409: CLOSED, 503: UNAVAILABLE}),
)
@policy.enforces("event.view", "event.manage")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.manage")
def build_schedule(event_id: int) -> Any:
    """Bureau staff (re)build the schedule: requested meetings first, then the matching's."""
    _empty_body()
    event = _event_or_404(event_id)
    result = service.build_schedule(event, matching.wanted_meetings(event), actor=api_user())
    db.session.commit()
    return result


# --- managing events (bureau staff) ------------------------------------------------------------


def _values_of(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The parsed body as ``service.EventDetails``' members (the schema names them so), with
    ``host_id`` looked up as ``host``; and the host's problem, if any."""
    values = {name: value for name, value in body.items() if name != "host_id"}
    problems: dict[str, list[str]] = {}
    if "host_id" in body:
        host = accounts.organization(body["host_id"]) if body["host_id"] is not None else None
        if body["host_id"] is not None and (host is None or not host.is_verified):
            problems["host_id"] = ["承办单位应为已认证的企业或高校院所。"]
        values["host"] = host
    return values, problems


def _details(body: dict[str, Any], base: service.EventDetails | None) -> service.EventDetails:
    """The body over ``base`` (PATCH) or the defaults (POST); the host and the service's rules
    reported at once (422)."""
    values, problems = _values_of(body)
    if problems:
        raise ApiError(422, errors=problems)
    details = replace(base, **values) if base is not None else service.EventDetails(**values)
    if found := details.problems():
        names = {"host": "host_id", "tech_fields": "fields"}
        raise ApiError(422, errors={names.get(k, k): [v] for k, v in found.items()})
    return details


def _details_of(event: Event) -> service.EventDetails:
    return service.EventDetails(
        title=event.title,
        kind=event.kind,
        held_on=event.held_on,
        registration_deadline=event.registration_deadline,
        organisers=event.organisers,
        place=event.place,
        link=event.link,
        description=event.description,
        capacity=event.capacity,
        host=event.host_org,
        tech_fields=list(event.tech_fields),
        towns=list(event.towns),
        first_slot=event.first_slot,
        slot_minutes=event.slot_minutes,
        slot_count=event.slot_count,
        tables=event.tables,
    )


@bp.post("/events")
@bp.response(201, EventDetailSchema, description="已创建。")
@bp.doc(
    operationId="createEvent",
    summary="创建活动（主管部门）",
    description="高校院所专题拜访须给出拜访的高校（host_id）；线上对接须给出会议链接，其他须给出地点。"
    "技术领域、镇区按名称。未给出的洽谈设置取默认：09:00 起、每场 20 分钟、8 个时段、10 张桌。",
    responses=responds({400: BAD_BODY, 403: NOT_STAFF, 422: INVALID}),
)
@policy.enforces("event.create", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.create")
@bp.arguments(EventInputSchema)
def create_event(body: dict[str, Any]) -> tuple[EventDetailView, int, dict[str, str]]:
    event = service.create_event(_details(body, None), actor=api_user())
    db.session.commit()
    return _detail(event), 201, {"Location": url_for("api.get_event", event_id=event.id)}


@bp.patch("/events/<int:event_id>", parameters=EVENT_ID)
@bp.response(200, EventDetailSchema, description="修改后的活动。")
@bp.doc(
    operationId="updateEvent",
    summary="修改活动（主管部门）",
    description="只改给出的字段。名额不能少于已报名数；缩小时段或桌数后放不下的洽谈会被取消并通知双方。",
    responses=responds(
        {400: BAD_BODY, 403: NOT_STAFF, 404: NO_EVENT, 409: "活动已举办或已取消。", 422: INVALID}
    ),
)
@policy.enforces("event.view", "event.edit", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.edit", open_for="修改")
@bp.arguments(EventPatchSchema)
def update_event(body: dict[str, Any], event_id: int) -> EventDetailView:
    """Change some of an open event's details; the others stay as they are."""
    event = _event_or_404(event_id)
    details = _details(body, _details_of(event))
    with committing():
        service.update_event(event, details, actor=api_user())
    return _detail(event)


@bp.post("/events/<int:event_id>/held", parameters=EVENT_ID)
@bp.response(200, EventDetailSchema, description="活动详情。")
@bp.doc(
    operationId="markEventHeld",
    summary="标记活动已举办（主管部门）",
    description="之后可记录每场洽谈的结果。请求体可省略。",
    responses=responds({400: NOT_EMPTY, 403: NOT_STAFF, 404: NO_EVENT, 409: CLOSED}),
)
@policy.enforces("event.view", "event.manage", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.manage")
def mark_held(event_id: int) -> EventDetailView:
    _empty_body()
    event = _event_or_404(event_id)
    service.mark_held(event, actor=api_user())
    db.session.commit()
    return _detail(event)


@bp.post("/events/<int:event_id>/cancel", parameters=EVENT_ID)
@bp.response(200, EventDetailSchema, description="活动详情。")
@bp.doc(
    operationId="cancelEvent",
    summary="取消活动（主管部门）",
    description="须写明原因，报名单位会收到通知。",
    responses=responds({400: BAD_BODY, 403: NOT_STAFF, 404: NO_EVENT, 409: CLOSED, 422: "没有写明原因。"}),
)
@policy.enforces("event.view", "event.manage", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.manage", open_for="取消")
@bp.arguments(EventCancelInputSchema)
def cancel_event(body: dict[str, Any], event_id: int) -> EventDetailView:
    """Cancel with a reason; the registered organisations are told."""
    event = _event_or_404(event_id)
    service.cancel_event(event, body["reason"].strip(), actor=api_user())
    db.session.commit()
    return _detail(event)


@bp.get("/events/<int:event_id>/invitations", parameters=EVENT_ID)
@bp.response(200, InvitationsSchema, description="推荐和已邀请。")
@bp.doc(
    operationId="listInvitations",
    summary="按匹配邀请：推荐名单和已邀请的单位（主管部门）",
    description="有承办单位时，为其已发布信息匹配到的信息的发布单位，附匹配度和共同词；"
    "没有时，为在活动领域、镇区发布信息的单位。",
    responses=responds({400: NO_PARAMS, 403: NOT_STAFF, 404: NO_EVENT, 503: UNAVAILABLE}),
)
@policy.enforces("event.view", "event.invite")
def list_invitations(event_id: int) -> dict[str, Any]:
    """Whom the matching suggests inviting, with the evidence, and who has been invited."""
    _no_params()
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.invite", event)
    try:
        candidates = matching.invitation_candidates(event, user)
    except search.SearchUnavailable:
        raise ApiError(503, "推荐暂时不可用，请稍后再试。") from None
    return {"candidates": candidates, "invited": service.invitations(event)}


@bp.post("/events/<int:event_id>/invitations", parameters=EVENT_ID)
@bp.response(200, InvitedSchema, description="本次新邀请的单位。")
@bp.doc(
    operationId="inviteToEvent",
    summary="邀请单位参加（主管部门）",
    description="被邀请单位的用户收到通知；已邀请或已报名的单位不重复邀请。",
    responses=responds(
        {
            400: BAD_BODY,
            403: NOT_STAFF,
            404: NO_EVENT,
            409: CLOSED,
            422: "单位不存在，或不是已认证的企业、高校院所。",
        }
    ),
)
@policy.enforces("event.view", "event.invite")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.invite", open_for="再邀请")
@bp.arguments(InviteInputSchema)
def invite(body: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Invite organisations (their users are notified), with the matching's evidence where it
    proposed them; those invited or registered already are left as they are."""
    user = api_user()
    event = _event_or_404(event_id)
    orgs = [accounts.organization(i) for i in dict.fromkeys(body["organization_ids"])]
    if any(org is None for org in orgs):
        raise ApiError(422, errors={"organization_ids": ["单位不存在。"]})
    try:
        by_id = {c.organization.id: c for c in matching.invitation_candidates(event, user)}
    except search.SearchUnavailable:
        by_id = {}  # invited without the evidence, as the web page would not offer it either
    invited = []
    try:
        for org in orgs:
            candidate = by_id.get(org.id)  # type: ignore[union-attr]
            made = service.invite(
                event,
                org,  # type: ignore[arg-type]
                actor=user,
                strength=candidate.strength if candidate else None,
                reason=candidate.reason if candidate else None,
            )
            if made is not None:
                invited.append(org.id)  # type: ignore[union-attr]
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {error.field: "organization_ids"}) from None
    db.session.commit()
    return {"invited": invited}


# --- registration and the schedule, continued ------------------------------------------------


@bp.delete("/events/<int:event_id>/registration", parameters=EVENT_ID)
@bp.response(204, description="已取消报名。")
@bp.doc(
    operationId="cancelRegistration",
    summary="取消报名",
    description="本单位的洽谈随之取消，对方收到通知。",
    responses=responds({404: "活动不存在，或本单位没有报名。", 409: "活动已结束。"}),
)
@policy.enforces("event.view", "registration.edit")
@limiter.limit(write_limit, override_defaults=False)
def unregister(event_id: int) -> Any:
    user = api_user()
    event = _event_or_404(event_id)
    existing = service.registration_of(event, user.organization_id)
    if existing is None or not existing.is_active:
        raise ApiError(404, "贵单位没有报名本活动。")
    service.cancel_registration(existing, actor=user)
    db.session.commit()
    return current_app.response_class(status=204)


def _slot(event: Event, value: int) -> int:
    if not 0 <= value < event.slot_count:
        raise ApiError(422, errors={"slot": [f"本次活动的时段为 0 到 {event.slot_count - 1}。"]})
    return value


MEETING_CONFLICT = "冲突（一方已有洽谈、在休息或没有空桌），errors 中说明；未作任何改动。"


@bp.post("/events/<int:event_id>/meetings", parameters=EVENT_ID)
@bp.response(201, MeetingSchema, description="新增的洽谈。")
@bp.doc(
    operationId="addMeeting",
    summary="人工新增一场洽谈（主管部门）",
    description="为两家参会单位在某一时段安排洽谈（自动选空桌），重新排期时保留在此。",
    responses=responds(
        {
            400: BAD_BODY,
            403: NOT_STAFF,
            404: NO_EVENT,
            409: CLOSED,
            422: "不是两家参会单位，或冲突（一方已有洽谈、在休息或没有空桌），errors 中说明。",
        }
    ),
)
@policy.enforces("event.view", "event.manage")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.manage", open_for="调整日程")
@bp.arguments(MeetingInputSchema)
def add_meeting(body: dict[str, Any], event_id: int) -> Meeting:
    """Staff add a meeting by hand at a time slot (a free table is chosen); it stays there."""
    event = _event_or_404(event_id)
    if body["a_id"] == body["b_id"]:
        raise ApiError(422, errors={"b_id": ["请选择两家不同的参会单位。"]})
    with committing():
        meeting = service.add_meeting(
            event, body["a_id"], body["b_id"], _slot(event, body["slot"]), actor=api_user()
        )
    return meeting


@bp.patch("/events/<int:event_id>/meetings/<int:meeting_id>", parameters=MEETING_ID)
@bp.response(200, MeetingSchema, description="调整后的洽谈。")
@bp.doc(
    operationId="moveMeeting",
    summary="调整洽谈时段（主管部门）",
    description="移到另一时段的空桌，重新排期时保留在此。",
    responses=responds({400: BAD_BODY, 403: NOT_STAFF, 404: NO_MEETING, 409: CLOSED, 422: MEETING_CONFLICT}),
)
@policy.enforces("event.view", "event.manage")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.manage", open_for="调整日程")
@bp.arguments(MeetingMoveSchema)
def move_meeting(body: dict[str, Any], event_id: int, meeting_id: int) -> Meeting:
    """Move a meeting to another slot; a conflict (someone busy or on a break, no free table) is a
    422 with the reason and changes nothing."""
    event = _event_or_404(event_id)
    meeting = _meeting_or_404(event, meeting_id)
    with committing():
        service.move_meeting(meeting, _slot(event, body["slot"]), actor=api_user())
    return meeting


@bp.delete("/events/<int:event_id>/meetings/<int:meeting_id>", parameters=MEETING_ID)
@bp.response(204, description="已取消。")
@bp.doc(
    operationId="removeMeeting",
    summary="取消一场洽谈（主管部门）",
    description="双方收到通知。",
    responses=responds({403: NOT_STAFF, 404: NO_MEETING, 409: CLOSED}),
)
@policy.enforces("event.view", "event.manage")
@limiter.limit(write_limit, override_defaults=False)
def remove_meeting(event_id: int, meeting_id: int) -> Any:
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    service.remove_meeting(_meeting_or_404(event, meeting_id), actor=user)
    db.session.commit()
    return current_app.response_class(status=204)


@bp.post("/events/<int:event_id>/meetings/<int:meeting_id>/outcome", parameters=MEETING_ID)
@bp.response(200, MeetingSchema, description="记录后的洽谈（pairing_id：形成的对接）。")
@bp.doc(
    operationId="recordMeetingOutcome",
    summary="记录洽谈结果（主管部门，活动举办后）",
    description="held 已洽谈、missed 未到场、paired 形成对接。paired 须给出 posting_ids："
    "[对接的需求或产品, 对方回应它的信息]，对接进入对接流程（已接受），或回应双方之间未答复的意向。",
    responses=responds(
        {
            400: BAD_BODY,
            403: NOT_STAFF,
            404: NO_MEETING,
            409: "活动尚未标记为已举办，或这场洽谈已形成对接。",
            422: "结果或对接依据有误，errors 中说明。",
        }
    ),
)
@policy.enforces("event.view", "event.manage", "pairing.introduce")
@limiter.limit(write_limit, override_defaults=False)
@_allowed_first("event.manage", held=True)
@bp.arguments(OutcomeInputSchema)
def record_outcome(body: dict[str, Any], event_id: int, meeting_id: int) -> MeetingView:
    """After the event: held, missed or paired. ``paired`` needs ``posting_ids`` — the need or
    offer it is about and the other side's posting answering it — and starts a pairing (已接受)
    in the pipeline, or answers the open interest between them."""
    meeting = _meeting_or_404(_event_or_404(event_id), meeting_id)
    chosen = None
    if (ids := body.get("posting_ids")) is not None:
        basis = {(t.id, o.id): (t, o) for t, o in service.postings_for_pairing(meeting)}
        chosen = basis.get((ids[0], ids[1]))
        if chosen is None:
            raise ApiError(422, errors={"posting_ids": ["对接依据须是洽谈双方各自的一条信息，需求在前。"]})
    with committing({"postings": "posting_ids"}):
        pairing = service.record_outcome(
            meeting, body["outcome"], actor=api_user(), note=body.get("note"), postings=chosen
        )
    return MeetingView(meeting, pairing.id if pairing else None)
