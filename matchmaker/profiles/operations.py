"""一企一册 and the cultivation pool: what bureau staff record about an enterprise (its 梯度 tier
with the date it got there, the plan's indicator readings), and the reads the profile page, the
pool and the API share; the pool's tier targets belong to a plan (agreements/plans.py). Writes take
the actor and flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from matchmaker import policy
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.agreements.models import Agreement, AgreementParty, Plan
from matchmaker.calls.models import CallProposal, ChallengeCall
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.events.models import EventRegistration
from matchmaker.pairings.models import Pairing
from matchmaker.postings.models import Posting
from matchmaker.profiles.models import Measure, MeasureKind, TierChange
from matchmaker.taxonomy.models import EnterpriseTier, Town

MAX_IP = 100000
TIER_NOTE_LENGTH = 200  # the forms' and the API's
MEASURE_NOTE_LENGTH = 500


# --- writes -----------------------------------------------------------------------------------


def _not_future(day: date | None, field_name: str) -> date:
    if day is None:
        raise FieldError(field_name, "请填写日期（格式 2025-06-30）。")
    if day > clock.today():
        raise FieldError(field_name, "日期不能晚于今天。")
    return day


def change_tier(
    org: Organization,
    tier: EnterpriseTier | None,
    effective_on: date | None,
    note: str | None,
    *,
    actor: User,
) -> TierChange:
    """The enterprise reached ``tier`` (None: left the pool) on ``effective_on``: sets its current
    tier and writes the history row and the journal entry together."""
    policy.require(actor, "profile.edit", org)
    if org.type is not OrgType.ENTERPRISE:
        raise FieldError("tier", "只有企业才有梯度。")
    day = _not_future(effective_on, "effective_on")
    note = (note or "").strip() or None
    old = org.tier
    change = TierChange(organization=org, tier=tier, effective_on=day, note=note, recorded_by=actor)
    db.session.add(change)
    db.session.flush()
    # The current tier is the latest 认定 by date: an older one entered afterwards (history being
    # filled in) goes into the history without demoting the enterprise.
    latest = db.session.scalars(
        select(TierChange)
        .where(TierChange.organization_id == org.id)
        .order_by(TierChange.effective_on.desc(), TierChange.id.desc())
        .limit(1)
    ).one()
    org.tier = latest.tier
    record(
        "organization.tier_changed",
        org,
        actor=actor,
        changes={
            "tier": [old.name if old else None, org.tier.name if org.tier else None],
            "recorded": [None, tier.name if tier else None],
            "effective_on": [None, day],
        },
        note=note,
    )
    db.session.flush()
    return change


def parse_value(kind: MeasureKind, raw: Any) -> Decimal:
    """A reading's value by the indicator's rule, or FieldError in Chinese."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise FieldError("value", "请填写数值。")
    if kind is MeasureKind.RD_INTENSITY:
        if not 0 <= value <= 100:
            raise FieldError("value", "研发投入强度应在0到100（%）之间。")
        return value.quantize(Decimal("0.01"))
    if value != value.to_integral_value() or not 0 <= value <= MAX_IP:
        raise FieldError("value", "Ⅰ类知识产权数量应为不小于0的整数（件）。")
    return value.to_integral_value()


def record_measure(
    org: Organization, kind: MeasureKind, raw: Any, as_of: date | None, note: str | None, *, actor: User
) -> Measure:
    """A reading of an indicator as of a date; a second reading for the same day corrects the first."""
    policy.require(actor, "profile.edit", org)
    if org.type is not OrgType.ENTERPRISE:
        raise FieldError("kind", "研发投入强度和Ⅰ类知识产权是企业的培育指标，只为企业录入。")
    value = parse_value(kind, raw)
    day = _not_future(as_of, "as_of")
    note = (note or "").strip() or None
    reading = db.session.scalar(
        select(Measure).where(Measure.organization_id == org.id, Measure.kind == kind, Measure.as_of == day)
    )
    old = reading.value if reading else None
    if reading is None:
        reading = Measure(organization=org, kind=kind, as_of=day)
        db.session.add(reading)
    reading.value, reading.note, reading.recorded_by = value, note, actor
    record(
        "organization.measure_recorded",
        org,
        actor=actor,
        changes={f"{kind.label}（{day.isoformat()}）": [old, value]},
        note=note,
    )
    db.session.flush()
    return reading


# --- reads: the profile -----------------------------------------------------------------------


def tier_history(org: Organization) -> list[TierChange]:
    """Newest first."""
    return list(
        db.session.scalars(
            select(TierChange)
            .where(TierChange.organization_id == org.id)
            .order_by(TierChange.effective_on.desc(), TierChange.id.desc())
        )
    )


def readings(org: Organization) -> dict[MeasureKind, list[Measure]]:
    """Each indicator's readings, newest first (the first is the one shown as current)."""
    found: dict[MeasureKind, list[Measure]] = {kind: [] for kind in MeasureKind}
    stmt = (
        select(Measure)
        .where(Measure.organization_id == org.id)
        .order_by(Measure.as_of.desc(), Measure.id.desc())
    )
    for reading in db.session.scalars(stmt):
        found[reading.kind].append(reading)
    return found


@dataclass
class Records:
    """What an organisation did on the platform, as far as the viewer may see it."""

    postings: list[Posting] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    registrations: list[EventRegistration] = field(default_factory=list)
    calls: list[ChallengeCall] = field(default_factory=list)  # issued (an enterprise)
    proposals: list[CallProposal] = field(default_factory=list)  # answered (a university)


