"""JSON API v1 for events (对接活动): reading events, their figures and schedules; registering,
asking for a meeting and (bureau staff) building the schedule — the same services and policy as
the web pages, with the API's error rules (400 shape, 403 role, 404 not found, 409 state, 422
content)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.api.pipeline import body_of, field_error, paging
from matchmaker.events import matching, outcomes
from matchmaker.exceptions import FieldError
from matchmaker.extensions import db, limiter
from matchmaker.models import Event, EventKind, EventRegistration, EventStatus, Meeting, Posting
from matchmaker.services import events as service
from matchmaker.web import MAX_ID

EVENT_PARAMS = frozenset({"kind", "when", "page", "per_page"})
WHEN = ("upcoming", "past")


def _event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not policy.may(api_user(), "event.view", event):
        raise ApiError(404, "活动不存在。")
    return event


def event_json(event: Event, *, full: bool = False) -> dict[str, Any]:
    user = api_user()
    data: dict[str, Any] = {
        "id": event.id,
        "title": event.title,
        "kind": event.kind.value,
        "status": event.status.value,
        "registration_open": event.registration_open,
        "held_on": event.held_on.isoformat(),
        "registration_deadline": event.registration_deadline.isoformat(),
        "place": event.place,
        "link": event.link,
        "organisers": event.organisers,
        "host": {"id": event.host_org.id, "name": event.host_org.name} if event.host_org else None,
        "capacity": event.capacity,
        "registered": len(event.active_registrations),
        "fields": [t.name for t in event.tech_fields],
        "towns": [t.name for t in event.towns],
        "url": url_for("events.detail", event_id=event.id),
    }
    if full:
        data["description"] = event.description
        data["slots"] = [event.slot_label(s) for s in range(event.slot_count)]
        data["tables"] = event.tables
        data["figures"] = outcomes.figures(event).__dict__
        data["participants"] = (
            [{"id": r.organization.id, "name": r.organization.name} for r in event.active_registrations]
            if policy.may(user, "event.see_participants", event)
            else None
        )
        mine = service.registration_of(event, user.organization_id)
        data["my_registration"] = registration_json(mine) if mine is not None and mine.is_active else None
    return data


def registration_json(r: EventRegistration) -> dict[str, Any]:
    return {
        "organization": {"id": r.organization.id, "name": r.organization.name},
        "posting_ids": [p.id for p in r.postings],
        "breaks": list(r.breaks or []),
        "attendees": r.attendees,
        "note": r.note,
    }


def meeting_json(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "slot": m.slot,
        "time": m.event.slot_label(m.slot),
        "table": m.table + 1,
        "a": {"id": m.a_org.id, "name": m.a_org.name},
        "b": {"id": m.b_org.id, "name": m.b_org.name},
        "requested": m.requested,
        "fixed": m.fixed,
        "strength": m.strength,
        "outcome": m.outcome.value,
        "pairing_id": m.pairing_id,
    }


@bp.get("/events")
def list_events() -> Response:
    page, per_page, problems = paging(request.args, EVENT_PARAMS)
    kind = None
    if "kind" in request.args:
        try:
            kind = EventKind(request.args["kind"])
        except ValueError:
            problems.add("kind", "可选：" + "、".join(k.value for k in EventKind) + "。")
    when = request.args.get("when")
    if when is not None and when not in WHEN:
        problems.add("when", "可选：upcoming（即将举办）、past（已结束）。")
    problems.raise_if_any(400)
    stmt = select(Event)
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if when == "upcoming":
        stmt = stmt.where(Event.held_on >= date.today(), Event.status == EventStatus.OPEN)
    elif when == "past":
        stmt = stmt.where((Event.held_on < date.today()) | (Event.status != EventStatus.OPEN))
    result = db.paginate(
        stmt.order_by(Event.held_on.desc(), Event.id.desc()), page=page, per_page=per_page, error_out=False
    )
    return jsonify(
        {
            "items": [event_json(e) for e in result.items],
            "page": page,
            "per_page": per_page,
            "total": result.total or 0,
        }
    )


@bp.get("/events/<int:event_id>")
def get_event(event_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    return jsonify(event_json(_event_or_404(event_id), full=True))


@bp.get("/events/<int:event_id>/meetings")
def list_meetings(event_id: int) -> Response:
    """The whole schedule for bureau staff; a participant's own meetings for its users."""
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    event = _event_or_404(event_id)
    if policy.may(user, "event.manage", event):
        meetings = list(event.meetings)
    else:
        mine = service.registration_of(event, user.organization_id)
        if mine is None or not policy.may(user, "registration.view", mine):
            raise ApiError(403, "只有参会单位和主管部门可以查看洽谈日程。")
        meetings = [m for m in event.meetings if m.involves(user.organization_id)]
    return jsonify({"items": [meeting_json(m) for m in sorted(meetings, key=lambda m: (m.slot, m.table))]})


