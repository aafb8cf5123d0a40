"""How agreements count against the plan (DOMAIN.md §5), computed from the records every time —
nothing is stored as a total — so every figure drills down to the agreements behind it.

- Only **verified**, not deleted agreements count, each **once, in the year it was signed**.
- The **same contract recorded twice** (the same 登记编号, or the same parties, type, signing
  date and amount — e.g. once by 工信局 and once by 科技局) counts once: records are grouped by
  either key, and the group is represented by its earliest record.
- An agreement counts toward each indicator one of whose **counting rules** matches it (its type,
  and for some rules: between an enterprise and a university or institute). Rules and targets
  belong to a **plan** (agreements/models.py): a span is counted by the rules of the plan covering it;
  a year no plan covers is counted by the rules of the latest plan before it (the page says so)
  and has no targets.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import selectinload

from matchmaker.accounts.models import Organization
from matchmaker.agreements.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Agreement,
    AgreementParty,
    CountingRule,
    Indicator,
    Plan,
)
from matchmaker.agreements.values import AgreementStatus, PartyType, PlanStatus
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.pairings import funnel as pairing_funnel
from matchmaker.pairings.models import Pairing, ProposalMark
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingStatus


@dataclass(frozen=True)
class Span:
    """A year, or the plan period: what the dashboard and the API are asked about."""

    first: int
    last: int

    @classmethod
    def parse(cls, text: str | None) -> Span | None:
        """ "2025" or "2023-2025" (None when it is neither, or out of range)."""
        text = (text or "").strip()
        parts = text.split("-")
        if len(parts) not in (1, 2) or not all(p.isascii() and p.isdigit() and len(p) == 4 for p in parts):
            return None
        first, last = int(parts[0]), int(parts[-1])
        return cls(first, last) if FIRST_YEAR <= first <= last <= LAST_YEAR else None

    @property
    def key(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"

    @property
    def label(self) -> str:
        return f"{self.first}年" if self.first == self.last else f"{self.first}—{self.last}年"

    @property
    def start(self) -> date:
        return date(self.first, 1, 1)

    @property
    def end(self) -> date:
        return date(self.last, 12, 31)

    def months(self) -> list[tuple[int, int]]:
        return [(y, m) for y in range(self.first, self.last + 1) for m in range(1, 13)]

    @classmethod
    def of(cls, plan: Plan) -> Span:
        return cls(plan.start_year, plan.end_year)

    def within(self, plan: Plan) -> bool:
        return plan.start_year <= self.first and self.last <= plan.end_year


# --- plans ------------------------------------------------------------------------------------


def plans() -> list[Plan]:
    """Every plan, the latest first."""
    return list(
        db.session.scalars(
            select(Plan)
            .options(selectinload(Plan.targets), selectinload(Plan.rules))
            .order_by(Plan.start_year.desc(), Plan.id.desc())
        )
    )


def _preferred(candidates: list[Plan]) -> Plan | None:
    """Of several plans, one in force before a closed one, a real one before a demo one, then the
    one that started last."""
    ranked = sorted(
        candidates, key=lambda p: (p.status is PlanStatus.IN_FORCE, not p.demo, p.start_year, p.id)
    )
    return ranked[-1] if ranked else None


def plan_in_force(day: date | None = None) -> Plan | None:
    """The plan in force on ``day`` (the site's today): covering its year and not closed."""
    year = (day or clock.today()).year
    return _preferred([p for p in plans() if p.in_force and p.covers(year)])


def plan_for(span: Span) -> Plan | None:
    """The plan whose period holds all of ``span`` (the one whose targets it is measured against)."""
    return _preferred([p for p in plans() if span.within(p)])


def rules_plan(span: Span) -> Plan | None:
    """The plan whose counting rules count ``span``: the one covering it, else the latest plan
    that began before it (the rules last decided on), else the earliest plan."""
    every = plans()
    return (
        plan_for(span)
        or _preferred([p for p in every if p.start_year <= span.first])
        or (every[-1] if every else None)
    )


@dataclass(frozen=True)
class Choice:
    """What a page or the API was asked about: a span, the plan whose targets it is measured
    against (None: no plan covers it) and the plan whose rules count it."""

    span: Span
    plan: Plan | None
    rules: Plan | None


def choose(plan: Plan | None = None, span: Span | None = None, day: date | None = None) -> Choice:
    """A plan and/or a span as asked (either may be missing): the plan alone means its whole
    period; nothing means the plan in force on ``day`` (the site's today), else today's year."""
    if span is None:
        span = Span.of(plan) if plan is not None else default_span(day)
    if plan is None or not span.within(plan):
        plan = plan_for(span)
    return Choice(span, plan, plan or rules_plan(span))


def default_span(day: date | None = None) -> Span:
    """What a page or the API answers for when asked nothing: the plan in force today, else
    today's year."""
    day = day or clock.today()
    plan = plan_in_force(day)
    return Span.of(plan) if plan else Span(day.year, day.year)


def _verified(span: Span) -> list[Agreement]:
    return list(
        db.session.scalars(
            select(Agreement)
            .where(
                Agreement.status == AgreementStatus.VERIFIED,
                Agreement.deleted_at.is_(None),
                Agreement.signed_on >= span.start,
                Agreement.signed_on <= span.end,
            )
            .options(
                selectinload(Agreement.parties).selectinload(AgreementParty.organization),
                selectinload(Agreement.tech_field),
            )
            .order_by(Agreement.id)
        )
    )


def groups(agreements: Iterable[Agreement]) -> list[list[Agreement]]:
    """Records of the same contract together (same 登记编号 or same dedupe key), earliest first."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_key: dict[str, int] = {}
    items = sorted(agreements, key=lambda a: a.id)
    for a in items:
        parent[a.id] = a.id
        for key in filter(
            None, (a.registration_number and f"no:{a.registration_number}", f"dk:{a.dedupe_key}")
        ):
            if key in by_key:
                root_a, root_b = find(a.id), find(by_key[key])
                parent[max(root_a, root_b)] = min(root_a, root_b)
            else:
                by_key[key] = a.id
    grouped: dict[int, list[Agreement]] = defaultdict(list)
    for a in items:
        grouped[find(a.id)].append(a)
    return list(grouped.values())


def distinct(span: Span) -> list[Agreement]:
    """One record per contract: the verified agreements signed within ``span``."""
    return [group[0] for group in groups(_verified(span))]


def counted_as(agreement: Agreement) -> Agreement | None:
    """The record that counts for ``agreement``'s contract (itself, or an earlier record of the
    same contract), or None when it does not count (unverified, deleted)."""
    if agreement.status is not AgreementStatus.VERIFIED or agreement.is_deleted:
        return None
    year = Span(agreement.signed_on.year, agreement.signed_on.year)
    for group in groups(_verified(year)):
        if any(a.id == agreement.id for a in group):
            return group[0]
    return None


def indicators() -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).order_by(Indicator.position)))


def counts_toward(rules: Iterable[CountingRule], agreement: Agreement) -> bool:
    return any(rule.matches(agreement) for rule in rules)


@dataclass
class Figure:
    """One indicator for a span: its target (from the plan covering the span) and the agreements
    it counts (by the rules of ``plan``)."""

    indicator: Indicator
    span: Span
    target: int | None
    agreements: list[Agreement] = field(default_factory=list)
    plan: Plan | None = None

    @property
    def count(self) -> int:
        return len(self.agreements)

    @property
    def agreement_ids(self) -> list[int]:
        return sorted(a.id for a in self.agreements)

    @property
    def share(self) -> float | None:
        return min(self.count / self.target, 1.0) if self.target else None


def indicators_of(agreement: Agreement) -> list[Indicator]:
    """The indicators ``agreement`` counts toward by the rules for the year it was signed."""
    year = agreement.signed_on.year
    plan = rules_plan(Span(year, year))
    rules = plan.rules if plan else []
    return [
        ind
        for ind in indicators()
        if counts_toward((r for r in rules if r.indicator_code == ind.code), agreement)
    ]


def figures(span: Span, counted: list[Agreement] | None = None, plan: Plan | None = None) -> list[Figure]:
    """Each indicator for ``span``: counted by the rules of ``plan`` (by default the plan for the
    span, see ``rules_plan``), against its target when the plan covers the span."""
    counted = distinct(span) if counted is None else counted
    plan = plan or rules_plan(span)
    covered = plan is not None and span.within(plan)
    result = []
    for ind in indicators():
        rules = plan.rules_for(ind.code) if plan else []
        target = plan.target_for(ind.code, span.key) if plan and covered else None
        result.append(Figure(ind, span, target, [a for a in counted if counts_toward(rules, a)], plan))
    return result


def figure(code: str, span: Span, plan: Plan | None = None) -> Figure | None:
    return next((f for f in figures(span, plan=plan) if f.indicator.code == code), None)


# --- breakdowns -----------------------------------------------------------------------------

UNKNOWN = "未注明"


def _enterprise_orgs(a: Agreement) -> list[Organization]:
    return [p.organization for p in a.parties if p.party_type is PartyType.ENTERPRISE and p.organization]


DIMENSIONS: dict[str, tuple[str, Callable[[Agreement], list[str]]]] = {
    "town": ("镇区", lambda a: sorted({o.town.name for o in _enterprise_orgs(a) if o.town}) or [UNKNOWN]),
    "field": ("技术领域", lambda a: [a.tech_field.name] if a.tech_field else [UNKNOWN]),
    "academic": (
        "高校院所",
        lambda a: sorted({p.name for p in a.parties if p.party_type.is_academic}) or ["（无高校院所参与）"],
    ),
    "tier": ("企业梯度", lambda a: sorted({o.tier.name for o in _enterprise_orgs(a) if o.tier}) or [UNKNOWN]),
}


def breakdown(agreements: list[Agreement], dimension: str) -> list[tuple[str, int]]:
    """(value, count) per value of ``dimension``, most first; an agreement with two towns counts
    in each (so a column may add up to more than the total, as the page says)."""
    _, values = DIMENSIONS[dimension]
    counted: dict[str, int] = defaultdict(int)
    for a in agreements:
        for value in values(a):
            counted[value] += 1
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def having(agreements: list[Agreement], dimension: str, value: str) -> list[Agreement]:
    _, values = DIMENSIONS[dimension]
    return [a for a in agreements if value in values(a)]


def amounts(agreements: list[Agreement]) -> tuple[Decimal, Decimal]:
    return (
        sum((a.contract_amount or Decimal(0) for a in agreements), Decimal(0)),
        sum((a.tech_amount or Decimal(0) for a in agreements), Decimal(0)),
    )


def monthly(agreements: list[Agreement], span: Span) -> list[int]:
    """Cumulative count at the end of each month of ``span``."""
    per_month: dict[tuple[int, int], int] = defaultdict(int)
    for a in agreements:
        per_month[(a.signed_on.year, a.signed_on.month)] += 1
    total, series = 0, []
    for month in span.months():
        total += per_month[month]
        series.append(total)
    return series


# --- the pipeline that leads to agreements --------------------------------------------------

# The pairings' stages are the bureau's 对接漏斗's (pairings/funnel.py): one vocabulary, one
# computation, so the two pages agree on every number.
FUNNEL = ("published", "proposed", "interested", "contacted", "signed")
FUNNEL_LABELS = {
    "published": "发布的信息",
    "proposed": "获得推荐",
    **{stage: pairing_funnel.STAGE_LABELS[stage] for stage in ("interested", "contacted", "signed")},
}


def _published_in(span: Span) -> ColumnElement[bool]:
    return (
        Posting.published_at.isnot(None)
        & (Posting.published_at >= clock.start_of(span.start))
        & (Posting.published_at < clock.start_of(span.end + timedelta(days=1)))
    )


def funnel_ids(span: Span) -> dict[str, list[int]]:
    """Postings published in ``span`` → those proposed a counterpart → pairings begun in it (有意向)
    → accepted (已对接) → signed, i.e. with an agreement recorded (已签约); ids per stage. The
    pairings are counted exactly as 对接漏斗 counts them for the same dates."""
    published = list(
        db.session.scalars(
            select(Posting.id)
            .where(_published_in(span), Posting.status != PostingStatus.DRAFT)
            .order_by(Posting.id)
        )
    )
    proposed = list(
        db.session.scalars(
            select(ProposalMark.posting_id)
            .where(ProposalMark.posting_id.in_(published))
            .order_by(ProposalMark.posting_id)
        )
    )
    filters = pairing_funnel.Filters(since=span.start, until=span.end)
    stages = {
        stage: list(
            db.session.scalars(
                pairing_funnel.filtered(filters)
                .where(pairing_funnel.stage_clause(stage))
                .with_only_columns(Pairing.id)
                .order_by(Pairing.id)
            )
        )
        for stage in ("interested", "contacted", "signed")
    }
    return {"published": published, "proposed": proposed, **stages}


def need_of(agreement: Agreement) -> Posting | None:
    """The need an agreement answers, through its pairing."""
    pairing = agreement.pairing
    if pairing is None:
        return None
    for posting in (pairing.target, pairing.own_posting):
        if posting is not None and posting.kind.is_need:
            return posting
    return None


def days_to_agreement(agreements: list[Agreement]) -> list[tuple[Agreement, int]]:
    """(agreement, days from its need's publication to its signing), for those from a need."""
    found = []
    for a in agreements:
        need = need_of(a)
        if need is not None and need.published_at is not None:
            found.append((a, max((a.signed_on - clock.local(need.published_at).date()).days, 0)))
    return found


def median_days(agreements: list[Agreement]) -> float | None:
    days = [d for _, d in days_to_agreement(agreements)]
    return statistics.median(days) if days else None
