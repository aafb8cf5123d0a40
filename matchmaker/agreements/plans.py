"""Plans as data: bureau staff create the next plan (starting from a copy of the previous one's
counting rules and tier targets), edit its details and targets, and close it. Every function takes
the actor, asks the policy, journals, flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from matchmaker import policy
from matchmaker.accounts.models import User
from matchmaker.agreements.models import FIRST_YEAR, LAST_YEAR, CountingRule, Indicator, Plan, Target
from matchmaker.agreements.values import AgreementType, PlanStatus
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry, record
from matchmaker.profiles.models import TierTarget
from matchmaker.taxonomy.models import EnterpriseTier

MAX_TARGET = 100000
MAX_YEARS = 10  # a plan spans at most ten years (the national plans run five)
NAME_LENGTH = (4, 100)
DOC_NUMBER_LENGTH = 60
BUREAUS_LENGTH = 200

# The 2023–2025 plan's tier targets by 2025 (宝应县专精特新企业培育三年行动计划): a fresh database
# gets them from init-db once the tiers exist (migration 0012 adds them where tiers existed).
FIRST_PLAN_TIER_TARGETS: dict[str, int] = {
    "制造业单项冠军": 1,
    "国家级专精特新“小巨人”": 15,
    "省级专精特新中小企业": 40,
    "创新型中小企业": 300,
}


@dataclass
class PlanDetails:
    """What staff type for a plan; the years are fixed once the plan exists (its targets are
    keyed by them)."""

    name: str
    start_year: int | None
    end_year: int | None
    doc_number: str | None = None
    bureaus: str | None = None
    demo: bool = False


def _text(value: str | None, field: str, label: str, limit: int) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > limit:
        raise FieldError(field, f"{label}最多{limit}个字（现有{len(value)}个字）。")
    return value


def check_details(details: PlanDetails) -> None:
    """The rules for a plan's details, as Chinese FieldErrors (the form and the API share them)."""
    name = (details.name or "").strip()
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise FieldError("name", f"计划名称应为{low}到{high}个字。")
    for year, field in ((details.start_year, "start_year"), (details.end_year, "end_year")):
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            raise FieldError(field, f"年份应在{FIRST_YEAR}到{LAST_YEAR}之间。")
    assert details.start_year is not None and details.end_year is not None
    if details.end_year < details.start_year:
        raise FieldError("end_year", "结束年份不能早于开始年份。")
    if details.end_year - details.start_year + 1 > MAX_YEARS:
        raise FieldError("end_year", f"一个计划最长{MAX_YEARS}年。")
    _text(details.doc_number, "doc_number", "文号", DOC_NUMBER_LENGTH)
    _text(details.bureaus, "bureaus", "责任部门", BUREAUS_LENGTH)


def previous_plan(start_year: int) -> Plan | None:
    """The plan a new one starting in ``start_year`` is copied from: the latest one that began
    before it (or, failing that, the latest of all)."""
    stmt = select(Plan).order_by(Plan.start_year.desc(), Plan.id.desc())
    return db.session.scalars(stmt.where(Plan.start_year < start_year).limit(1)).first() or (
        db.session.scalars(stmt.limit(1)).first()
    )


def create_plan(
    details: PlanDetails, *, actor: User, copy_from: Plan | None = None, copy: bool = True
) -> Plan:
    """A new plan in force, with ``copy_from``'s counting rules (default: the previous plan's) and
    its tier targets moved to the new plan's last year (``copy`` False: none); the indicators'
    targets are the new plan's own, set afterwards."""
    policy.require(actor, "plans.edit")
    check_details(details)
    assert details.start_year is not None and details.end_year is not None
    # One plan in force for any year: two would make "the plan in force" and its counting rules a
    # matter of tie-breaking (a demo plan never stands in a real one's way, nor beats it).
    clash = db.session.scalar(
        select(Plan)
        .where(
            Plan.start_year <= details.end_year,
            Plan.end_year >= details.start_year,
            Plan.status == PlanStatus.IN_FORCE,
            Plan.demo == details.demo,
        )
        .order_by(Plan.start_year)
        .limit(1)
    )
    if clash is not None:
        raise FieldError(
            "start_year",
            f"与执行中的计划“{clash.name}”（{clash.label}）年份重叠；请先结束该计划，或调整起止年份。",
        )
    source = (copy_from or previous_plan(details.start_year)) if copy else None
    plan = Plan(
        name=details.name.strip(),
        doc_number=_text(details.doc_number, "doc_number", "文号", DOC_NUMBER_LENGTH),
        start_year=details.start_year,
        end_year=details.end_year,
        bureaus=_text(details.bureaus, "bureaus", "责任部门", BUREAUS_LENGTH),
        status=PlanStatus.IN_FORCE,
        demo=details.demo,
    )
    db.session.add(plan)
    if source is not None:
        for rule in source.rules:
            plan.rules.append(
                CountingRule(
                    indicator_code=rule.indicator_code,
                    agreement_type=rule.agreement_type,
                    iur_only=rule.iur_only,
                )
            )
        for tier_target in source.tier_targets:
            if tier_target.period == source.tier_period:
                plan.tier_targets.append(
                    TierTarget(tier_id=tier_target.tier_id, period=plan.tier_period, value=tier_target.value)
                )
    record(
        "plan.created",
        plan,
        actor=actor,
        changes={
            "name": [None, plan.name],
            "period": [None, plan.period],
            "doc_number": [None, plan.doc_number],
            "bureaus": [None, plan.bureaus],
            "copied_from": [None, source.id if source else None],
        },
        note=plan.name,
    )
    db.session.flush()
    return plan


