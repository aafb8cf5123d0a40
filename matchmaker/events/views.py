"""Thin views of the events: the list and page, creating and editing, invitations from the
matching, registration and meeting requests, the 1:1 schedule (build, hand moves, printable sheets
per participant and per table, .xlsx) and the outcomes recorded after the event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker import policy, search
from matchmaker.accounts import queries as account_queries
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.forms import options
from matchmaker.core.spreadsheets import workbook_of
from matchmaker.core.web import MAX_ID, attach_field_error, paginate, send_xlsx
from matchmaker.events import matching, outcomes
from matchmaker.events import operations as service
from matchmaker.events.forms import (
    AddMeetingForm,
    EventForm,
    MeetingRequestForm,
    MoveForm,
    OutcomeForm,
    ReasonForm,
    RegistrationForm,
)
from matchmaker.events.models import Event, EventKind, EventStatus, Meeting, MeetingOutcome
from matchmaker.policy import requires
from matchmaker.postings import queries as posting_queries

if TYPE_CHECKING:
    from matchmaker.accounts.models import Organization
    from matchmaker.postings.models import Posting

bp = Blueprint("events", __name__, url_prefix="/events")


def get_event_or_404(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not policy.may(current_user, "event.view", event):
        abort(404)
    return event


def _meeting_or_404(event: Event, meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id:
        abort(404)
    return meeting


def _slots(event: Event) -> list[tuple[int, str]]:
    return [(s, event.slot_label(s)) for s in range(event.slot_count)]


@bp.get("/")
@policy.enforces(policy.PUBLIC)
def index() -> str:
    kind = EventKind.from_label(request.args.get("kind", "")) if request.args.get("kind") else None
    stmt = select(Event).order_by(Event.held_on.desc(), Event.id.desc())
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    when = request.args.get("when")
    if when == "upcoming":
        stmt = stmt.where(Event.held_on >= clock.today(), Event.status == EventStatus.OPEN)
    elif when == "past":
        stmt = stmt.where((Event.held_on < clock.today()) | (Event.status != EventStatus.OPEN))
    return render_template(
        "events/index.html", page=paginate(stmt), kind=kind, when=when, kinds=list(EventKind)
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("event.create")
def create() -> str | tuple[str, int] | Response:
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = service.create_event(form.details(), actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("活动已创建。下一步：按匹配结果邀请参会单位。", "success")
            return redirect(url_for("events.detail", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("events/form.html", form=form, event=None), status


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@policy.enforces("event.view", "event.edit")
@login_required
def edit(event_id: int) -> str | tuple[str, int] | Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.edit", event)
    form = EventForm()
    if not form.is_submitted():
        form.fill(event)
    if form.validate_on_submit():
        try:
            service.update_event(event, form.details(), actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("活动已保存。", "success")
            return redirect(url_for("events.detail", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("events/form.html", form=form, event=event), status


@bp.get("/<int:event_id>")
@policy.enforces("event.view", "event.manage", "event.register", "event.see_participants")
def detail(event_id: int) -> str:
    event = get_event_or_404(event_id)
    org_id = current_user.organization_id if policy.is_member(current_user) else None
    mine = service.registration_of(event, org_id)
    mine = mine if mine is not None and mine.is_active else None
    suggested: list[tuple[Organization, int]] = []
    request_form = None
    asked: set[int] = set()
    if mine is not None and event.status is EventStatus.OPEN:
        asked = {r.to_org_id for r in service.requests_from(event, org_id)}
        request_form = MeetingRequestForm()
        request_form.other.choices = options(
            (r.organization_id, r.organization.name)
            for r in event.active_registrations
            if r.organization_id != org_id and r.organization_id not in asked
        )
        try:
            suggested = matching.proposed_for(event, org_id)
        except search.SearchUnavailable:
            suggested = []
    return render_template(
        "events/detail.html",
        event=event,
        mine=mine,
        my_meetings=[m for m in event.meetings if mine is not None and m.involves(org_id)],
        asked=asked,
        suggested=suggested,
        request_form=request_form,
        figures=outcomes.figures(event),
        can_manage=policy.may(current_user, "event.manage", event),
        can_register=policy.may(current_user, "event.register", event) and event.registration_open,
        see_participants=policy.may(current_user, "event.see_participants", event),
        reason_form=ReasonForm(),
    )


@bp.post("/<int:event_id>/held")
@policy.enforces("event.view", "event.manage")
@login_required
def held(event_id: int) -> Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    service.mark_held(event, actor=current_user)
    db.session.commit()
    flash("已标记为已举办。请在“洽谈结果”中记录每场洽谈的结果。", "success")
    return redirect(url_for("events.outcomes_page", event_id=event.id))


@bp.post("/<int:event_id>/cancel")
@policy.enforces("event.view", "event.manage")
@login_required
def cancel(event_id: int) -> Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("取消活动必须写明原因，报名单位会收到通知。", "error")
        return redirect(url_for("events.detail", event_id=event.id))
    service.cancel_event(event, form.reason.data, actor=current_user)
    db.session.commit()
    flash("活动已取消，已通知报名单位。", "success")
    return redirect(url_for("events.detail", event_id=event.id))


# --- invitations -----------------------------------------------------------------------------


@bp.route("/<int:event_id>/invitations", methods=["GET", "POST"])
@policy.enforces("event.view", "event.invite")
@login_required
def invitations(event_id: int) -> str | Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.invite", event)
    candidates = matching.invitation_candidates(event, current_user)
    if request.method == "POST":
        chosen = {
            int(v)
            for v in request.form.getlist("org")
            if v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID
        }
        by_id = {c.organization.id: c for c in candidates}
        if not chosen:
            flash("请勾选要邀请的单位。", "error")
            return redirect(url_for("events.invitations", event_id=event.id))
        invited = 0
        for org_id in sorted(chosen):
            org = account_queries.organization(org_id)
            if org is None:
                continue
            candidate = by_id.get(org_id)
            made = service.invite(
                event,
                org,
                actor=current_user,
                strength=candidate.strength if candidate else None,
                reason=candidate.reason if candidate else None,
            )
            invited += made is not None
        db.session.commit()
        flash(f"已邀请{invited}家单位，对方会收到通知。", "success")
        return redirect(url_for("events.invitations", event_id=event.id))
    return render_template(
        "events/invitations.html", event=event, candidates=candidates, invited=service.invitations(event)
    )


# --- registration ----------------------------------------------------------------------------


def _own_postings() -> list[Posting]:
    return posting_queries.published_of(current_user.organization_id)


@bp.route("/<int:event_id>/register", methods=["GET", "POST"])
@policy.enforces("event.view", "event.register", "registration.edit")
@login_required
def register(event_id: int) -> str | tuple[str, int] | Response:
    event = get_event_or_404(event_id)
    existing = service.registration_of(event, current_user.organization_id)
    existing = existing if existing is not None and existing.is_active else None
    if existing is None:
        policy.require(current_user, "event.register", event)
    else:
        policy.require(current_user, "registration.edit", existing)
    own = _own_postings()
    form = RegistrationForm()
    form.offer(own, _slots(event))
    if existing is not None and not form.is_submitted():
        form.postings.data = [p.id for p in existing.postings]
        form.breaks.data = list(existing.breaks or [])
        form.attendees.data, form.note.data = existing.attendees, existing.note
    if form.validate_on_submit():
        by_id = {p.id: p for p in own}
        chosen = [by_id[i] for i in form.postings.data or [] if i in by_id]
        try:
            if existing is None:
                service.register(
                    event,
                    actor=current_user,
                    postings=chosen,
                    breaks=form.breaks.data or [],
                    attendees=form.attendees.data,
                    note=form.note.data,
                )
            else:
                service.update_registration(
                    existing,
                    actor=current_user,
                    postings=chosen,
                    breaks=form.breaks.data or [],
                    attendees=form.attendees.data,
                    note=form.note.data,
                )
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash(
                "报名信息已保存。可在活动页约见其他参会单位。" if existing is None else "报名信息已修改。",
                "success",
            )
            return redirect(url_for("events.detail", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("events/register.html", event=event, form=form, existing=existing), status


@bp.post("/<int:event_id>/register/cancel")
@policy.enforces("event.view", "registration.edit")
@login_required
def unregister(event_id: int) -> Response:
    event = get_event_or_404(event_id)
    existing = service.registration_of(event, current_user.organization_id)
    if existing is None:
        abort(404)
    service.cancel_registration(existing, actor=current_user)
    db.session.commit()
    flash("已取消报名。", "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/<int:event_id>/requests")
@policy.enforces("event.view", "registration.edit")
@login_required
def request_meeting(event_id: int) -> Response:
    event = get_event_or_404(event_id)
    policy.require(
        current_user, "registration.edit", service.registration_of(event, current_user.organization_id)
    )
    form = MeetingRequestForm()
    form.other.choices = options((r.organization_id, r.organization.name) for r in event.active_registrations)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("events.detail", event_id=event.id))
    made = service.request_meeting(event, form.other.data, actor=current_user, note=form.note.data)
    db.session.commit()
    flash(f"已约见{made.to_org.name}。排期时优先安排约见的洽谈。", "success")
    return redirect(url_for("events.detail", event_id=event.id))


# --- the schedule ----------------------------------------------------------------------------


@bp.route("/<int:event_id>/schedule", methods=["GET", "POST"])
@policy.enforces("event.view", "event.manage")
@login_required
def schedule(event_id: int) -> str | Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    if request.method == "POST":
        result = service.build_schedule(event, matching.wanted_meetings(event), actor=current_user)
        db.session.commit()
        message = f"已排定{result.placed}场洽谈，其中约见{result.requested_placed}场。"
        if result.unplaced:
            message += f"另有{len(result.unplaced)}场因时段或桌位不足未能安排，见下方列表。"
        flash(message, "success" if not result.unplaced else "warning")
        return redirect(url_for("events.schedule", event_id=event.id))
    unplaced = []
    if event.scheduled_at is not None and event.status is EventStatus.OPEN:
        placed = {frozenset((m.a_org_id, m.b_org_id)) for m in event.meetings}
        try:
            unplaced = [
                w for w in matching.wanted_meetings(event) if frozenset((w.a.id, w.b.id)) not in placed
            ]
        except search.SearchUnavailable:
            unplaced = []
    grid: dict[tuple[int, int], Meeting] = {(m.slot, m.table): m for m in event.meetings}
    move_form = MoveForm()
    move_form.slot.choices = options(_slots(event))
    add_form = AddMeetingForm()
    orgs = [(r.organization_id, r.organization.name) for r in event.active_registrations]
    # No default: two selects opening on the same organisation invited a meeting with itself.
    add_form.a.choices = add_form.b.choices = options(orgs, "请选择参会单位")
    add_form.slot.choices = options(_slots(event))
    return render_template(
        "events/schedule.html",
        event=event,
        grid=grid,
        unplaced=unplaced,
        move_form=move_form,
        add_form=add_form,
        editable=event.status is EventStatus.OPEN,
    )


@bp.post("/<int:event_id>/meetings/<int:meeting_id>/move")
@policy.enforces("event.view", "event.manage")
@login_required
def move(event_id: int, meeting_id: int) -> Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    meeting = _meeting_or_404(event, meeting_id)
    form = MoveForm()
    form.slot.choices = options(_slots(event))
    if not form.validate_on_submit():
        flash("请选择一个本次活动的时段。", "error")
        return redirect(url_for("events.schedule", event_id=event.id))
    service.move_meeting(meeting, form.slot.data, actor=current_user)
    db.session.commit()
    flash(f"已调整到 {event.slot_label(form.slot.data)}，重新排期时保留在此。", "success")
    return redirect(url_for("events.schedule", event_id=event.id))


@bp.post("/<int:event_id>/meetings")
@policy.enforces("event.view", "event.manage")
@login_required
def add_meeting(event_id: int) -> Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    form = AddMeetingForm()
    orgs = [(r.organization_id, r.organization.name) for r in event.active_registrations]
    form.a.choices = form.b.choices = options(orgs, "请选择参会单位")
    form.slot.choices = options(_slots(event))
    if not form.validate_on_submit():
        flash("请选择两家参会单位和一个时段。", "error")
        return redirect(url_for("events.schedule", event_id=event.id))
    service.add_meeting(event, form.a.data, form.b.data, form.slot.data, actor=current_user)
    db.session.commit()
    flash("已新增一场洽谈。", "success")
    return redirect(url_for("events.schedule", event_id=event.id))


@bp.post("/<int:event_id>/meetings/<int:meeting_id>/remove")
@policy.enforces("event.view", "event.manage")
@login_required
def remove_meeting(event_id: int, meeting_id: int) -> Response:
    event = get_event_or_404(event_id)
    service.remove_meeting(_meeting_or_404(event, meeting_id), actor=current_user)
    db.session.commit()
    flash("已取消这场洽谈。", "success")
    return redirect(url_for("events.schedule", event_id=event.id))


@bp.get("/<int:event_id>/schedule/participants/<int:org_id>")
@policy.enforces("event.view", "registration.view")
@login_required
def participant_sheet(event_id: int, org_id: int) -> str:
    """One participant's timetable, for printing (bureau staff, or the participant itself)."""
    event = get_event_or_404(event_id)
    registration = service.registration_of(event, org_id)
    if registration is None:
        abort(404)
    policy.require(current_user, "registration.view", registration)
    meetings = sorted((m for m in event.meetings if m.involves(org_id)), key=lambda m: m.slot)
    return render_template(
        "events/sheet_participant.html", event=event, registration=registration, meetings=meetings
    )


