"""What an event produced — registrations, meetings, pairings, agreements — for its page, the
plan dashboard and the API, and the schedule as a workbook. Counted from the records only."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import selectinload

from matchmaker.agreements.models import Agreement
from matchmaker.agreements.values import AgreementStatus
from matchmaker.core.extensions import db
from matchmaker.events.models import Event, EventInvitation, EventStatus, Meeting, MeetingOutcome
from matchmaker.events.operations import invitations


@dataclass(frozen=True)
class Figures:
    invited: int
    registered: int
    meetings: int
    requested: int
    held: int  # meetings that took place (洽谈, or 形成对接)
    pairings: int
    agreements: int  # recorded from those pairings, not deleted
    verified: int  # of which verified: what the plan counts


def figures(event: Event) -> Figures:
    pairing_ids = {m.pairing_id for m in event.meetings if m.pairing_id is not None}
    agreements = (
        list(
            db.session.scalars(
                select(Agreement).where(
                    Agreement.pairing_id.in_(pairing_ids),
                    Agreement.deleted_at.is_(None),
                    Agreement.signed_on >= event.held_on,  # what the event led to, not what came before
                )
            )
        )
        if pairing_ids
        else []
    )
    return Figures(
        invited=len(invitations(event)),
        registered=len(event.active_registrations),
        meetings=len(event.meetings),
        requested=sum(m.requested for m in event.meetings),
        held=sum(m.outcome in (MeetingOutcome.HELD, MeetingOutcome.PAIRED) for m in event.meetings),
        pairings=len(pairing_ids),
        agreements=len(agreements),
        verified=sum(a.status is AgreementStatus.VERIFIED for a in agreements),
    )


def held_events(year_start: date | None = None, year_end: date | None = None) -> list[tuple[Event, Figures]]:
    """Every event that took place (optionally within a date span), newest first, with its figures:
    the plan dashboard's 对接活动成效 table. Four statements however many events (each event's own
    page uses ``figures``; the two agree)."""
    stmt = select(Event).where(Event.status == EventStatus.HELD)
    if year_start is not None:
        stmt = stmt.where(Event.held_on >= year_start)
    if year_end is not None:
        stmt = stmt.where(Event.held_on <= year_end)
    events = list(
        db.session.scalars(
            stmt.options(selectinload(Event.registrations), selectinload(Event.meetings)).order_by(
                Event.held_on.desc(), Event.id.desc()
            )
        )
    )
    if not events:
        return []
    chosen = stmt.with_only_columns(Event.id).scalar_subquery()
    invited: dict[int, int] = {
        event_id: n
        for event_id, n in db.session.execute(
            select(EventInvitation.event_id, func.count())
            .where(EventInvitation.event_id.in_(chosen))
            .group_by(EventInvitation.event_id)
        )
    }
    led_to: dict[int, tuple[int, int]] = {}
    recorded = (
        select(
            Meeting.event_id,
            func.count(distinct(Agreement.id)),
            func.count(distinct(case((Agreement.status == AgreementStatus.VERIFIED, Agreement.id)))),
        )
        .join(Event, Event.id == Meeting.event_id)
        .join(Agreement, Agreement.pairing_id == Meeting.pairing_id)
        .where(
            Meeting.event_id.in_(chosen),
            Agreement.deleted_at.is_(None),
            Agreement.signed_on >= Event.held_on,  # what the event led to, not what came before
        )
        .group_by(Meeting.event_id)
    )
    for event_id, agreements, verified in db.session.execute(recorded):
        led_to[event_id] = (agreements, verified)
    return [
        (event, _figures(event, invited.get(event.id, 0), *led_to.get(event.id, (0, 0)))) for event in events
    ]


def _figures(event: Event, invited: int, agreements: int, verified: int) -> Figures:
    pairing_ids = {m.pairing_id for m in event.meetings if m.pairing_id is not None}
    return Figures(
        invited=invited,
        registered=len(event.active_registrations),
        meetings=len(event.meetings),
        requested=sum(m.requested for m in event.meetings),
        held=sum(m.outcome in (MeetingOutcome.HELD, MeetingOutcome.PAIRED) for m in event.meetings),
        pairings=len(pairing_ids),
        agreements=agreements,
        verified=verified,
    )


def schedule_rows(event: Event) -> Iterable[list[object]]:
    for m in sorted(event.meetings, key=lambda m: (m.slot, m.table)):
        yield [
            event.slot_label(m.slot),
            m.table + 1,
            m.a_org.name,
            m.b_org.name,
            "约见" if m.requested else "匹配推荐",
            m.strength,
            "是" if m.fixed else "",
            m.outcome.label,
        ]


def schedule_workbook(event: Event, workbook_of: Callable[..., bytes]) -> bytes:
    """洽谈日程 (every meeting) and one sheet per participant's timetable."""
    headers = ["时段", "桌号", "单位一", "单位二", "来源", "匹配度", "人工调整", "结果"]
    sheets = [("洽谈日程", headers, list(schedule_rows(event)))]
    by_org = [
        (
            r.organization.name,
            ["时段", "桌号", "洽谈对象"],
            [
                [event.slot_label(m.slot), m.table + 1, m.other(r.organization_id).name]
                for m in sorted(event.meetings, key=lambda m: m.slot)
                if m.involves(r.organization_id)
            ],
        )
        for r in event.active_registrations
    ]
    return workbook_of(sheets + _unique_titles(by_org), widths={"单位一": 32, "单位二": 32, "洽谈对象": 32})


def _unique_titles(
    sheets: list[tuple[str, list[str], list[list[object]]]],
) -> list[tuple[str, list[str], list[list[object]]]]:
    """Sheet titles are at most 31 characters, without []:*?/\\ and unique (Excel ignores case)."""
    seen: set[str] = {"洽谈日程"}
    out = []
    for i, (title, headers, rows) in enumerate(sheets, start=1):
        base = "".join(c for c in title if c not in "[]:*?/\\").strip("'")[:31] or f"单位{i}"
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            suffix = f"-{n}"
            name = base[: 31 - len(suffix)] + suffix
        seen.add(name.lower())
        out.append((name, headers, rows))
    return out
