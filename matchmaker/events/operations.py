"""Matchmaking visits and events (对接活动): creating and changing events, invitations, registration
with postings, breaks and meeting requests, the 1:1 schedule (built by events/scheduling.py, then
moved by hand), and the outcomes staff record after the event — meetings that led to a pairing
enter the pipeline (pairings/operations.introduce, accepted at once: both sides met and agreed).

Every function takes the actor, checks policy, writes journal entries and never commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from matchmaker import policy
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import Role
from matchmaker.core import clock, rules
from matchmaker.core.database import next_number
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.core.models import utcnow
from matchmaker.events import scheduling
from matchmaker.events.models import (
    Event,
    EventInvitation,
    EventKind,
    EventRegistration,
    EventStatus,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
)
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingStatus
from matchmaker.taxonomy.models import TechField, Town

MAX_SLOTS = 48
EARLIEST, LATEST = date(2020, 1, 1), date(2100, 12, 31)
MAX_TABLES = 200
MAX_CAPACITY = 2000
MAX_POSTINGS = 5  # postings one participant brings
MAX_REQUESTS = 20  # meetings one participant asks for
# match() anchors the start; \Z, unlike $, also refuses a trailing line break
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d\Z")


@dataclass(frozen=True)
class Party:
    """A participant as the scheduler sees it: hashable by organisation, named in its messages."""

    id: int
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class EventDetails:
    """The editable content of an event."""

    title: str
    kind: EventKind
    held_on: date
    registration_deadline: date
    organisers: str
    place: str | None = None
    link: str | None = None
    description: str | None = None
    capacity: int | None = None
    host: Organization | None = None
    tech_fields: list[TechField] = field(default_factory=list)
    towns: list[Town] = field(default_factory=list)
    first_slot: str = "09:00"
    slot_minutes: int = 20
    slot_count: int = 8
    tables: int = 10

    def problems(self) -> dict[str, str]:
        """Field → the Chinese message of the first rule it breaks."""
        found: dict[str, str] = {}
        title = (self.title or "").strip()
        if not 4 <= len(title) <= 120:
            found["title"] = f"活动名称应为4到120个字（现有{len(title)}个字）。"
        if self.registration_deadline > self.held_on:
            found["registration_deadline"] = "报名截止日期不能晚于活动日期。"
        if not (self.organisers or "").strip() or len(self.organisers.strip()) > 200:
            found["organisers"] = "请填写主办单位（最多200个字）。"
        place, link = (self.place or "").strip(), (self.link or "").strip()
        if self.kind is EventKind.ONLINE:
            if not re.match(r"https?://\S+\Z", link) or len(link) > 300:
                found["link"] = "线上对接请填写以 http:// 或 https:// 开头的会议链接。"
        elif not place or len(place) > 200:
            found["place"] = "请填写活动地点（最多200个字）。"
        if len(self.description or "") > 5000:
            found["description"] = "活动介绍最多5000个字。"
        if self.capacity is not None and not 1 <= self.capacity <= MAX_CAPACITY:
            found["capacity"] = f"名额应在1到{MAX_CAPACITY}之间；不限名额请留空。"
        if self.kind is EventKind.VISIT and (self.host is None or self.host.role is not Role.UNIVERSITY):
            found["host"] = "高校院所专题拜访请选择拜访的高校或科研院所。"
        if self.host is not None and self.host.role is Role.BUREAU:
            found["host"] = "承办单位应为企业或高校院所。"
        if not TIME.match(self.first_slot or ""):
            found["first_slot"] = "开始时间请写成 09:00 的形式。"
        if not 5 <= self.slot_minutes <= 120:
            found["slot_minutes"] = "每场洽谈应为5到120分钟。"
        if not 1 <= self.slot_count <= MAX_SLOTS:
            found["slot_count"] = f"洽谈时段应为1到{MAX_SLOTS}个。"
        if not 1 <= self.tables <= MAX_TABLES:
            found["tables"] = f"洽谈桌应为1到{MAX_TABLES}张。"
        if not EARLIEST <= self.held_on <= LATEST:
            found["held_on"] = "活动日期有误。"
        elif not self.registration_deadline >= EARLIEST:
            found["registration_deadline"] = "报名截止日期有误。"
        if not found.keys() & {"first_slot", "slot_minutes", "slot_count"}:
            hours, minutes = (int(x) for x in self.first_slot.split(":"))
            if hours * 60 + minutes + self.slot_count * self.slot_minutes > 24 * 60:
                found["slot_count"] = "洽谈时段超过了当天24点：请减少时段数或每场时长，或提早开始时间。"
        return rules.single_line_problems(self, ("title", "organisers", "place", "link")) | found

    def check(self) -> None:
        for name, message in self.problems().items():
            raise FieldError(name, message)

    def apply_to(self, event: Event) -> dict[str, list[object]]:
        """Copy onto ``event``; the changed fields, for the journal."""
        values = {
            "title": self.title.strip(),
            "kind": self.kind,
            "held_on": self.held_on,
            "registration_deadline": self.registration_deadline,
            "organisers": self.organisers.strip(),
            "place": (self.place or "").strip() or None,
            "link": (self.link or "").strip() or None,
            "description": (self.description or "").strip() or None,
            "capacity": self.capacity,
            "host_org_id": self.host.id if self.host else None,
            "first_slot": self.first_slot,
            "slot_minutes": self.slot_minutes,
            "slot_count": self.slot_count,
            "tables": self.tables,
        }
        changes: dict[str, list[object]] = {}
        for name, value in values.items():
            if getattr(event, name, None) != value:
                changes[name] = [getattr(event, name, None), value]
                setattr(event, name, value)
        event.host_org = self.host
        for name, given in (("tech_fields", self.tech_fields), ("towns", self.towns)):
            terms = list({t.id: t for t in given}.values())  # a term chosen twice is one
            if {t.id for t in getattr(event, name)} != {t.id for t in terms}:
                changes[name] = [[t.name for t in getattr(event, name)], [t.name for t in terms]]
                setattr(event, name, list(terms))
        return changes


# --- events ----------------------------------------------------------------------------------


def create_event(details: EventDetails, *, actor: User) -> Event:
    policy.require(actor, "event.create")
    details.check()
    event = Event(created_by=actor)
    changes = details.apply_to(event)
    db.session.add(event)
    record("event.created", event, actor=actor, changes=changes)
    db.session.flush()
    return event


def ensure_open(event: Event, doing: str) -> None:
    """Raise InvalidTransition unless the event is still open (not held or cancelled)."""
    if event.status is not EventStatus.OPEN:
        raise InvalidTransition(f"“{event.status.label}”的活动不能{doing}。")


def ensure_held(event: Event) -> None:
    if event.status is not EventStatus.HELD:
        raise InvalidTransition("活动标记为“已举办”后才能记录洽谈结果。")


def update_event(event: Event, details: EventDetails, *, actor: User) -> None:
    policy.require(actor, "event.edit", event)
    ensure_open(event, "修改")
    details.check()
    if details.capacity is not None and details.capacity < len(event.active_registrations):
        raise FieldError(
            "capacity", f"已有{len(event.active_registrations)}家单位报名，名额不能少于已报名数。"
        )
    grid = (event.slot_count, event.tables)
    changes = details.apply_to(event)
    if not changes:
        return
    if (event.slot_count, event.tables) != grid:
        _drop_off_grid(event, actor)
    event.updated_at = utcnow()
    record("event.updated", event, actor=actor, changes=changes)


def _drop_off_grid(event: Event, actor: User) -> None:
    """After the grid shrank: a meeting at a table that no longer exists moves to a free one of the
    same slot; one that no longer fits is taken out, and both sides are told."""
    taken = {
        (m.slot, m.table) for m in event.meetings if m.slot < event.slot_count and m.table < event.tables
    }
    for meeting in sorted(event.meetings, key=lambda m: (m.slot, m.table)):
        if meeting.slot < event.slot_count and meeting.table < event.tables:
            continue
        free = [t for t in range(event.tables) if (meeting.slot, t) not in taken]
        if meeting.slot < event.slot_count and free:
            meeting.table = free[0]
            taken.add((meeting.slot, meeting.table))
        else:
            _removed(meeting, actor, "活动时段或洽谈桌减少")


def mark_held(event: Event, *, actor: User) -> None:
    policy.require(actor, "event.manage", event)
    event.mark_held(actor)


def cancel_event(event: Event, reason: str, *, actor: User) -> None:
    policy.require(actor, "event.manage", event)
    event.cancel(actor, reason)


# --- invitations -----------------------------------------------------------------------------


def invite(
    event: Event, org: Organization, *, actor: User, strength: int | None = None, reason: str | None = None
) -> EventInvitation | None:
    """Invite ``org`` (its users are notified); None if it was invited or registered already."""
    policy.require(actor, "event.invite", event)
    ensure_open(event, "再邀请")
    if org.role is Role.BUREAU or not org.is_verified:
        raise FieldError("organization", f"{org.name}不是已认证的企业或高校院所，不能邀请。")
    if _invitation(event, org.id) is not None or registration_of(event, org.id) is not None:
        return None
    invitation = EventInvitation(
        event=event,
        organization=org,
        invited_by_id=actor.id,
        strength=strength,
        reason=(reason or "")[:1000] or None,
    )
    _insert(invitation, "organization", f"{org.name}刚刚已被邀请。")
    record("event.invited", event, actor=actor, changes={"organization": [None, org.id]}, note=reason)
    db.session.flush()
    return invitation


def _invitation(event: Event, org_id: int) -> EventInvitation | None:
    return db.session.scalar(
        select(EventInvitation).where(
            EventInvitation.event_id == event.id, EventInvitation.organization_id == org_id
        )
    )


def invitations(event: Event) -> list[EventInvitation]:
    return list(
        db.session.scalars(
            select(EventInvitation).where(EventInvitation.event_id == event.id).order_by(EventInvitation.id)
        )
    )


# --- registration ----------------------------------------------------------------------------


def registration_of(event: Event, org_id: int | None) -> EventRegistration | None:
    if org_id is None:
        return None
    return db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.organization_id == org_id
        )
    )


def _check_postings(event: Event, org_id: int, chosen: Iterable[Posting]) -> list[Posting]:
    chosen = list(dict.fromkeys(chosen))
    if len(chosen) > MAX_POSTINGS:
        raise FieldError("postings", f"最多带{MAX_POSTINGS}条信息参加。")
    for posting in chosen:
        if posting.organization_id != org_id or posting.status is not PostingStatus.PUBLISHED:
            raise FieldError("postings", "只能选择本单位已发布的信息。")
    return chosen


def _check_breaks(event: Event, breaks: Iterable[int]) -> list[int]:
    slots = sorted(set(breaks))
    if any(not 0 <= s < event.slot_count for s in slots):
        raise FieldError("breaks", "休息时段不在本次活动的洽谈时段内。")
    if len(slots) >= event.slot_count:
        raise FieldError("breaks", "不能所有时段都休息：请至少留出一个时段洽谈。")
    return slots


def register(
    event: Event,
    *,
    actor: User,
    postings: Iterable[Posting] = (),
    breaks: Iterable[int] = (),
    attendees: str | None = None,
    note: str | None = None,
) -> EventRegistration:
    """The actor's organisation takes part, bringing ``postings``; a cancelled registration is
    taken up again."""
    policy.require(actor, "event.register", event)
    # The event's lock as the transaction's first write, then a fresh read: registrations at once
    # queue here and each counts those committed before it (check, then insert, overbooked).
    next_number(f"event.{event.id}.registrations")
    db.session.refresh(event)
    db.session.refresh(event, ["registrations"])
    if not event.registration_open:
        raise InvalidTransition(
            "本次活动已截止报名。"
            if event.status is EventStatus.OPEN
            else f"活动{event.status.label}，不能报名。"
        )
    org_id = actor.organization_id
    existing = registration_of(event, org_id)
    if existing is not None and existing.is_active:
        raise FieldError("postings", "贵单位已报名本次活动，可在活动页修改报名信息。")
    if event.is_full:
        raise InvalidTransition(f"本次活动{event.capacity}个名额已满。")
    chosen = _check_postings(event, org_id, postings)
    slots = _check_breaks(event, breaks)
    attendees, note = _short(attendees, "attendees", 200), _short(note, "note", 1000)
    registration = existing or EventRegistration(event_id=event.id, organization_id=org_id)
    registration.user_id, registration.cancelled_at = actor.id, None
    registration.postings, registration.breaks = chosen, slots
    registration.attendees, registration.note = attendees, note
    if existing is None:
        _insert(registration, "postings", "贵单位刚刚已报名本次活动，可在活动页修改报名信息。")
        db.session.refresh(event, ["registrations"])
    record(
        "event.registered",
        event,
        actor=actor,
        changes={"organization": [None, org_id], "postings": [None, [p.id for p in chosen]]},
        note=attendees,
    )
    db.session.flush()
    return registration


def update_registration(
    registration: EventRegistration,
    *,
    actor: User,
    postings: Iterable[Posting],
    breaks: Iterable[int],
    attendees: str | None = None,
    note: str | None = None,
) -> None:
    event = registration.event
    policy.require(actor, "registration.edit", registration)
    if event.status is not EventStatus.OPEN or not registration.is_active:
        raise InvalidTransition("活动已结束或报名已取消，不能修改。")
    chosen = _check_postings(event, registration.organization_id, postings)
    slots = _check_breaks(event, breaks)
    busy = [m for m in event.meetings if m.involves(registration.organization_id) and m.slot in slots]
    if busy:
        raise FieldError(
            "breaks",
            f"时段 {event.slot_label(busy[0].slot)} 已安排与{busy[0].other(registration.organization_id).name}的洽谈，请联系主管部门调整后再设为休息。",
        )
    registration.postings, registration.breaks = chosen, slots
    registration.attendees, registration.note = (
        _short(attendees, "attendees", 200),
        _short(note, "note", 1000),
    )
    record(
        "event.registration_updated",
        event,
        actor=actor,
        changes={
            "organization": [None, registration.organization_id],
            "postings": [None, [p.id for p in chosen]],
        },
    )


def cancel_registration(registration: EventRegistration, *, actor: User) -> None:
    """The participant withdraws; its meetings and requests go with it."""
    event = registration.event
    policy.require(actor, "registration.edit", registration)
    if event.status is not EventStatus.OPEN or not registration.is_active:
        raise InvalidTransition("活动已结束或报名已取消。")
    org_id = registration.organization_id
    registration.cancelled_at = utcnow()
    for meeting in [m for m in event.meetings if m.involves(org_id)]:
        _removed(meeting, actor, f"{registration.organization.name}已取消报名")
    _touch(event)
    db.session.execute(
        delete(MeetingRequest).where(
            MeetingRequest.event_id == event.id,
            (MeetingRequest.from_org_id == org_id) | (MeetingRequest.to_org_id == org_id),
        )
    )
    record("event.registration_cancelled", event, actor=actor, changes={"organization": [org_id, None]})


def _insert(row: object, field: str, message: str) -> None:
    """Add and flush ``row``: a twin written a moment earlier by a double click or a colleague
    (the unique constraint says so) is a Chinese field error, not a 500. A failed flush leaves the
    session unusable, so the transaction is rolled back here — nothing of the request is kept,
    which is what the caller does with a FieldError anyway. (No savepoint: pysqlite's SAVEPOINT
    outside a transaction would commit on release.)"""
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise FieldError(field, message) from None


def _touch(event: Event) -> None:
    """A change to the schedule bumps the event's version: two staff editing it at once end in
    one schedule, the second told it changed meanwhile (StaleDataError → 409 / flash)."""
    event.updated_at = utcnow()


def _short(text: str | None, name: str, limit: int) -> str | None:
    text = (text or "").strip()
    if len(text) > limit:
        raise FieldError(name, f"最多{limit}个字（现有{len(text)}个字）。")
    return text or None


# --- meeting requests ------------------------------------------------------------------------


def request_meeting(
    event: Event, other_org_id: int, *, actor: User, note: str | None = None
) -> MeetingRequest:
    mine = registration_of(event, actor.organization_id)
    policy.require(actor, "registration.edit", mine)
    if event.status is not EventStatus.OPEN or mine is None or not mine.is_active:
        raise InvalidTransition("只有已报名、未结束活动的参会单位可以约见。")
    theirs = registration_of(event, other_org_id)
    if theirs is None or not theirs.is_active or other_org_id == actor.organization_id:
        raise FieldError("other", "只能约见本次活动的其他参会单位。")
    count = len(requests_from(event, actor.organization_id))
    if count >= MAX_REQUESTS:
        raise FieldError("other", f"每家单位最多约见{MAX_REQUESTS}家。")
    if any(r.to_org_id == other_org_id for r in requests_from(event, actor.organization_id)):
        raise FieldError("other", f"已约见过{theirs.organization.name}。")
    request = MeetingRequest(
        event_id=event.id,
        from_org_id=actor.organization_id,
        to_org_id=other_org_id,
        created_by_id=actor.id,
        note=_short(note, "note", 500),
    )
    _insert(request, "other", f"已约见过{theirs.organization.name}。")
    record(
        "event.meeting_requested",
        event,
        actor=actor,
        changes={"from": [None, actor.organization_id], "to": [None, other_org_id]},
        note=request.note,
    )
    db.session.flush()
    return request


def requests_from(event: Event, org_id: int | None) -> list[MeetingRequest]:
    return list(
        db.session.scalars(
            select(MeetingRequest).where(
                MeetingRequest.event_id == event.id, MeetingRequest.from_org_id == org_id
            )
        )
    )


def all_requests(event: Event) -> list[MeetingRequest]:
    return list(db.session.scalars(select(MeetingRequest).where(MeetingRequest.event_id == event.id)))


# --- the schedule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    placed: int
    requested_placed: int
    unplaced: list[scheduling.Wanted]


def _parties(event: Event) -> dict[int, Party]:
    return {
        r.organization_id: Party(r.organization_id, r.organization.name) for r in event.active_registrations
    }


def build_schedule(event: Event, wanted: Iterable[scheduling.Wanted], *, actor: User) -> BuildResult:
    """Rebuild the schedule from the wanted meetings (requests and proposals, events/matching.py):
    meetings moved by hand stay where they are, the rest are placed afresh."""
    policy.require(actor, "event.manage", event)
    ensure_open(event, "重新排期")
    wanted = list(wanted)
    parties = _parties(event)
    fixed = [
        scheduling.Placed(parties[m.a_org_id], parties[m.b_org_id], m.slot, m.table, m.requested, True)
        for m in event.meetings
        if m.fixed and m.a_org_id in parties and m.b_org_id in parties
    ]
    strength = {w.pair: w.strength for w in wanted}
    try:
        schedule, unplaced = scheduling.build(
            wanted,
            slots=event.slot_count,
            tables=event.tables,
            breaks={parties[r.organization_id]: set(r.breaks or []) for r in event.active_registrations},
            fixed=fixed,
            slot_names=[event.slot_label(slot) for slot in range(event.slot_count)],
        )
    except scheduling.Conflict as error:
        raise InvalidTransition(str(error)) from error
    kept = {
        frozenset((m.a_org_id, m.b_org_id))
        for m in event.meetings
        if m.fixed and m.a_org_id in parties and m.b_org_id in parties
    }
    for meeting in list(event.meetings):
        if frozenset((meeting.a_org_id, meeting.b_org_id)) not in kept:
            event.meetings.remove(meeting)
    db.session.flush()  # the old places are free before the new rows take them
    for placed in schedule.meetings.values():
        if placed.fixed and frozenset((placed.a.id, placed.b.id)) in kept:
            continue  # a meeting fixed by hand keeps its row (and id) where it was
        event.meetings.append(
            Meeting(
                a_org_id=placed.a.id,
                b_org_id=placed.b.id,
                slot=placed.slot,
                table=placed.table,
                requested=placed.requested,
                fixed=placed.fixed,
                strength=strength.get(placed.pair, 0),
            )
        )
    event.scheduled_at = utcnow()
    _touch(event)
    result = BuildResult(
        len(schedule.meetings), sum(m.requested for m in schedule.meetings.values()), unplaced
    )
    record(
        "event.scheduled",
        event,
        actor=actor,
        changes={"meetings": [None, result.placed], "requested": [None, result.requested_placed]},
        note=f"安排{result.placed}场洽谈，其中约见{result.requested_placed}场；{len(unplaced)}场未能安排",
    )
    db.session.flush()
    return result


def _schedule_of(event: Event) -> tuple[scheduling.Schedule, dict[frozenset[Party], Meeting]]:
    parties = _parties(event)
    schedule = scheduling.Schedule(
        event.slot_count,
        event.tables,
        {parties[r.organization_id]: set(r.breaks or []) for r in event.active_registrations},
        slot_names=[event.slot_label(slot) for slot in range(event.slot_count)],
    )
    rows: dict[frozenset[Party], Meeting] = {}
    for m in event.meetings:  # stored meetings keep the invariants: placed back where they are
        placed = schedule.place(
            parties[m.a_org_id],
            parties[m.b_org_id],
            m.slot,
            requested=m.requested,
            fixed=m.fixed,
            table=m.table,
        )
        rows[placed.pair] = m
    return schedule, rows


def move_meeting(meeting: Meeting, slot: int, *, actor: User) -> None:
    """Staff move a meeting to another time slot; it stays there when the schedule is rebuilt.
    A conflict (someone busy or on a break, no free table) is refused with the reason."""
    event = meeting.event
    policy.require(actor, "event.manage", event)
    ensure_open(event, "调整日程")
    schedule, rows = _schedule_of(event)
    pair = next(p for p, row in rows.items() if row is meeting)
    old = (meeting.slot, meeting.table)
    try:
        placed = schedule.move(pair, slot)  # to a free table of the new slot, by construction
    except scheduling.Conflict as error:
        raise FieldError("slot", str(error)) from error
    meeting.slot, meeting.table, meeting.fixed = placed.slot, placed.table, True
    _touch(event)
    record(
        "event.meeting_moved",
        event,
        actor=actor,
        changes={
            "meeting": [None, meeting.id],
            "slot": [old[0], placed.slot],
            "table": [old[1], placed.table],
            "orgs": [None, [meeting.a_org_id, meeting.b_org_id]],
        },
        note=f"{meeting.a_org.name} 与 {meeting.b_org.name}：{event.slot_label(placed.slot)} 第{placed.table + 1}桌",
    )


def add_meeting(event: Event, a_org_id: int, b_org_id: int, slot: int, *, actor: User) -> Meeting:
    """Staff add a meeting by hand (fixed where it is put)."""
    policy.require(actor, "event.manage", event)
    ensure_open(event, "调整日程")
    schedule, _rows = _schedule_of(event)
    parties = _parties(event)
    if a_org_id not in parties or b_org_id not in parties:
        raise FieldError("slot", "只能为已报名的参会单位安排洽谈。")
    try:
        placed = schedule.place(parties[a_org_id], parties[b_org_id], slot, fixed=True)
    except scheduling.Conflict as error:
        raise FieldError("slot", str(error)) from error
    asked = any({r.from_org_id, r.to_org_id} == {a_org_id, b_org_id} for r in all_requests(event))
    meeting = Meeting(
        event_id=event.id,
        a_org_id=a_org_id,
        b_org_id=b_org_id,
        slot=placed.slot,
        table=placed.table,
        fixed=True,
        requested=asked,
    )
    _insert(meeting, "slot", "这个时段的这张桌子刚刚已被安排，请刷新后重试。")
    db.session.refresh(event, ["meetings"])
    _touch(event)
    record(
        "event.meeting_added",
        event,
        actor=actor,
        changes={"meeting": [None, meeting.id], "slot": [None, slot], "orgs": [None, [a_org_id, b_org_id]]},
        note=f"新增洽谈：{parties[a_org_id].name} 与 {parties[b_org_id].name}，{event.slot_label(slot)}",
    )
    return meeting


def remove_meeting(meeting: Meeting, *, actor: User) -> None:
    event = meeting.event
    policy.require(actor, "event.manage", event)
    ensure_open(event, "调整日程")
    _removed(meeting, actor)
    _touch(event)


def _removed(meeting: Meeting, actor: User, why: str | None = None) -> None:
    """Take a meeting out of the schedule, journaled so both sides are told."""
    event = meeting.event
    record(
        "event.meeting_removed",
        event,
        actor=actor,
        changes={"meeting": [meeting.id, None], "orgs": [None, [meeting.a_org_id, meeting.b_org_id]]},
        note=f"{meeting.a_org.name} 与 {meeting.b_org.name}，{event.slot_label(meeting.slot)}"
        + (f"（{why}）" if why else ""),
    )
    event.meetings.remove(meeting)


# --- outcomes --------------------------------------------------------------------------------


def record_outcome(
    meeting: Meeting,
    outcome: MeetingOutcome,
    *,
    actor: User,
    note: str | None = None,
    postings: tuple[Posting, Posting] | None = None,
) -> Pairing | None:
    """After the event: whether the meeting took place, and whether it led to a pairing. A pairing
    is about a need or offer of one side (``postings``: the target and the other side's posting);
    an existing conversation between them about that posting is linked rather than duplicated."""
    event = meeting.event
    policy.require(actor, "event.manage", event)
    ensure_held(event)
    if meeting.pairing_id is not None and outcome is not MeetingOutcome.PAIRED:
        raise InvalidTransition("这场洽谈已形成对接，结果不能再改。")
    note = _short(note, "note", 1000)
    pairing = meeting.pairing
    if outcome is MeetingOutcome.PAIRED and pairing is None:
        if postings is None:
            raise FieldError("postings", "请选择双方对接所依据的信息。")
        target, other = postings
        if {target.organization_id, other.organization_id} != {meeting.a_org_id, meeting.b_org_id}:
            raise FieldError("postings", "对接依据须是洽谈双方各自的一条信息。")
        if other.kind not in target.kind.complements:
            raise FieldError("postings", "这两条信息不能互相对接（需求须对应成果或产品）。")
        earlier = earlier_pairing(target, other)
        if earlier is not None:
            raise FieldError(
                "postings",
                f"双方就这条信息此前已有对接（{earlier.state.label}），不是本次活动的成果："
                "请把这场洽谈记为“已洽谈”，或选择另一组信息。",
            )
        pairing = pairings.existing(target, other.organization_id)
        if pairing is not None:
            pairing.accept(actor)  # they met and agreed to go on: the open interest is answered
        if pairing is None:
            pairing = pairings.introduce(
                target, other, note or f"双方在“{event.title}”中洽谈后同意继续对接。", actor=actor
            )
            pairing.accept(actor)
        meeting.pairing = pairing
    old = meeting.outcome
    meeting.outcome, meeting.outcome_note = outcome, note
    record(
        "event.outcome",
        event,
        actor=actor,
        changes={
            "meeting": [None, meeting.id],
            "outcome": [old, outcome],
            "pairing": [None, meeting.pairing_id],
        },
        note=f"{meeting.a_org.name} 与 {meeting.b_org.name}：{outcome.label}"
        + (f"（{note}）" if note else ""),
    )
    db.session.flush()
    return pairing


def earlier_pairing(target: Posting, other: Posting) -> Pairing | None:
    """The two sides' pairing about ``target`` from before the meeting, if any: only a pairing the
    meeting starts (or whose open interest it answers) is the event's, so ``record_outcome``
    refuses these and the outcome form leaves them out."""
    pairing = pairings.existing(target, other.organization_id)
    return pairing if pairing is not None and pairing.state is not PairingState.INTERESTED else None


def postings_for_pairing(meeting: Meeting) -> list[tuple[Posting, Posting]]:
    """(target, other) pairs a meeting could become a pairing about: a need of one side answered by
    an outcome or offer of the other, from what they brought (or all their published postings)."""
    event = meeting.event
    brought: dict[int, list[Posting]] = {}
    for org_id in (meeting.a_org_id, meeting.b_org_id):
        reg = registration_of(event, org_id)
        chosen = [p for p in (reg.postings if reg else []) if p.status is PostingStatus.PUBLISHED]
        brought[org_id] = chosen or list(
            db.session.scalars(
                select(Posting).where(
                    Posting.organization_id == org_id, Posting.status == PostingStatus.PUBLISHED
                )
            )
        )
    options = []
    for target_org, other_org in ((meeting.a_org_id, meeting.b_org_id), (meeting.b_org_id, meeting.a_org_id)):
        for target in brought[target_org]:
            if not target.kind.is_need:
                continue
            options += [(target, o) for o in brought[other_org] if o.kind in target.kind.complements]
    return options


def upcoming_for(org_id: int | None) -> list[tuple[Event, bool]]:
    """Open events the organisation was invited to or registered for, soonest first, with
    whether it is registered (工作台)."""
    if org_id is None:
        return []
    invited = select(EventInvitation.event_id).where(EventInvitation.organization_id == org_id)
    registered = set(
        db.session.scalars(
            select(EventRegistration.event_id).where(
                EventRegistration.organization_id == org_id, EventRegistration.cancelled_at.is_(None)
            )
        )
    )
    stmt = (
        select(Event)
        .where(
            Event.status == EventStatus.OPEN,
            Event.held_on >= clock.today(),
            Event.id.in_(invited) | Event.id.in_(registered or {0}),
        )
        .order_by(Event.held_on, Event.id)
    )
    return [(event, event.id in registered) for event in db.session.scalars(stmt)]