@bp.post("/events/<int:event_id>/registration")
@limiter.limit(write_limit, override_defaults=False)
def register(event_id: int) -> tuple[Response, int]:
    """Register the caller's organisation (201), or change its registration (200)."""
    user = api_user()
    event = _event_or_404(event_id)
    body = body_of({"posting_ids": list, "breaks": list, "attendees": str, "note": str})
    ids, breaks = body.get("posting_ids") or [], body.get("breaks") or []
    problems = inputs.Problems()
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids):
        problems.add("posting_ids", "应为信息编号的列表。")
    if not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 1000 for s in breaks):
        problems.add("breaks", "应为时段序号（从 0 开始）的列表。")
    problems.raise_if_any(400)
    postings = [db.session.get(Posting, i) for i in ids]
    if any(p is None for p in postings):
        raise ApiError(422, errors={"posting_ids": ["只能选择本单位已发布的信息。"]})
    existing = service.registration_of(event, user.organization_id)
    try:
        if existing is not None and existing.is_active:
            service.update_registration(
                existing,
                actor=user,
                postings=postings,  # type: ignore[arg-type]
                breaks=breaks,
                attendees=body.get("attendees"),
                note=body.get("note"),
            )
            registration, status = existing, 200
        else:
            registration = service.register(
                event,
                actor=user,
                postings=postings,  # type: ignore[arg-type]
                breaks=breaks,
                attendees=body.get("attendees"),
                note=body.get("note"),
            )
            status = 201
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"postings": "posting_ids"}) from None
    db.session.commit()
    return jsonify(registration_json(registration)), status


@bp.post("/events/<int:event_id>/meeting-requests")
@limiter.limit(write_limit, override_defaults=False)
def create_meeting_request(event_id: int) -> tuple[Response, int]:
    user = api_user()
    event = _event_or_404(event_id)
    body = body_of({"organization_id": int, "note": str}, ("organization_id",))
    try:
        made = service.request_meeting(event, body["organization_id"], actor=user, note=body.get("note"))
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"other": "organization_id"}) from None
    db.session.commit()
    return jsonify({"id": made.id, "from": made.from_org_id, "to": made.to_org_id, "note": made.note}), 201


@bp.post("/events/<int:event_id>/schedule")
@limiter.limit(write_limit, override_defaults=False)
def build_schedule(event_id: int) -> Response:
    """Bureau staff (re)build the schedule: requested meetings first, then the matching's."""
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    if request.get_data():
        body_of({})
    result = service.build_schedule(event, matching.wanted_meetings(event), actor=user)
    db.session.commit()
    return jsonify(
        {
            "placed": result.placed,
            "requested_placed": result.requested_placed,
            "unplaced": [
                {"a": w.a.id, "b": w.b.id, "requested": w.requested, "strength": w.strength}
                for w in result.unplaced
            ],
        }
    )
