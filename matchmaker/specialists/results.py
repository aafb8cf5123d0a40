"""Results per person (人员业绩): for each specialist, each 科技镇长团 (``Specialist.team``) and each
技术转移服务机构 (the organisation of a specialist's user, when it is one), over a period of days.

Every figure is a count of records, and every count drills down to its records: each figure is a
set of *credits* — (specialist, record) rows selected in SQL — and a row of the table counts the
distinct records credited to the specialists in it. The table is one aggregate statement per kind
of row (person, team, organisation), whatever the number of specialists or records; a drill-down
selects the same credits' records, so the two always agree.

What each figure counts, for a period ``first``–``last`` (days in the site's time zone):

- **visits / enterprises**: 走访记录 (``Visit``) dated within the period, and the distinct
  enterprises they went to;
- **needs**: needs the person found (``Posting.found_by_id``), dated by their visit (or, without a
  visit, by when they were written down) within the period; of those **confirmed** by the
  enterprise (企业已确认, or 主管部门代为确认 for an enterprise without accounts), **graded** (with at
  least one diagnosis) and **proposed**: given a counterpart — the search façade proposed one
  (``ProposalMark``, the 对接漏斗's 获得推荐, written when a posting is published) or someone
  proposed one by hand (at least one pairing about it: an interest, a 牵线). Both are rows in the
  database, so "proposed" is counted in SQL, not by re-running the ranking;
- **pairings**: pairings begun within the period that the person found the need of or brokered
  (``Pairing.found_by_id`` / ``brokered_by_id``);
- **agreements / tech_amount**: agreements counted by agreements' counting rules
  (agreements/counting.py: verified, not deleted, signed within the period, one record per contract
  — a later record with the same 登记编号 or the same parties, type, date and amount does not count
  again) that the person found or brokered, and the sum of their 技术交易额 (万元);
- **reward**: with ``SPECIALIST_REWARD_PERCENT`` configured, that percent of the 技术交易额 of the
  counted agreements the person *brokered*.

A record credited to two people of one team (one found the need, the other brokered it) counts
once for the team. Records of the same contract are told apart as counting.groups does, by
comparing each record with the earlier ones (SQL: no earlier counted record of the same contract);
three records joined only through one another (A≈B by 登记编号, B≈C by amount, C not ≈ A) are
the one case where the table might count two where the dashboard counts one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, selectinload

from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import counting
from matchmaker.agreements.models import FIRST_YEAR, LAST_YEAR, Agreement
from matchmaker.agreements.values import AgreementStatus
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.pairings.models import Pairing, ProposalMark
from matchmaker.postings.models import Posting
from matchmaker.postings.values import Confirmation, PostingKind
from matchmaker.specialists.models import Diagnosis, Specialist, Visit

# --- what is counted ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    code: str
    label: str
    records: str  # what its drill-down lists: organization, visit, posting, pairing, agreement
    money: bool = False  # a sum of 技术交易额 (万元), not a count


FIGURES: tuple[Figure, ...] = (
    Figure("enterprises", "走访企业", "organization"),
    Figure("visits", "走访次数", "visit"),
    Figure("needs", "发现需求", "posting"),
    Figure("confirmed", "企业确认", "posting"),
    Figure("graded", "已诊断分级", "posting"),
    Figure("proposed", "获得推荐或对接", "posting"),
    Figure("pairings", "促成对接", "pairing"),
    Figure("agreements", "核验协议", "agreement"),
    Figure("tech_amount", "技术交易额（万元）", "agreement", money=True),
)
REWARD = Figure(
    "reward", "奖励基数（万元）", "agreement", money=True
)  # brokered agreements' 技术交易额 × percent
BY_FIGURE = {f.code: f for f in (*FIGURES, REWARD)}

GROUPINGS = {"specialist": "个人", "team": "科技镇长团", "agency": "技术转移服务机构"}


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last``, both included, in the site's time zone."""

    first: date
    last: date

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"

    @property
    def starts(self) -> Any:
        return clock.start_of(self.first)

    @property
    def ends(self) -> Any:  # the first moment after the period
        return clock.start_of(self.last + timedelta(days=1))


def default_period(day: date | None = None) -> Period:
    """The period of the plan in force today (agreements/counting.py), else today's year."""
    span = counting.default_span(day)
    return Period(span.start, span.end)


