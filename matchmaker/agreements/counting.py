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
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import distinct as distinct_
from sqlalchemy.orm import aliased, selectinload

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
from matchmaker.core.aggregates import days_between, local_date, median_and_count
from matchmaker.core.extensions import db
from matchmaker.pairings import funnel as pairing_funnel
from matchmaker.pairings.models import Pairing, ProposalMark
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.taxonomy.models import EnterpriseTier, TechField, Town


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
# ``every``: the plans already read (``plans()``), so one page asks for them once.


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


def plan_in_force(day: date | None = None, every: list[Plan] | None = None) -> Plan | None:
    """The plan in force on ``day`` (the site's today): covering its year and not closed."""
    year = (day or clock.today()).year
    return _preferred([p for p in (plans() if every is None else every) if p.in_force and p.covers(year)])


def plan_for(span: Span, every: list[Plan] | None = None) -> Plan | None:
    """The plan whose period holds all of ``span`` (the one whose targets it is measured against)."""
    return _preferred([p for p in (plans() if every is None else every) if span.within(p)])


def rules_plan(span: Span, every: list[Plan] | None = None) -> Plan | None:
    """The plan whose counting rules count ``span``: the one covering it, else the latest plan
    that began before it (the rules last decided on), else the earliest plan."""
    every = plans() if every is None else every
    return (
        plan_for(span, every)
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


def choose(
    plan: Plan | None = None,
    span: Span | None = None,
    day: date | None = None,
    every: list[Plan] | None = None,
) -> Choice:
    """A plan and/or a span as asked (either may be missing): the plan alone means its whole
    period; nothing means the plan in force on ``day`` (the site's today), else today's year."""
    every = plans() if every is None else every
    if span is None:
        span = Span.of(plan) if plan is not None else default_span(day, every)
    if plan is None or not span.within(plan):
        plan = plan_for(span, every)
    return Choice(span, plan, plan or rules_plan(span, every))


def default_span(day: date | None = None, every: list[Plan] | None = None) -> Span:
    """What a page or the API answers for when asked nothing: the plan in force today, else
    today's year."""
    day = day or clock.today()
    plan = plan_in_force(day, every)
    return Span.of(plan) if plan else Span(day.year, day.year)


# --- the definition, in memory ----------------------------------------------------------------
# How a set of agreement records counts, on records already loaded: the reference the database's
# computation below must agree with (tests/test_counting_sql.py checks both on generated records),
# and what an agreement's own page uses.


def _verified(span: Span) -> list[Agreement]:
    """The verified, not deleted records signed within ``span`` (every record, duplicates too)."""
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


def indicators() -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).order_by(Indicator.position)))


def counts_toward(rules: Iterable[CountingRule], agreement: Agreement) -> bool:
    return any(rule.matches(agreement) for rule in rules)


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


UNKNOWN = "未注明"
NO_ACADEMIC = "（无高校院所参与）"


def _enterprise_orgs(a: Agreement) -> list[Organization]:
    return [p.organization for p in a.parties if p.party_type is PartyType.ENTERPRISE and p.organization]


DIMENSIONS: dict[str, tuple[str, Callable[[Agreement], list[str]]]] = {
    "town": ("镇区", lambda a: sorted({o.town.name for o in _enterprise_orgs(a) if o.town}) or [UNKNOWN]),
    "field": ("技术领域", lambda a: [a.tech_field.name] if a.tech_field else [UNKNOWN]),
    "academic": (
        "高校院所",
        lambda a: sorted({p.name for p in a.parties if p.party_type.is_academic}) or [NO_ACADEMIC],
    ),
    "tier": ("企业梯度", lambda a: sorted({o.tier.name for o in _enterprise_orgs(a) if o.tier}) or [UNKNOWN]),
}