@bp.get("/<int:event_id>/schedule/tables/<int:table>")
@policy.enforces("event.view", "event.manage")
@login_required
def table_sheet(event_id: int, table: int) -> str:
    """One table's meetings, for printing and leaving on the table."""
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    if not 1 <= table <= event.tables:
        abort(404)
    meetings = sorted((m for m in event.meetings if m.table == table - 1), key=lambda m: m.slot)
    return render_template("events/sheet_table.html", event=event, table=table, meetings=meetings)


@bp.get("/<int:event_id>/schedule/print")
@policy.enforces("event.view", "event.manage")
@login_required
def print_all(event_id: int) -> str:
    """Every participant's timetable, one per page, for printing in one go."""
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    sheets = [
        (r, sorted((m for m in event.meetings if m.involves(r.organization_id)), key=lambda m: m.slot))
        for r in event.active_registrations
    ]
    return render_template("events/sheet_all.html", event=event, sheets=sheets)


@bp.get("/<int:event_id>/schedule.xlsx")
@policy.enforces("event.view", "event.manage")
@login_required
def schedule_xlsx(event_id: int) -> Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    return send_xlsx(outcomes.schedule_workbook(event, workbook_of), f"{event.title}-洽谈日程.xlsx")


# --- outcomes --------------------------------------------------------------------------------