def parse_period(first: str | None, last: str | None) -> tuple[Period | None, dict[str, str]]:
    """The period asked for (missing ends from the default period), or the problems in Chinese."""
    default = default_period()
    problems: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, text, fallback in (("from", first, default.first), ("to", last, default.last)):
        text = (text or "").strip()
        if not text:
            days[name] = fallback
            continue
        try:
            day = date.fromisoformat(text)
        except ValueError:
            problems[name] = "日期应写成 2025-06-30 的形式。"
            continue
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            problems[name] = f"年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间。"
            continue
        days[name] = day
    if not problems and days["from"] > days["to"]:
        problems["to"] = "结束日期不能早于开始日期。"
    if problems:
        return None, problems
    return Period(days["from"], days["to"]), {}


def reward_percent() -> Decimal | None:
    """SPECIALIST_REWARD_PERCENT as a number (None: no reward column)."""
    value = current_app.config.get("SPECIALIST_REWARD_PERCENT")
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        percent = Decimal(str(value))
    except ArithmeticError:
        return None
    return percent if percent.is_finite() and percent >= 0 else None


# --- credits: (figure, specialist, record, amount) rows ------------------------------------------

NEED_KINDS = [k for k in PostingKind if k.is_need]
NO_AMOUNT = cast(null(), Numeric(14, 2))
Credits = Select[int, int, Decimal]  # sid (Specialist.id), rid (the record's id), amount


def counted_agreements(period: Period) -> ColumnElement[bool]:
    """agreements/counting.py's rule for the period, as a WHERE clause: verified, not deleted,
    signed within the period, and no earlier such record of the same contract."""
    other = aliased(Agreement)

    def counted(a: Any) -> ColumnElement[bool]:
        return and_(
            a.status == AgreementStatus.VERIFIED,
            a.deleted_at.is_(None),
            a.signed_on >= period.first,
            a.signed_on <= period.last,
        )

    same_contract = or_(
        other.dedupe_key == Agreement.dedupe_key,
        and_(
            Agreement.registration_number.isnot(None),
            other.registration_number == Agreement.registration_number,
        ),
    )
    earlier = select(other.id).where(counted(other), other.id < Agreement.id, same_contract).exists()
    return and_(counted(Agreement), ~earlier)


def _found_needs(period: Period) -> Credits:
    """(specialist, posting) for the needs each person found within the period."""
    return (
        select(Specialist.id.label("sid"), Posting.id.label("rid"), NO_AMOUNT.label("amount"))
        .select_from(Posting)
        .join(Specialist, Specialist.user_id == Posting.found_by_id)
        .outerjoin(Visit, Visit.id == Posting.visit_id)
        .where(
            Posting.kind.in_(NEED_KINDS),
            or_(
                and_(
                    Posting.visit_id.isnot(None),
                    Visit.visited_on >= period.first,
                    Visit.visited_on <= period.last,
                ),
                and_(
                    Posting.visit_id.is_(None),
                    Posting.created_at >= period.starts,
                    Posting.created_at < period.ends,
                ),
            ),
        )
    )


def credits(code: str, period: Period) -> Credits:
    """The credits of one figure: columns sid (Specialist.id), rid (the record's id), amount."""
    if code in ("visits", "enterprises"):
        record = Visit.id if code == "visits" else Visit.organization_id
        return (
            select(Specialist.id.label("sid"), record.label("rid"), NO_AMOUNT.label("amount"))
            .join(Visit, Visit.specialist_id == Specialist.id)
            .where(Visit.visited_on >= period.first, Visit.visited_on <= period.last)
        )
    if code == "needs":
        return _found_needs(period)
    if code == "confirmed":
        return _found_needs(period).where(
            Posting.confirmation.in_([Confirmation.CONFIRMED, Confirmation.BY_STAFF])
        )
    if code == "graded":
        return _found_needs(period).where(
            select(Diagnosis.id).where(Diagnosis.posting_id == Posting.id).exists()
        )
    if code == "proposed":
        marked = select(ProposalMark.posting_id).where(ProposalMark.posting_id == Posting.id).exists()
        paired = (
            select(Pairing.id)
            .where(or_(Pairing.target_id == Posting.id, Pairing.own_posting_id == Posting.id))
            .exists()
        )
        return _found_needs(period).where(or_(marked, paired))
    if code == "pairings":
        return (
            select(Specialist.id.label("sid"), Pairing.id.label("rid"), NO_AMOUNT.label("amount"))
            .select_from(Pairing)
            .join(
                Specialist,
                or_(Specialist.user_id == Pairing.found_by_id, Specialist.user_id == Pairing.brokered_by_id),
            )
            .where(Pairing.created_at >= period.starts, Pairing.created_at < period.ends)
        )
    if code in ("agreements", "tech_amount", "reward"):
        by = (
            Specialist.user_id == Agreement.brokered_by_id
            if code == "reward"
            else or_(
                Specialist.user_id == Agreement.found_by_id, Specialist.user_id == Agreement.brokered_by_id
            )
        )
        return (
            select(
                Specialist.id.label("sid"),
                Agreement.id.label("rid"),
                func.coalesce(Agreement.tech_amount, 0).label("amount"),
            )
            .select_from(Agreement)
            .join(Specialist, by)
            .where(counted_agreements(period))
        )
    raise LookupError(code)