def _most_first(counted: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(((k, n) for k, n in counted.items() if n), key=lambda item: (-item[1], item[0]))


def breakdown(agreements: list[Agreement], dimension: str) -> list[tuple[str, int]]:
    """(value, count) per value of ``dimension``, most first; an agreement with two towns counts
    in each (so a column may add up to more than the total, as the page says)."""
    _, values = DIMENSIONS[dimension]
    counted: dict[str, int] = defaultdict(int)
    for a in agreements:
        for value in values(a):
            counted[value] += 1
    return _most_first(counted)


def having(agreements: list[Agreement], dimension: str, value: str) -> list[Agreement]:
    _, values = DIMENSIONS[dimension]
    return [a for a in agreements if value in values(a)]


def amounts(agreements: list[Agreement]) -> tuple[Decimal, Decimal]:
    return (
        sum((a.contract_amount or Decimal(0) for a in agreements), Decimal(0)),
        sum((a.tech_amount or Decimal(0) for a in agreements), Decimal(0)),
    )


def per_month(agreements: Iterable[Agreement]) -> dict[tuple[int, int], int]:
    """How many were signed in each (year, month)."""
    counted: dict[tuple[int, int], int] = defaultdict(int)
    for a in agreements:
        counted[(a.signed_on.year, a.signed_on.month)] += 1
    return dict(counted)


def cumulative(months: dict[tuple[int, int], int], span: Span) -> list[int]:
    """Cumulative count at the end of each month of ``span``, from counts per month."""
    total, series = 0, []
    for month in span.months():
        total += months.get(month, 0)
        series.append(total)
    return series


def monthly(agreements: list[Agreement], span: Span) -> list[int]:
    """Cumulative count at the end of each month of ``span``."""
    return cumulative(per_month(agreements), span)


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


# --- the same, in the database ------------------------------------------------------------------
# What the pages show, as aggregate queries: a fixed number of statements whatever the number of
# agreements, postings or pairings, and the records behind each figure as one bounded statement a
# drill-down pages through. Identical on SQLite and PostgreSQL (core/aggregates.py).


# Aliases made once: an alias's columns are adapted on first use, which costs more than the
# statements that use them.
_RECORD = aliased(Agreement, name="record")
_ENTERPRISE_PARTY = aliased(AgreementParty, name="enterprise_party")
_ACADEMIC_PARTY = aliased(AgreementParty, name="academic_party")
_TARGET = aliased(Posting, name="target")
_OWN = aliased(Posting, name="own")


def counted_clause(span: Span) -> ColumnElement[bool]:
    """An agreement that counts in ``span``: verified, not deleted, signed within it, and the
    earliest such record of its contract. (A 登记编号 is unique, so two records of one contract
    share the dedupe key: ``groups`` above joins them by either, which comes to the same.) The
    earliest records are one grouped subquery, not a lookup per record."""
    record = _RECORD
    earliest = (
        select(func.min(record.id))
        .where(
            record.status == AgreementStatus.VERIFIED,
            record.deleted_at.is_(None),
            record.signed_on >= span.start,
            record.signed_on <= span.end,
        )
        .group_by(record.dedupe_key)
    )
    return and_(
        Agreement.signed_on >= span.start,
        Agreement.signed_on <= span.end,
        Agreement.id.in_(earliest),
    )


def _has_party(*kinds: PartyType) -> ColumnElement[bool]:
    party = _ENTERPRISE_PARTY if kinds == (PartyType.ENTERPRISE,) else _ACADEMIC_PARTY
    return exists().where(party.agreement_id == Agreement.id, party.party_type.in_(kinds))


def iur_clause() -> ColumnElement[bool]:
    """Between an enterprise and a university or institute (``Agreement.is_iur``)."""
    academic = [k for k in PartyType if k.is_academic]
    return and_(_has_party(PartyType.ENTERPRISE), _has_party(*academic))


def rules_clause(rules: Iterable[CountingRule]) -> ColumnElement[bool]:
    """Matches any of ``rules`` (``counts_toward``): the types any agreement of counts, or the
    types that count between an enterprise and a university or institute and is such (the party
    lookups only for those types)."""
    rules = list(rules)
    anyhow = sorted({r.agreement_type for r in rules if not r.iur_only})
    if_iur = sorted({r.agreement_type for r in rules if r.iur_only} - set(anyhow))
    matches: list[ColumnElement[bool]] = []
    if anyhow:
        matches.append(Agreement.type.in_(anyhow))
    if if_iur:
        matches.append(and_(Agreement.type.in_(if_iur), iur_clause()))
    return or_(*matches) if matches else false()


@dataclass
class Figure:
    """One indicator for a span: its target (from the plan covering the span), how many agreements
    it counts (by the rules of ``plan``) and when they were signed."""

    indicator: Indicator
    span: Span
    target: int | None
    count: int = 0
    plan: Plan | None = None
    months: dict[tuple[int, int], int] = field(default_factory=dict)
    agreement_ids: list[int] = field(default_factory=list)  # filled when asked (the API)

    @property
    def share(self) -> float | None:
        return min(self.count / self.target, 1.0) if self.target else None

    @property
    def rules(self) -> list[CountingRule]:
        return self.plan.rules_for(self.indicator.code) if self.plan else []

    @property
    def clause(self) -> ColumnElement[bool]:
        """The agreements counted toward it (with ``counted_clause(span)``)."""
        return rules_clause(self.rules)


@dataclass
class Tally:
    """The counted agreements of a span: how many, from pairings, their amounts, and each
    indicator's figure."""

    span: Span
    total: int
    from_pairings: int
    contract: Decimal
    tech: Decimal
    figures: list[Figure]


def _cents(column: Any) -> ColumnElement[Any]:
    """An amount in 万元 as whole cents, so sums are exact on both engines."""
    return func.coalesce(func.sum(cast(func.round(column * 100), BigInteger)), 0)


def tally(span: Span, plan: Plan | None = None, *, with_ids: bool = False) -> Tally:
    """Every figure of ``span`` counted by the rules of ``plan`` (by default the plan for the span,
    see ``rules_plan``), against its target when the plan covers the span: one grouped statement
    (one more for the agreements' ids, ``with_ids``)."""
    plan = plan or rules_plan(span)
    covered = plan is not None and span.within(plan)
    result = [
        Figure(ind, span, plan.target_for(ind.code, span.key) if plan and covered else None, plan=plan)
        for ind in indicators()
    ]
    year, month = extract("year", Agreement.signed_on), extract("month", Agreement.signed_on)
    flags = [f.clause for f in result]
    stmt = (
        select(
            year,
            month,
            func.count(),
            func.count(Agreement.pairing_id),
            _cents(Agreement.contract_amount),
            _cents(Agreement.tech_amount),
            *(func.coalesce(func.sum(case((flag, 1), else_=0)), 0) for flag in flags),
        )
        .where(counted_clause(span))
        .group_by(year, month)
    )
    total = from_pairings = contract = tech = 0
    for row in db.session.execute(stmt):
        when = (int(row[0]), int(row[1]))
        total += row[2]
        from_pairings += row[3]
        contract += int(row[4])
        tech += int(row[5])
        for f, n in zip(result, row[6:], strict=True):
            if n:
                f.months[when] = int(n)
                f.count += int(n)
    if with_ids and result:
        rows = db.session.execute(
            select(Agreement.id, *flags).where(counted_clause(span)).order_by(Agreement.id)
        )
        for row in rows:
            for f, matched in zip(result, row[1:], strict=True):
                if matched:
                    f.agreement_ids.append(row[0])
    cent = Decimal("0.01")
    return Tally(span, total, from_pairings, Decimal(contract) * cent, Decimal(tech) * cent, result)


def figures(span: Span, plan: Plan | None = None, *, with_ids: bool = False) -> list[Figure]:
    """Each indicator for ``span`` (see ``tally``)."""
    return tally(span, plan, with_ids=with_ids).figures


def figure(code: str, span: Span, plan: Plan | None = None, *, with_ids: bool = False) -> Figure | None:
    return next((f for f in figures(span, plan, with_ids=with_ids) if f.indicator.code == code), None)


def distinct(span: Span) -> list[Agreement]:
    """One record per contract: the verified agreements signed within ``span`` (every one: the
    workbook's ledger; pages use ``counted_clause`` and page through it)."""
    return list(
        db.session.scalars(
            select(Agreement)
            .where(counted_clause(span))
            .options(selectinload(Agreement.parties), *_ledger_loads())
            .order_by(Agreement.id)
        )
    )


def _ledger_loads() -> list[Any]:
    return [
        selectinload(Agreement.tech_field),
        selectinload(Agreement.recorded_org),
        selectinload(Agreement.recorded_by),
        selectinload(Agreement.confirmed_by),
        selectinload(Agreement.verified_by),
    ]


def counted_as(agreement: Agreement) -> Agreement | None:
    """The record that counts for ``agreement``'s contract (itself, or an earlier record of the
    same contract), or None when it does not count (unverified, deleted)."""
    if agreement.status is not AgreementStatus.VERIFIED or agreement.is_deleted:
        return None
    year = Span(agreement.signed_on.year, agreement.signed_on.year)
    return db.session.scalars(
        select(Agreement)
        .where(counted_clause(year), Agreement.dedupe_key == agreement.dedupe_key)
        .order_by(Agreement.id)
        .limit(1)
    ).first()


# --- breakdowns in the database ---------------------------------------------------------------


def _valued(dimension: str, agreement_id: Any = Agreement.id) -> tuple[Select[Any], Any, str]:
    """For a dimension with several values per agreement: the agreements (``agreement_id``, a
    column of Agreement or of a selection of their ids) joined to their values (a select to add
    columns to), the value column, and the name of "no value"."""
    if dimension == "academic":
        academic = [k for k in PartyType if k.is_academic]
        stmt = select(agreement_id).join(
            AgreementParty,
            and_(AgreementParty.agreement_id == agreement_id, AgreementParty.party_type.in_(academic)),
        )
        return stmt, AgreementParty.name, NO_ACADEMIC
    named: Any = Town if dimension == "town" else EnterpriseTier
    key = Organization.town_id if dimension == "town" else Organization.tier_id
    stmt = (
        select(agreement_id)
        .join(
            AgreementParty,
            and_(
                AgreementParty.agreement_id == agreement_id,
                AgreementParty.party_type == PartyType.ENTERPRISE,
            ),
        )
        .join(Organization, Organization.id == AgreementParty.organization_id)
        .join(named, named.id == key)
    )
    return stmt, named.name, UNKNOWN


def breakdowns_of(figure: Figure, dimensions: Iterable[str] = DIMENSIONS) -> dict[str, list[tuple[str, int]]]:
    """``breakdown`` of the agreements ``figure`` counts by each of ``dimensions``, in one
    statement: the agreements selected once (a materialised CTE), then per dimension the count per
    value and how many have any value (the rest have none: 未注明)."""
    dimensions = list(dimensions)
    focus = (
        select(Agreement.id.label("id"), Agreement.tech_field_id.label("field"))
        .where(counted_clause(figure.span), figure.clause)
        .cte("focus")
        .prefix_with("MATERIALIZED")
    )
    parts: list[Any] = []
    for dimension in dimensions:
        label = literal(dimension).label("d")
        if dimension == "field":
            parts.append(
                select(label, TechField.name.label("v"), func.count().label("n"))
                .select_from(focus)
                .outerjoin(TechField, TechField.id == focus.c.field)
                .group_by(TechField.name)
            )
            continue
        joined, value, _ = _valued(dimension, focus.c.id)
        agreements = func.count(distinct_(focus.c.id)).label("n")
        parts.append(joined.with_only_columns(label, value.label("v"), agreements).group_by(value))
        parts.append(joined.with_only_columns(label, null().label("v"), agreements))
    counted: dict[str, dict[str, int]] = {d: defaultdict(int) for d in dimensions}
    with_value: dict[str, int] = defaultdict(int)
    for dimension, name, n in db.session.execute(union_all(*parts)) if parts else []:
        if dimension == "field":
            counted[dimension][name if name is not None else UNKNOWN] += n
        elif name is None:
            with_value[dimension] = n
        else:
            counted[dimension][name] += n
    for dimension in dimensions:
        if dimension != "field":
            counted[dimension][_valued(dimension)[2]] += figure.count - with_value[dimension]
    return {d: _most_first(counted[d]) for d in dimensions}


def breakdown_of(figure: Figure, dimension: str) -> list[tuple[str, int]]:
    """``breakdown`` of the agreements ``figure`` counts by one dimension."""
    return breakdowns_of(figure, [dimension])[dimension]


def dimension_clause(dimension: str, value: str) -> ColumnElement[bool]:
    """The agreements ``having`` a value of a dimension (a breakdown's drill-down)."""
    if dimension == "field":
        named = Agreement.tech_field_id.in_(select(TechField.id).where(TechField.name == value))
        return or_(named, Agreement.tech_field_id.is_(None)) if value == UNKNOWN else named
    joined, column, none = _valued(dimension)
    ids = joined.with_only_columns(Agreement.id)
    named = Agreement.id.in_(ids.where(column == value))
    return or_(named, Agreement.id.not_in(ids)) if value == none else named


# --- the pipeline that leads to agreements --------------------------------------------------

# The pairings' stages are the bureau's 对接漏斗's (pairings/funnel.py): one vocabulary, one
# computation, so the two pages agree on every number.
FUNNEL = ("published", "proposed", "interested", "contacted", "signed")
FUNNEL_LABELS = {
    "published": "发布的信息",
    "proposed": "获得推荐",
    **{stage: pairing_funnel.STAGE_LABELS[stage] for stage in ("interested", "contacted", "signed")},
}
PAIRING_STAGES = ("interested", "contacted", "signed")


def _published_in(span: Span) -> ColumnElement[bool]:
    return (
        Posting.published_at.isnot(None)
        & (Posting.published_at >= clock.start_of(span.start))
        & (Posting.published_at < clock.start_of(span.end + timedelta(days=1)))
        & (Posting.status != PostingStatus.DRAFT)
    )


def _proposed() -> ColumnElement[bool]:
    return exists().where(ProposalMark.posting_id == Posting.id)


def funnel(span: Span) -> dict[str, int]:
    """Postings published in ``span`` → those proposed a counterpart → pairings begun in it (有意向)
    → accepted (已对接) → signed, i.e. with an agreement recorded (已签约): how many at each stage,
    in two statements. The pairings are counted exactly as 对接漏斗 counts them for the same dates."""
    published, proposed = db.session.execute(
        select(func.count(), func.count(ProposalMark.posting_id))
        .select_from(Posting)
        .outerjoin(ProposalMark, ProposalMark.posting_id == Posting.id)
        .where(_published_in(span))
    ).one()
    stages = pairing_funnel.counts(pairing_funnel.Filters(since=span.start, until=span.end), PAIRING_STAGES)
    return {"published": int(published), "proposed": int(proposed), **stages}


def funnel_postings(span: Span, stage: str) -> Select[Posting]:
    """The postings behind the funnel's first two numbers (a drill-down pages through them)."""
    stmt = select(Posting).where(_published_in(span))
    if stage == "proposed":
        stmt = stmt.where(_proposed())
    return stmt.options(selectinload(Posting.organization)).order_by(Posting.id)


def funnel_pairings(span: Span, stage: str) -> Select[Pairing]:
    """The pairings behind one of the funnel's pairing numbers, as 对接漏斗 lists them."""
    return pairing_funnel.pairings(pairing_funnel.Filters(since=span.start, until=span.end), stage)


def funnel_ids(span: Span) -> dict[str, list[int]]:
    """The ids behind each number of ``funnel`` (for checks: pages page through the statements)."""
    ids = {stage: funnel_postings(span, stage).with_only_columns(Posting.id) for stage in FUNNEL[:2]}
    ids.update(
        {stage: funnel_pairings(span, stage).with_only_columns(Pairing.id) for stage in PAIRING_STAGES}
    )
    return {stage: sorted(db.session.scalars(stmt)) for stage, stmt in ids.items()}


def _days_from_need() -> tuple[Select[Any], ColumnElement[Any]]:
    """The counted agreements joined to the need their pairing answers (``need_of``), and the days
    from the need's publication (site date) to the signing, never below 0 (``days_to_agreement``)."""
    target, own = _TARGET, _OWN
    needs = [k for k in PostingKind if k.is_need]
    published = case(
        (target.kind.in_(needs), target.published_at),
        (own.kind.in_(needs), own.published_at),
        else_=null(),
    )
    days = days_between(Agreement.signed_on, local_date(published))
    stmt = (
        select(Agreement.id)
        .join(Pairing, Pairing.id == Agreement.pairing_id)
        .join(target, target.id == Pairing.target_id)
        .outerjoin(own, own.id == Pairing.own_posting_id)
        .where(published.isnot(None))
    )
    return stmt, case((days < 0, 0), else_=days)


def median_days_of(span: Span) -> tuple[float | None, int]:
    """The median days from a need's publication to its agreement over the agreements counted in
    ``span`` that answer a need, and how many there are: one statement."""
    joined, days = _days_from_need()
    return median_and_count(joined.with_only_columns(days).where(counted_clause(span)))


def from_need_clause() -> ColumnElement[bool]:
    """The agreements that answer a published need (the median's drill-down)."""
    joined, _ = _days_from_need()
    return Agreement.id.in_(joined)
