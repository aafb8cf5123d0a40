"""JSON API v1 for events (对接活动): reading events, their figures and schedules; registering,
asking for a meeting and (bureau staff) building the schedule — the same services and policy as
the web pages, with the API's error rules (400 shape, 403 role, 404 not found, 409 state, 422
content)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker import policy, search
from matchmaker.accounts.models import Organization
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.api.inputs import body_of, field_error, paging
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.events import matching, outcomes
from matchmaker.events import operations as service
from matchmaker.events.models import (
    Event,
    EventKind,
    EventRegistration,
    EventStatus,
    Meeting,
    MeetingOutcome,
)
from matchmaker.postings.models import Posting
from matchmaker.taxonomy.models import TechField, Town

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
@policy.enforces("event.view")
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
        stmt = stmt.where(Event.held_on >= clock.today(), Event.status == EventStatus.OPEN)
    elif when == "past":
        stmt = stmt.where((Event.held_on < clock.today()) | (Event.status != EventStatus.OPEN))
    result = db.paginate(
        stmt.order_by(Event.held_on.desc(), Event.id.desc()), page=page, per_page=per_page, error_out=False
    )
    return jsonify(
        {
            "items": [event_json(e) for e in result.items if policy.may(api_user(), "event.view", e)],
            "page": page,
            "per_page": per_page,
            "total": result.total or 0,
        }
    )


@bp.get("/events/<int:event_id>")
@policy.enforces("event.view", "event.see_participants")
def get_event(event_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    return jsonify(event_json(_event_or_404(event_id), full=True))


@bp.get("/events/<int:event_id>/meetings")
@policy.enforces("event.view", "event.manage", "registration.view")
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
@policy.enforces("event.view", "event.register", "registration.edit")
@limiter.limit(write_limit, override_defaults=False)
def register(event_id: int) -> tuple[Response, int]:
    """Register the caller's organisation (201), or change its registration (200)."""
    user = api_user()
    event = _event_or_404(event_id)
    body = body_of({"posting_ids": list, "breaks": list, "attendees": str, "note": str})
    ids, breaks = body.get("posting_ids") or [], body.get("breaks") or []
    problems = inputs.Problems()
    if not inputs.are_ids(ids):
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
@policy.enforces("event.view", "registration.edit")
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
@policy.enforces("event.view", "event.manage")
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


# --- managing events (bureau staff) ------------------------------------------------------------

EVENT_FIELDS: dict[str, type] = {
    "title": str,
    "kind": str,
    "held_on": str,
    "registration_deadline": str,
    "organisers": str,
    "place": str,
    "link": str,
    "description": str,
    "capacity": object,  # numbers are checked by the service's rules, with their own messages
    "host_id": int,
    "fields": list,
    "towns": list,
    "first_slot": str,
    "slot_minutes": object,
    "slot_count": object,
    "tables": object,
}
EVENT_REQUIRED = ("title", "kind", "held_on", "registration_deadline", "organisers")


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


def _event_details(body: dict[str, Any], base: service.EventDetails | None) -> service.EventDetails:
    """The body's members over ``base`` (PATCH) or the defaults (POST); every member that cannot be
    read is reported at once (422), before the service's own rules run."""
    shape, problems = inputs.Problems(), inputs.Problems()
    values: dict[str, Any] = {}
    for name in ("title", "organisers", "place", "link", "description", "first_slot"):
        if name in body:
            values[name] = body[name]
    if "kind" in body:
        try:
            values["kind"] = EventKind(body["kind"])
        except ValueError:
            problems.add("kind", "可选：" + "、".join(f"{k.value}（{k.label}）" for k in EventKind) + "。")
    for name in ("held_on", "registration_deadline"):
        if name in body:
            try:
                values[name] = date.fromisoformat(body[name] or "")
            except ValueError:
                problems.add(name, "请填写日期，写成 2026-05-20 的形式。")
    for name in ("capacity", "slot_minutes", "slot_count", "tables"):
        if name not in body:
            continue
        value = body[name]
        if value is None and name == "capacity":
            values[name] = None  # 不限名额
        elif not isinstance(value, int) or isinstance(value, bool):
            shape.add(name, "类型不正确。")
        elif abs(value) > 10**6:
            problems.add(name, "数值超出范围。")
        else:
            values[name] = value
    if "host_id" in body:
        host = db.session.get(Organization, body["host_id"]) if body["host_id"] is not None else None
        if body["host_id"] is not None and (host is None or not host.is_verified):
            problems.add("host_id", "承办单位应为已认证的企业或高校院所。")
        values["host"] = host
    for name, model, key in (("fields", TechField, "tech_fields"), ("towns", Town, "towns")):
        if name not in body:
            continue
        if not all(isinstance(n, str) for n in body[name] or []):
            shape.add(name, "应为名称的列表。")
            continue
        terms: dict[int, Any] = {}  # by id: a name given twice (or with spaces) is one term
        for term_name in body[name] or []:
            term = inputs.find_term(model, term_name, active_only=True)
            if term is None:
                problems.add(name, f"“{term_name[:50]}”不在可选项中。")
            else:
                terms[term.id] = term
        values[key] = list(terms.values())
    shape.raise_if_any(400)
    problems.raise_if_any(422)
    if base is not None:
        return replace(base, **values)
    return service.EventDetails(**values)