def _keyed(stmt: Credits, by: str) -> Select[int, Decimal, Any]:
    """Credits with the key of the row they count in: the specialist, their team (specialists of no
    team count in none) or their user's 技术转移服务机构 (others in none)."""
    c = stmt.subquery("credits")
    s = aliased(Specialist)
    base = select(c.c.rid, c.c.amount).select_from(c).join(s, s.id == c.c.sid)
    if by == "specialist":
        return base.add_columns(s.id.label("key"))
    if by == "team":
        return base.add_columns(s.team.label("key")).where(s.team.isnot(None), s.team != "")
    if by == "agency":
        user, org = aliased(User), aliased(Organization)
        return (
            base.add_columns(org.id.label("key"))
            .join(user, user.id == s.user_id)
            .join(org, org.id == user.organization_id)
            .where(org.type == OrgType.AGENCY)
        )
    raise LookupError(by)


def _codes(reward: bool) -> list[str]:
    return [f.code for f in FIGURES if f.code != "tech_amount"] + (["reward"] if reward else [])


def totals(by: str, period: Period, *, reward: bool = False) -> dict[tuple[str, Any], tuple[int, Decimal]]:
    """{(figure, key): (number of records, sum of amounts)} for every figure, in one statement."""
    parts = []
    for code in _codes(reward):
        keyed = _keyed(credits(code, period), by).subquery()
        distinct = select(keyed.c.key, keyed.c.rid, keyed.c.amount).distinct().subquery()
        parts.append(
            select(
                cast(literal(code), String(20)).label("figure"),
                distinct.c.key,
                func.count().label("n"),
                func.sum(distinct.c.amount).label("amount"),
            ).group_by(distinct.c.key)
        )
    found: dict[tuple[str, Any], tuple[int, Decimal]] = {}
    for figure, key, n, amount in db.session.execute(union_all(*parts)):
        found[(figure, key)] = (n, Decimal(amount or 0).quantize(Decimal("0.01")))
    return found


def record_ids(code: str, by: str, key: Any, period: Period) -> Select[int]:
    """The ids of the records behind one figure of one row (what the drill-down lists)."""
    keyed = _keyed(credits(code, period), by).subquery()
    return select(keyed.c.rid).where(keyed.c.key == key).distinct()


# --- the rows of the tables ----------------------------------------------------------------------


@dataclass
class Row:
    """One line of a table: who, and each figure's value (counts; 万元 for money)."""

    by: str
    key: Any
    name: str
    detail: str = ""
    active: bool = True
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Results:
    period: Period
    reward: Decimal | None
    tables: dict[str, list[Row]]

    @property
    def figures(self) -> list[Figure]:
        return [*FIGURES, *([REWARD] if self.reward is not None else [])]


def _specialists() -> list[Specialist]:
    return list(
        db.session.scalars(
            select(Specialist)
            .join(User, User.id == Specialist.user_id)
            .options(selectinload(Specialist.user).selectinload(User.organization))
            .order_by(
                Specialist.ended_at.isnot(None), Specialist.kind, Specialist.team, User.name, Specialist.id
            )
        )
    )


