"""Who is told what about a 对接活动: an invited organisation; the participant asked for a meeting;
every participant when the schedule is built, the event changes or is cancelled; both sides of a
meeting moved by hand."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.accounts.models import Organization, User
from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.events.models import Event, EventRegistration
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import each, users

MOVED = ("event.meeting_moved", "event.meeting_removed", "event.meeting_added")


@rules.on(
    "event.invited",
    "event.meeting_requested",
    "event.scheduled",
    *MOVED,
    "event.cancelled",
    "event.updated",
)
def about_event(session: Session, entry: JournalEntry) -> list[Notification]:
    event = session.get(Event, entry.object_id)
    if event is None:
        return []
    link = site_path("events.detail", event_id=event.id)
    name = f"「{event.title}」"
    changes = entry.changes or {}

    def new(key: str) -> object:
        return (changes.get(key) or [None, None])[1]

    def participants() -> list[User]:
        orgs = session.scalars(
            select(EventRegistration.organization_id).where(
                EventRegistration.event_id == event.id, EventRegistration.cancelled_at.is_(None)
            )
        )
        return [u for org in orgs for u in users(session, org)]

    action = entry.action
    if action == "event.invited":
        when = f"{event.held_on:%Y-%m-%d}，{event.place or '线上'}；报名截止 {event.registration_deadline:%Y-%m-%d}"
        body = when + (f"。推荐理由：{entry.note}" if entry.note else "")
        return each(
            users(session, new("organization")),  # type: ignore[arg-type]
            entry,
            "event",
            f"邀请贵单位参加{name}",
            body,
            link,
        )
    if action == "event.meeting_requested":
        asker = session.get(Organization, new("from"))
        who = asker.name if asker else "参会单位"
        return each(
            users(session, new("to")),  # type: ignore[arg-type]
            entry,
            "event",
            f"{who}希望在{name}中与贵单位洽谈",
            entry.note,
            link,
        )
    if action == "event.scheduled":
        return each(
            participants(),
            entry,
            "event",
            f"{name}的洽谈日程已排定",
            "请在活动页查看贵单位的洽谈时段和桌号。",
            link,
        )
    if action in MOVED:
        orgs = new("orgs") or []
        moved = [u for org in orgs for u in users(session, org)]  # type: ignore[attr-defined]
        return each(moved, entry, "event", f"{name}的洽谈日程有调整", entry.note, link)
    if action == "event.cancelled":
        return each(participants(), entry, "event", f"{name}已取消", entry.note, link)
    if action == "event.updated" and changes.keys() & {
        "held_on",
        "place",
        "link",
        "first_slot",
        "slot_minutes",
    }:
        return each(
            participants(), entry, "event", f"{name}的时间或地点有变更", "请在活动页查看最新安排。", link
        )
    return []