def _checked(details: service.EventDetails) -> None:
    if found := details.problems():
        names = {"host": "host_id", "tech_fields": "fields"}
        raise ApiError(422, errors={names.get(k, k): [v] for k, v in found.items()})


@bp.post("/events")
@policy.enforces("event.create", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
def create_event() -> tuple[Response, int, dict[str, str]]:
    user = api_user()
    policy.require(user, "event.create")
    details = _event_details(body_of(EVENT_FIELDS, EVENT_REQUIRED), None)
    _checked(details)
    event = service.create_event(details, actor=user)
    db.session.commit()
    return (
        jsonify(event_json(event, full=True)),
        201,
        {"Location": url_for("api.get_event", event_id=event.id)},
    )


@bp.patch("/events/<int:event_id>")
@policy.enforces("event.view", "event.edit", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
def update_event(event_id: int) -> Response:
    """Change some of an open event's details; the others stay as they are."""
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.edit", event)
    service.ensure_open(event, "修改")
    details = _event_details(body_of(EVENT_FIELDS), _details_of(event))
    _checked(details)
    try:
        service.update_event(event, details, actor=user)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(event_json(event, full=True))


@bp.post("/events/<int:event_id>/held")
@policy.enforces("event.view", "event.manage", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
def mark_held(event_id: int) -> Response:
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    if request.get_data():
        body_of({})
    service.mark_held(event, actor=user)
    db.session.commit()
    return jsonify(event_json(event, full=True))


@bp.post("/events/<int:event_id>/cancel")
@policy.enforces("event.view", "event.manage", "event.see_participants")
@limiter.limit(write_limit, override_defaults=False)
def cancel_event(event_id: int) -> Response:
    """Cancel with a reason; the registered organisations are told."""
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    service.ensure_open(event, "取消")
    body = body_of({"reason": str}, ("reason",))
    reason = body["reason"].strip()
    if not 2 <= len(reason) <= 500:
        raise ApiError(422, errors={"reason": ["请写明取消原因（2到500个字），报名单位会收到通知。"]})
    service.cancel_event(event, reason, actor=user)
    db.session.commit()
    return jsonify(event_json(event, full=True))


@bp.get("/events/<int:event_id>/invitations")
@policy.enforces("event.view", "event.invite")
def list_invitations(event_id: int) -> Response:
    """Whom the matching suggests inviting, with the evidence, and who has been invited."""
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.invite", event)
    try:
        candidates = matching.invitation_candidates(event, user)
    except search.SearchUnavailable:
        raise ApiError(503, "推荐暂时不可用，请稍后再试。") from None
    return jsonify(
        {
            "candidates": [
                {
                    "organization": {"id": c.organization.id, "name": c.organization.name},
                    "strength": c.strength,
                    "reason": c.reason,
                    "matched_terms": c.words[:10],
                    "their_posting_id": c.theirs.id if c.theirs else None,
                    "host_posting_id": c.ours.id if c.ours else None,
                    "invited": c.invited,
                    "registered": c.registered,
                }
                for c in candidates
            ],
            "invited": [
                {
                    "organization": {"id": i.organization.id, "name": i.organization.name},
                    "strength": i.strength,
                    "reason": i.reason,
                    "invited_at": i.created_at.isoformat(),
                }
                for i in service.invitations(event)
            ],
        }
    )


@bp.post("/events/<int:event_id>/invitations")
@policy.enforces("event.view", "event.invite")
@limiter.limit(write_limit, override_defaults=False)
def invite(event_id: int) -> Response:
    """Invite organisations (their users are notified), with the matching's evidence where it
    proposed them; those invited or registered already are left as they are."""
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.invite", event)
    service.ensure_open(event, "再邀请")
    body = body_of({"organization_ids": list}, ("organization_ids",))
    ids = body["organization_ids"]
    if not inputs.are_ids(ids) or len(ids) > 200:
        raise ApiError(400, errors={"organization_ids": ["应为单位编号的列表（最多200个）。"]})
    orgs = [db.session.get(Organization, i) for i in dict.fromkeys(ids)]
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
        raise ApiError(422, errors={"organization_ids": [error.message]}) from None
    db.session.commit()
    return jsonify({"invited": invited})


# --- registration and the schedule, continued ------------------------------------------------


@bp.delete("/events/<int:event_id>/registration")
@policy.enforces("event.view", "registration.edit")
@limiter.limit(write_limit, override_defaults=False)
def unregister(event_id: int) -> tuple[str, int]:
    user = api_user()
    event = _event_or_404(event_id)
    existing = service.registration_of(event, user.organization_id)
    if existing is None or not existing.is_active:
        raise ApiError(404, "贵单位没有报名本活动。")
    service.cancel_registration(existing, actor=user)
    db.session.commit()
    return "", 204


def _meeting_or_404(event: Event, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        raise ApiError(404, "洽谈不存在。")
    return meeting


def _slot(event: Event, value: int) -> int:
    if not 0 <= value < event.slot_count:
        raise ApiError(422, errors={"slot": [f"本次活动的时段为 0 到 {event.slot_count - 1}。"]})
    return value


@bp.post("/events/<int:event_id>/meetings")
@policy.enforces("event.view", "event.manage")
@limiter.limit(write_limit, override_defaults=False)
def add_meeting(event_id: int) -> tuple[Response, int]:
    """Staff add a meeting by hand at a time slot (a free table is chosen); it stays there."""
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    service.ensure_open(event, "调整日程")
    body = body_of({"a_id": int, "b_id": int, "slot": object}, ("a_id", "b_id", "slot"))
    if not isinstance(body["slot"], int) or isinstance(body["slot"], bool):
        raise ApiError(400, errors={"slot": ["应为时段序号（从 0 开始）。"]})
    if body["a_id"] == body["b_id"]:
        raise ApiError(422, errors={"b_id": ["请选择两家不同的参会单位。"]})
    try:
        meeting = service.add_meeting(
            event, body["a_id"], body["b_id"], _slot(event, body["slot"]), actor=user
        )
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(meeting_json(meeting)), 201


@bp.patch("/events/<int:event_id>/meetings/<int:meeting_id>")
@policy.enforces("event.view", "event.manage")
@limiter.limit(write_limit, override_defaults=False)
def move_meeting(event_id: int, meeting_id: int) -> Response:
    """Move a meeting to another slot; a conflict (someone busy or on a break, no free table) is a
    422 with the reason and changes nothing."""
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    meeting = _meeting_or_404(event, meeting_id)
    service.ensure_open(event, "调整日程")
    body = body_of({"slot": object}, ("slot",))
    if not isinstance(body["slot"], int) or isinstance(body["slot"], bool):
        raise ApiError(400, errors={"slot": ["应为时段序号（从 0 开始）。"]})
    try:
        service.move_meeting(meeting, _slot(event, body["slot"]), actor=user)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(meeting_json(meeting))


@bp.delete("/events/<int:event_id>/meetings/<int:meeting_id>")
@policy.enforces("event.view", "event.manage")
@limiter.limit(write_limit, override_defaults=False)
def remove_meeting(event_id: int, meeting_id: int) -> tuple[str, int]:
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    service.remove_meeting(_meeting_or_404(event, meeting_id), actor=user)
    db.session.commit()
    return "", 204


@bp.post("/events/<int:event_id>/meetings/<int:meeting_id>/outcome")
@policy.enforces("event.view", "event.manage", "pairing.introduce")
@limiter.limit(write_limit, override_defaults=False)
def record_outcome(event_id: int, meeting_id: int) -> Response:
    """After the event: held, missed or paired. ``paired`` needs ``posting_ids`` — the need or
    offer it is about and the other side's posting answering it — and starts a pairing (已接受)
    in the pipeline, or answers the open interest between them."""
    user = api_user()
    event = _event_or_404(event_id)
    policy.require(user, "event.manage", event)
    meeting = _meeting_or_404(event, meeting_id)
    service.ensure_held(event)
    body = body_of({"outcome": str, "note": str, "posting_ids": list}, ("outcome",))
    chosen = [o for o in MeetingOutcome if o is not MeetingOutcome.PENDING]
    try:
        result = MeetingOutcome(body["outcome"])
    except ValueError:
        result = None
    if result not in chosen:
        raise ApiError(
            422, errors={"outcome": ["可选：" + "、".join(f"{o.value}（{o.label}）" for o in chosen) + "。"]}
        )
    postings = None
    ids = body.get("posting_ids")
    if ids is not None:
        if len(ids) != 2 or not inputs.are_ids(ids):
            raise ApiError(
                400, errors={"posting_ids": ["应为两条信息的编号：[对接的需求或产品, 对方的信息]。"]}
            )
        basis = {(t.id, o.id): (t, o) for t, o in service.postings_for_pairing(meeting)}
        postings = basis.get((ids[0], ids[1]))
        if postings is None:
            raise ApiError(422, errors={"posting_ids": ["对接依据须是洽谈双方各自的一条信息，需求在前。"]})
    try:
        pairing = service.record_outcome(
            meeting, result, actor=user, note=body.get("note"), postings=postings
        )  # type: ignore[arg-type]
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"postings": "posting_ids"}) from None
    db.session.commit()
    return jsonify({**meeting_json(meeting), "pairing_id": pairing.id if pairing else meeting.pairing_id})