def _fill(row: Row, found: dict[tuple[str, Any], tuple[int, Decimal]], reward: Decimal | None) -> Row:
    for f in FIGURES:
        n, amount = found.get(
            ("agreements" if f.code == "tech_amount" else f.code, row.key), (0, Decimal("0.00"))
        )
        row.values[f.code] = amount if f.money else n
    if reward is not None:
        _, brokered = found.get(("reward", row.key), (0, Decimal("0.00")))
        row.values["reward"] = (brokered * reward / 100).quantize(Decimal("0.01"))
    return row


def results(period: Period, *, only: Specialist | None = None) -> Results:
    """The three tables for ``period`` (``only``: that specialist's own row, no team or
    organisation tables — what a specialist sees). A fixed number of statements."""
    reward = reward_percent()
    wanted = reward is not None
    specialists = [only] if only is not None else _specialists()
    found = totals("specialist", period, reward=wanted)
    tables: dict[str, list[Row]] = {
        "specialist": [
            _fill(
                Row(
                    "specialist",
                    s.id,
                    s.user.name,
                    "，".join(filter(None, [s.kind.label, s.team, s.user.organization.name])),
                    s.ended_at is None,
                ),
                found,
                reward,
            )
            for s in specialists
        ]
    }
    if only is not None:
        return Results(period, reward, {**tables, "team": [], "agency": []})
    teams: dict[str, int] = {}
    agencies: dict[int, tuple[str, int]] = {}
    for s in specialists:
        if s.team:
            teams[s.team] = teams.get(s.team, 0) + 1
        org = s.user.organization
        if org.type is OrgType.AGENCY:
            agencies[org.id] = (org.name, agencies.get(org.id, ("", 0))[1] + 1)
    by_team = totals("team", period, reward=wanted)
    tables["team"] = [
        _fill(Row("team", team, team, f"{n} 人"), by_team, reward) for team, n in sorted(teams.items())
    ]
    by_agency = totals("agency", period, reward=wanted)
    tables["agency"] = [
        _fill(Row("agency", org_id, name, f"{n} 人"), by_agency, reward)
        for org_id, (name, n) in sorted(agencies.items(), key=lambda item: item[1][0])
    ]
    return Results(period, reward, tables)


def specialist_of(user: Any) -> Specialist | None:
    """The user's appointment (ended or not), if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Specialist).where(Specialist.user_id == user.id))


def specialist(specialist_id: int) -> Specialist | None:
    return db.session.get(Specialist, specialist_id)


def agency(org_id: int) -> Organization | None:
    org = db.session.get(Organization, org_id)
    return org if org is not None and org.type is OrgType.AGENCY else None


# --- drill-downs ---------------------------------------------------------------------------------

MODELS: dict[str, Any] = {
    "organization": Organization,
    "visit": Visit,
    "posting": Posting,
    "pairing": Pairing,
    "agreement": Agreement,
}
ORDER: dict[str, Sequence[Any]] = {
    "organization": (Organization.name, Organization.id),
    "visit": (Visit.visited_on.desc(), Visit.id.desc()),
    "posting": (Posting.id.desc(),),
    "pairing": (Pairing.created_at.desc(), Pairing.id.desc()),
    "agreement": (Agreement.signed_on.desc(), Agreement.id.desc()),
}
LOADS: dict[str, Sequence[Any]] = {
    "organization": (selectinload(Organization.town),),
    "visit": (selectinload(Visit.organization), selectinload(Visit.specialist).selectinload(Specialist.user)),
    "posting": (selectinload(Posting.organization), selectinload(Posting.found_by)),
    "pairing": (
        selectinload(Pairing.target_org),
        selectinload(Pairing.initiator_org),
        selectinload(Pairing.found_by),
        selectinload(Pairing.brokered_by),
    ),
    "agreement": (selectinload(Agreement.found_by), selectinload(Agreement.brokered_by)),
}


def records(code: str, by: str, key: Any, period: Period) -> Select[Any]:
    """The records behind one figure of one row, for a paged list."""
    figure = BY_FIGURE[code]
    model = MODELS[figure.records]
    return (
        select(model)
        .where(model.id.in_(record_ids(code, by, key, period)))
        .options(*LOADS[figure.records])
        .order_by(*ORDER[figure.records])
    )


def all_records(code: str, by: str, key: Any, period: Period) -> list[Any]:
    return list(db.session.scalars(records(code, by, key, period)))


def agreement(agreement_id: int) -> Agreement | None:
    """An agreement by id, for the attribution form (the caller decides who may see it)."""
    return db.session.get(Agreement, agreement_id)