@bp.get("/<int:event_id>/outcomes")
@policy.enforces("event.view", "event.manage")
@login_required
def outcomes_page(event_id: int) -> str:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    rows: list[tuple[Meeting, OutcomeForm]] = []
    for meeting in event.meetings:
        form = OutcomeForm(prefix=f"m{meeting.id}")
        form.postings.choices = options(
            (
                (
                    f"{t.id}-{o.id}",
                    (f"匹配度 {strength} · " if strength is not None else "")
                    + f"{t.organization.name}的“{t.title}” ← {o.organization.name}的“{o.title}”",
                )
                for t, o, strength in matching.pairing_choices(meeting)
            ),
            "（不形成对接时不选）",
        )
        form.outcome.data = meeting.outcome.value if meeting.outcome is not MeetingOutcome.PENDING else None
        rows.append((meeting, form))
    return render_template("events/outcomes.html", event=event, rows=rows, figures=outcomes.figures(event))


@bp.post("/<int:event_id>/meetings/<int:meeting_id>/outcome")
@policy.enforces("event.view", "event.manage", "pairing.introduce")
@login_required
def outcome(event_id: int, meeting_id: int) -> Response:
    event = get_event_or_404(event_id)
    policy.require(current_user, "event.manage", event)
    meeting = _meeting_or_404(event, meeting_id)
    form = OutcomeForm(prefix=f"m{meeting.id}")
    basis = {f"{t.id}-{o.id}": (t, o) for t, o in service.postings_for_pairing(meeting)}
    form.postings.choices = options(((k, k) for k in basis), "")
    if not form.validate_on_submit():
        flash("请选择洽谈结果；形成对接时请选择对接依据。", "error")
        return redirect(url_for("events.outcomes_page", event_id=event.id))
    result = MeetingOutcome(form.outcome.data)
    pairing = service.record_outcome(
        meeting,
        result,
        actor=current_user,
        note=form.note.data,
        postings=basis.get(form.postings.data or ""),
    )
    db.session.commit()
    if pairing is not None:
        flash("已记录：形成对接，双方可在“我的对接”中继续洽谈。", "success")
    else:
        flash(f"已记录：{result.label}。", "success")
    return redirect(url_for("events.outcomes_page", event_id=event.id) + f"#m{meeting.id}")
