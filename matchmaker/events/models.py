"""Matchmaking visits and events (对接活动): the event, who was invited and why, who registered with
which postings and breaks, who asked to meet whom, and the 1:1 meetings of the schedule with what
came of each.

State changes are named methods that write their journal entry; who may take them is decided by
matchmaker/policy.py; the schedule itself is computed by matchmaker/events/scheduling.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import ClassVar

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.core import clock
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import Journaled
from matchmaker.core.models import ChoiceEnum, UTCDateTime, enum_column, utcnow
from matchmaker.core.states import StateMachine
from matchmaker.pairings.models import Pairing
from matchmaker.postings.models import Posting
from matchmaker.taxonomy.models import TechField, Town


class EventKind(ChoiceEnum):
    """What sort of event; codes are part of the public API."""

    VISIT = "visit", "高校院所专题拜访"
    SUPPLY = "supply", "产业链配套对接会"
    LAUNCH = "launch", "成果发布会"
    ONLINE = "online", "线上对接"

    @property
    def invites_enterprises(self) -> bool:
        """A visit to a university or a results launch invites enterprises (whose needs match the
        host's outcomes); a supply-chain meeting or an online session is open to both sides."""
        return self in (EventKind.VISIT, EventKind.LAUNCH)


class EventStatus(ChoiceEnum):
    OPEN = "open", "报名中"
    HELD = "held", "已举办"
    CANCELLED = "cancelled", "已取消"


class MeetingOutcome(ChoiceEnum):
    """What came of a scheduled meeting (recorded by staff after the event)."""

    PENDING = "pending", "待记录"
    HELD = "held", "已洽谈"
    MISSED = "missed", "未到场"
    PAIRED = "paired", "形成对接"


event_tech_fields = Table(
    "event_tech_fields",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("tech_field_id", ForeignKey("tech_fields.id"), primary_key=True),
)
event_towns = Table(
    "event_towns",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("town_id", ForeignKey("towns.id"), primary_key=True),
)
registration_postings = Table(
    "event_registration_postings",
    db.metadata,
    Column("registration_id", ForeignKey("event_registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("posting_id", ForeignKey("postings.id"), primary_key=True),
)


class Event(StateMachine, Journaled, db.Model):
    """A visit, supply-chain meeting, results launch or online session organised by bureau staff."""

    __tablename__ = "events"

    journal_type: ClassVar[str] = "event"
    REFUSAL: ClassVar[str] = "“{state}”的活动不能{verb}。"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    link: Mapped[str | None] = mapped_column(String(300))  # 线上对接: the meeting link
    organisers: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int | None]  # organisations that may register; None = no limit
    registration_deadline: Mapped[date] = mapped_column(Date)
    host_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The 1:1 meeting grid: slots of ``slot_minutes`` from ``first_slot`` ("09:00"), at ``tables``.
    first_slot: Mapped[str] = mapped_column(String(5), default="09:00")
    slot_minutes: Mapped[int] = mapped_column(default=20)
    slot_count: Mapped[int] = mapped_column(default=8)
    tables: Mapped[int] = mapped_column(default=10)
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus), default=EventStatus.OPEN, index=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # schedule last built
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    host_org: Mapped[Organization | None] = relationship()
    created_by: Mapped[User] = relationship()
    tech_fields: Mapped[list[TechField]] = relationship(
        secondary=event_tech_fields, order_by=TechField.position
    )
    towns: Mapped[list[Town]] = relationship(secondary=event_towns, order_by=Town.position)
    registrations: Mapped[list[EventRegistration]] = relationship(
        back_populates="event", order_by="EventRegistration.id", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="event", order_by="(Meeting.slot, Meeting.table)", cascade="all, delete-orphan"
    )

    __mapper_args__: ClassVar = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title

    @property
    def registration_open(self) -> bool:
        return self.status is EventStatus.OPEN and clock.today() <= self.registration_deadline

    @property
    def may_be_marked_held(self) -> bool:
        """Open and its day has come: what ``mark_held`` accepts, so pages offer only that."""
        return self.status is EventStatus.OPEN and self.held_on <= clock.today()

    @property
    def active_registrations(self) -> list[EventRegistration]:
        return [r for r in self.registrations if r.cancelled_at is None]

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and len(self.active_registrations) >= self.capacity

    def slot_label(self, slot: int) -> str:
        """ "09:20–09:40" for slot 1 of a 20-minute grid starting at 09:00."""
        hours, minutes = (int(x) for x in self.first_slot.split(":"))
        start = datetime(2000, 1, 1, hours, minutes) + timedelta(minutes=slot * self.slot_minutes)
        end = start + timedelta(minutes=self.slot_minutes)
        return f"{start:%H:%M}–{end:%H:%M}"

    # --- transitions -------------------------------------------------------------------------

    def mark_held(self, by: User) -> None:
        """The event took place: staff record its outcomes from now on."""
        self._require((EventStatus.OPEN,), "标记为已举办")
        if self.held_on > clock.today():
            raise InvalidTransition("活动日期未到，不能标记为已举办。")
        self._move(EventStatus.HELD, "event.held", by)

    def cancel(self, by: User, reason: str) -> None:
        self._require((EventStatus.OPEN,), "取消")
        if not reason or not reason.strip():
            raise InvalidTransition("取消活动必须写明原因，报名单位会收到通知。")
        self.cancel_reason = reason.strip()
        self._move(EventStatus.CANCELLED, "event.cancelled", by, self.cancel_reason)

    def _moved(self) -> None:
        self.updated_at = utcnow()


class EventInvitation(db.Model):
    """Staff invited an organisation, usually because its postings match the event's host."""

    __tablename__ = "event_invitations"
    __table_args__ = (UniqueConstraint("event_id", "organization_id", name="uq_event_invitations_org"),)

    journal_type: ClassVar[str] = "event"  # entries sit on the event's history

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    strength: Mapped[int | None]  # best match strength with the host side when invited (0–100)
    reason: Mapped[str | None] = mapped_column(Text)  # the evidence, in words
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    organization: Mapped[Organization] = relationship()


class EventRegistration(db.Model):
    """An organisation takes part: the postings it brings and the slots it cannot meet in."""

    __tablename__ = "event_registrations"
    __table_args__ = (UniqueConstraint("event_id", "organization_id", name="uq_event_registrations_org"),)

    journal_type: ClassVar[str] = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who registered
    attendees: Mapped[str | None] = mapped_column(String(200))  # 参会人员
    note: Mapped[str | None] = mapped_column(Text)
    breaks: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0-based slots it cannot meet in
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="registrations")
    organization: Mapped[Organization] = relationship()
    user: Mapped[User] = relationship()
    postings: Mapped[list[Posting]] = relationship(secondary=registration_postings, order_by=Posting.id)

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None