def records(org: Organization, viewer: Any) -> Records:
    """The organisation's records: all of them for bureau staff and its own users
    ("profile.see_records"); for other members only its postings they may read."""
    if not policy.may(viewer, "profile.see_records", org):
        return Records(
            postings=list(
                db.session.scalars(
                    select(Posting)
                    .where(Posting.organization_id == org.id, policy.listed_postings(viewer))
                    .order_by(Posting.id.desc())
                )
            )
        )
    parties = select(AgreementParty.agreement_id).where(AgreementParty.organization_id == org.id)
    return Records(
        postings=list(
            db.session.scalars(
                select(Posting).where(Posting.organization_id == org.id).order_by(Posting.id.desc())
            )
        ),
        pairings=list(
            db.session.scalars(
                select(Pairing)
                .where(or_(Pairing.initiator_org_id == org.id, Pairing.target_org_id == org.id))
                .order_by(Pairing.id.desc())
            )
        ),
        agreements=list(
            db.session.scalars(
                select(Agreement)
                .where(
                    or_(Agreement.id.in_(parties), Agreement.recorded_org_id == org.id),
                    Agreement.deleted_at.is_(None),
                )
                .order_by(Agreement.signed_on.desc(), Agreement.id.desc())
            )
        ),
        registrations=list(
            db.session.scalars(
                select(EventRegistration)
                .where(EventRegistration.organization_id == org.id, EventRegistration.cancelled_at.is_(None))
                .order_by(EventRegistration.id.desc())
            )
        ),
        calls=list(
            db.session.scalars(
                select(ChallengeCall)
                .where(ChallengeCall.enterprise_id == org.id)
                .order_by(ChallengeCall.id.desc())
            )
        ),
        proposals=list(
            db.session.scalars(
                select(CallProposal)
                .where(CallProposal.organization_id == org.id)
                .order_by(CallProposal.id.desc())
            )
        ),
    )


# --- reads: the cultivation pool --------------------------------------------------------------

NO_TIER = "none"  # the drill-down key of enterprises without a tier


@dataclass
class PoolRow:
    """One tier of the pool: the plan's target, the enterprises in it now, and the gap."""

    tier: EnterpriseTier | None  # None: enterprises not (yet) in any tier
    target: int | None
    count: int

    @property
    def key(self) -> str:
        return str(self.tier.id) if self.tier else NO_TIER

    @property
    def name(self) -> str:
        return self.tier.name if self.tier else "尚未入库（未评定梯度）"

    @property
    def gap(self) -> int | None:
        """How many more are needed to reach the target (0 when reached)."""
        return max(self.target - self.count, 0) if self.target is not None else None


def pool_enterprises() -> Select[Organization]:
    """The enterprises the pool counts: every enterprise except rejected registrations."""
    return select(Organization).where(
        Organization.type == OrgType.ENTERPRISE, Organization.status != OrgStatus.REJECTED
    )


def _in(stmt: Select[Any], tier: EnterpriseTier | None, town: Town | None) -> Select[Any]:
    stmt = stmt.where(Organization.tier_id == tier.id if tier else Organization.tier_id.is_(None))
    return stmt.where(Organization.town_id == town.id) if town else stmt


def pool(town: Town | None = None, plan: Plan | None = None) -> list[PoolRow]:
    """Each tier (highest first, as the vocabulary orders them reversed), then the untiered; the
    targets are ``plan``'s for its last year (none without a plan)."""
    targets = {t.tier_id: t.value for t in plan.tier_targets if t.period == plan.tier_period} if plan else {}
    tiers = list(reversed(list(db.session.scalars(EnterpriseTier.ordered(active_only=False)))))
    counted = pool_enterprises().with_only_columns(Organization.tier_id, func.count(Organization.id))
    if town is not None:
        counted = counted.where(Organization.town_id == town.id)
    per_tier = {tier_id: n for tier_id, n in db.session.execute(counted.group_by(Organization.tier_id))}
    rows = []
    for tier in [*tiers, None]:
        count = per_tier.get(tier.id if tier else None, 0)
        if tier is not None and not tier.active and not count and tier.id not in targets:
            continue  # a retired tier nobody is in any more
        rows.append(PoolRow(tier, targets.get(tier.id) if tier else None, count))
    return rows


def pool_members_query(tier: EnterpriseTier | None, town: Town | None = None) -> Select[Organization]:
    """The enterprises behind one figure of ``pool`` (same filters, so the two always agree), by
    name: what its drill-down pages through."""
    return (
        _in(pool_enterprises(), tier, town)
        .options(selectinload(Organization.town))
        .order_by(Organization.name, Organization.id)
    )


def pool_members(tier: EnterpriseTier | None, town: Town | None = None) -> list[Organization]:
    """Every enterprise behind one figure of ``pool`` (the workbook)."""
    return list(db.session.scalars(pool_members_query(tier, town)))


def latest_readings(org_ids: list[int]) -> dict[tuple[int, MeasureKind], Measure]:
    """The newest reading of each indicator for each of the organisations (for the pool export)."""
    latest: dict[tuple[int, MeasureKind], Measure] = {}
    if not org_ids:
        return latest
    stmt = (
        select(Measure)
        .where(Measure.organization_id.in_(org_ids))
        .order_by(Measure.as_of.desc(), Measure.id.desc())
    )
    for reading in db.session.scalars(stmt):
        latest.setdefault((reading.organization_id, reading.kind), reading)
    return latest
