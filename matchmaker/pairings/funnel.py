"""The bureau's funnel: how many pairings reached each stage, the conversion between stages, how
fast the receiving side answers, and which pairings have stalled — each number computed from the
pairings themselves and linking to the list behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload
from werkzeug.datastructures import MultiDict

from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgType
from matchmaker.core import clock
from matchmaker.core.aggregates import hours_between, median_and_count
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.core.models import utcnow
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.taxonomy.models import TechField, Town

ACCEPTED = [s for s in PairingState if s.is_accepted]
STAGES = ("interested", "answered", "contacted", "negotiating", "signed")
STAGE_LABELS = {
    "interested": "有意向",
    "answered": "已答复",
    "contacted": "已对接",
    "negotiating": "进入洽谈",
    "signed": "已签约",
    "declined": "已婉拒",
    "failed": "未成功",
    "unanswered": "尚未答复",
    "stalled": "停滞",
    "brokered": "居间对接待答复",
}
UNIVERSITY_TYPES = (OrgType.UNIVERSITY, OrgType.INSTITUTE, OrgType.NEW_RD)


@dataclass
class Filters:
    town_id: int | None = None
    tech_field_id: int | None = None
    university_id: int | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> Filters:
        def number(name: str) -> int | None:
            value = args.get(name, "")
            return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        return cls(number("town"), number("field"), number("university"), day("since"), day("until"))

    def args(self) -> dict[str, Any]:
        """As query arguments, for the links behind each number."""
        values = {
            "town": self.town_id,
            "field": self.tech_field_id,
            "university": self.university_id,
            "since": self.since,
            "until": self.until,
        }
        return {k: v for k, v in values.items() if v}


_TARGET = aliased(Posting, name="target")  # made once: an alias's first use costs


def filtered(filters: Filters) -> Select[Pairing]:
    """Pairings within the filters (town: of the enterprise taking part; field: of the posting
    interest was shown in; university: the university or institute taking part)."""
    stmt = select(Pairing)
    if filters.tech_field_id:  # (every pairing has its target: the join is for the field alone)
        target = _TARGET
        stmt = stmt.join(target, Pairing.target_id == target.id).where(
            target.tech_field_id == filters.tech_field_id
        )
    if filters.town_id:
        enterprises = select(Organization.id).where(
            Organization.type == OrgType.ENTERPRISE, Organization.town_id == filters.town_id
        )
        stmt = stmt.where(
            or_(Pairing.initiator_org_id.in_(enterprises), Pairing.target_org_id.in_(enterprises))
        )
    if filters.university_id:
        stmt = stmt.where(
            or_(
                Pairing.initiator_org_id == filters.university_id,
                Pairing.target_org_id == filters.university_id,
            )
        )
    if filters.since:
        stmt = stmt.where(Pairing.created_at >= clock.start_of(filters.since))
    if filters.until:
        stmt = stmt.where(Pairing.created_at < clock.start_of(filters.until + timedelta(days=1)))
    return stmt


def _negotiated() -> Any:
    """Reached 洽谈中 at some point (also if it ended in 已签约 or 未成功 afterwards)."""
    went = exists().where(
        JournalEntry.object_type == "pairing",
        JournalEntry.object_id == Pairing.id,
        JournalEntry.action == "pairing.negotiating",
    )
    return or_(Pairing.state.in_([PairingState.NEGOTIATING, PairingState.SIGNED]), went)


def stall_cutoff() -> datetime:
    return utcnow() - timedelta(days=int(current_app.config["PAIRING_STALL_DAYS"]))


def stage_clause(stage: str) -> Any:
    return {
        "interested": Pairing.id.isnot(None),
        "answered": Pairing.answered_at.isnot(None),
        "contacted": Pairing.state.in_(ACCEPTED),
        "negotiating": _negotiated(),
        "signed": Pairing.state == PairingState.SIGNED,
        "declined": Pairing.state == PairingState.DECLINED,
        "failed": Pairing.state == PairingState.FAILED,
        "unanswered": Pairing.state == PairingState.INTERESTED,
        "stalled": and_(
            Pairing.state.in_([s for s in PairingState if s.is_open]),
            Pairing.last_activity_at < stall_cutoff(),
        ),
        # interest in an organisation with no account: the bureau answers (居间对接)
        "brokered": and_(Pairing.state == PairingState.INTERESTED, Pairing.brokered),
    }.get(stage, Pairing.id.isnot(None))


def pairings(filters: Filters, stage: str) -> Select[Pairing]:
    """The pairings behind one number of the funnel, latest activity first."""
    return (
        filtered(filters)
        .where(stage_clause(stage))
        .options(
            selectinload(Pairing.target),
            selectinload(Pairing.own_posting),
            selectinload(Pairing.initiator_org),
            selectinload(Pairing.target_org),
        )
        .order_by(Pairing.last_activity_at.desc(), Pairing.id.desc())
    )


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    conversions: list[tuple[str, str, float | None]] = field(default_factory=list)  # (from, to, share)
    median_answer_hours: float | None = None
    slowest_answer: tuple[Pairing, float] | None = None
    oldest_unanswered: tuple[Pairing, float] | None = None
    stalled: list[Pairing] = field(default_factory=list)
    stall_days: int = 14


def counts(filters: Filters, stages: tuple[str, ...]) -> dict[str, int]:
    """How many pairings within the filters reached each of ``stages``: one statement."""
    sums = [func.coalesce(func.sum(case((stage_clause(stage), 1), else_=0)), 0) for stage in stages]
    row = db.session.execute(filtered(filters).with_only_columns(*sums)).one()
    return {stage: int(n) for stage, n in zip(stages, row, strict=True)}


def build(filters: Filters) -> Report:
    """Every figure of the page in a fixed number of statements, whatever the number of pairings:
    the counts in one, the median answer time in one (core/aggregates.py), the slowest answer, the
    longest wait and the stalled pairings each a bounded query."""
    report = Report(stall_days=int(current_app.config["PAIRING_STALL_DAYS"]))
    report.counts = counts(filters, (*STAGES, "declined", "failed", "unanswered", "stalled", "brokered"))
    for before, after in pairwise(STAGES):
        base = report.counts[before]
        report.conversions.append((before, after, report.counts[after] / base if base else None))
    hours = hours_between(Pairing.answered_at, Pairing.created_at)
    answered = filtered(filters).where(Pairing.answered_at.isnot(None))
    report.median_answer_hours, _ = median_and_count(answered.with_only_columns(hours))
    slowest = db.session.execute(
        answered.with_only_columns(Pairing.id, hours).order_by(hours.desc(), Pairing.id).limit(1)
    ).first()
    if slowest is not None:
        pairing = db.session.scalars(
            select(Pairing).where(Pairing.id == slowest[0]).options(selectinload(Pairing.target))
        ).one()
        report.slowest_answer = (pairing, float(slowest[1]))
    waiting = db.session.scalars(
        filtered(filters)
        .where(Pairing.state == PairingState.INTERESTED)
        .options(selectinload(Pairing.target))
        .order_by(Pairing.created_at, Pairing.id)
        .limit(1)
    ).first()
    if waiting is not None:
        report.oldest_unanswered = (waiting, (utcnow() - waiting.created_at).total_seconds() / 3600)
    report.stalled = list(db.session.scalars(pairings(filters, "stalled").limit(50)))
    return report


def options() -> dict[str, list[tuple[int, str]]]:
    return {
        "towns": [(t.id, t.name) for t in db.session.scalars(Town.ordered())],
        "fields": [(t.id, t.name) for t in db.session.scalars(TechField.ordered())],
        "universities": [
            (o.id, o.name)
            for o in db.session.scalars(
                select(Organization)
                .where(Organization.type.in_(UNIVERSITY_TYPES))
                .order_by(Organization.name)
            )
        ],
    }