class MeetingRequest(db.Model):
    """A participant asks to meet another one at the event (requested meetings are placed first)."""

    __tablename__ = "event_meeting_requests"
    __table_args__ = (
        UniqueConstraint("event_id", "from_org_id", "to_org_id", name="uq_event_meeting_requests_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    from_org: Mapped[Organization] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organization] = relationship(foreign_keys=[to_org_id])


class Meeting(db.Model):
    """A 1:1 meeting of the schedule: two organisations, a slot and a table, and what came of it."""

    __tablename__ = "event_meetings"
    __table_args__ = (
        UniqueConstraint("event_id", "slot", "table", name="uq_event_meetings_place"),
        Index("ix_event_meetings_orgs", "event_id", "a_org_id", "b_org_id"),
    )

    journal_type: ClassVar[str] = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    a_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    b_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    slot: Mapped[int]
    table: Mapped[int]
    requested: Mapped[bool] = mapped_column(default=False)
    fixed: Mapped[bool] = mapped_column(default=False)  # moved by hand: rebuilding keeps it there
    strength: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[MeetingOutcome] = mapped_column(
        enum_column(MeetingOutcome), default=MeetingOutcome.PENDING
    )
    outcome_note: Mapped[str | None] = mapped_column(Text)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)

    event: Mapped[Event] = relationship(back_populates="meetings")
    a_org: Mapped[Organization] = relationship(foreign_keys=[a_org_id])
    b_org: Mapped[Organization] = relationship(foreign_keys=[b_org_id])
    pairing: Mapped[Pairing | None] = relationship()

    def involves(self, org_id: int | None) -> bool:
        return org_id in (self.a_org_id, self.b_org_id)

    def other(self, org_id: int | None) -> Organization:
        return self.b_org if org_id == self.a_org_id else self.a_org