def update_plan(
    plan: Plan,
    *,
    actor: User,
    name: str | None = None,
    doc_number: str | None = None,
    bureaus: str | None = None,
) -> None:
    """Name, 文号 and 责任部门 (None: unchanged; "" clears 文号 and 责任部门)."""
    policy.require(actor, "plans.edit")
    before = {"name": plan.name, "doc_number": plan.doc_number, "bureaus": plan.bureaus}
    if name is not None:
        check_details(PlanDetails(name=name, start_year=plan.start_year, end_year=plan.end_year))
        plan.name = name.strip()
    if doc_number is not None:
        plan.doc_number = _text(doc_number, "doc_number", "文号", DOC_NUMBER_LENGTH)
    if bureaus is not None:
        plan.bureaus = _text(bureaus, "bureaus", "责任部门", BUREAUS_LENGTH)
    after = {"name": plan.name, "doc_number": plan.doc_number, "bureaus": plan.bureaus}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        record("plan.updated", plan, actor=actor, changes=changes, note=plan.name)
    db.session.flush()


def close_plan(plan: Plan, *, actor: User) -> None:
    """The plan ended or was replaced: it stays readable, no longer the default anywhere."""
    policy.require(actor, "plans.edit")
    plan.close(actor)
    db.session.flush()


def _open(plan: Plan) -> None:
    """A closed plan is the record the county was judged by: its targets and rules stay as they were."""
    if not plan.in_force:
        raise InvalidTransition(f"计划“{plan.name}”已结束，其目标和计数规则不能再修改。")


def _replace(items: list[Any], current: Any, value: int | None, new: Callable[[], Any]) -> int | None:
    """Give one target of ``items`` the ``value`` (None removes it; a missing one is made by
    ``new``); returns the value it had, so that an unchanged value writes nothing."""
    if value is not None and not 0 <= value <= MAX_TARGET:
        raise FieldError("value", f"目标应为0到{MAX_TARGET}之间的整数。")
    old = current.value if current is not None else None
    if old == value:
        return old
    if value is None:
        items.remove(current)
    elif current is None:
        items.append(new())
    else:
        current.value = value
    return old


def set_target(plan: Plan, indicator: Indicator, period: str, value: int | None, *, actor: User) -> None:
    """A plan's target for one of its years ("2025") or its whole period ("2023-2025"); None
    removes it. Journaled on the plan, in the same transaction."""
    policy.require(actor, "indicators.edit")
    _open(plan)
    if period not in plan.periods:
        raise FieldError(
            "period", f"期间应为计划内的年份（{plan.start_year}—{plan.end_year}）或 {plan.period}。"
        )
    target = next(
        (t for t in plan.targets if t.indicator_code == indicator.code and t.period == period), None
    )
    old = _replace(
        plan.targets, target, value, lambda: Target(indicator=indicator, period=period, value=value)
    )
    if old == value:
        return
    record(
        "indicator.target",
        plan,
        actor=actor,
        changes={"indicator": [None, indicator.code], f"target {period}": [old, value]},
        note=f"{plan.name}：{indicator.name}",
    )
    db.session.flush()


def set_rules(plan: Plan, indicator: Indicator, chosen: dict[AgreementType, bool], *, actor: User) -> None:
    """Which agreement types count toward ``indicator`` under ``plan``: type → iur_only (absent:
    does not count)."""
    policy.require(actor, "indicators.edit")
    _open(plan)
    current = plan.rules_for(indicator.code)
    before = sorted(str(r) for r in current)
    existing = {r.agreement_type: r for r in current}
    for kind, rule in existing.items():
        if kind not in chosen:
            plan.rules.remove(rule)
    for kind, only in chosen.items():
        if kind in existing:
            existing[kind].iur_only = only
        else:
            plan.rules.append(CountingRule(indicator=indicator, agreement_type=kind, iur_only=only))
    after = sorted(str(r) for r in plan.rules_for(indicator.code))
    if before != after:
        record(
            "indicator.rules",
            plan,
            actor=actor,
            changes={"indicator": [None, indicator.code], "rules": [before, after]},
            note=f"{plan.name}：{indicator.name}",
        )
    db.session.flush()


def set_tier_target(plan: Plan, tier: EnterpriseTier, value: int | None, *, actor: User) -> None:
    """The plan's target for a tier by its last year; None removes it. Journaled on the plan."""
    policy.require(actor, "pool.targets")
    _open(plan)
    period = plan.tier_period
    target = next((t for t in plan.tier_targets if t.tier_id == tier.id and t.period == period), None)
    old = _replace(
        plan.tier_targets, target, value, lambda: TierTarget(tier=tier, period=period, value=value)
    )
    if old == value:
        return
    record(
        "indicator.tier_target",
        plan,
        actor=actor,
        changes={"tier": [None, tier.name], f"target {period}": [old, value]},
        note=f"{plan.name}：{tier.name}",
    )
    db.session.flush()


def first_plan() -> Plan | None:
    return db.session.scalars(select(Plan).order_by(Plan.start_year, Plan.id).limit(1)).first()


def seed_tier_targets() -> int:
    """The first plan's tier targets for a fresh database (after the tiers are seeded); a database
    that has any tier target already (seeded by migration 0012), or whose staff ever edited them,
    is left alone."""
    edited = select(JournalEntry.id).where(JournalEntry.action == "indicator.tier_target").limit(1)
    plan = first_plan()
    if plan is None or db.session.scalar(select(func.count()).select_from(TierTarget)):
        return 0
    if db.session.scalar(edited):
        return 0
    added = 0
    for name, value in FIRST_PLAN_TIER_TARGETS.items():
        tier = db.session.scalar(select(EnterpriseTier).where(EnterpriseTier.name == name))
        if tier is not None:
            plan.tier_targets.append(TierTarget(tier=tier, period=plan.tier_period, value=value))
            added += 1
    db.session.flush()
    return added
