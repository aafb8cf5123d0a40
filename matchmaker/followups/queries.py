"""Reads of follow-ups other capabilities and the pages call: an organisation's questions, what is
overdue for a set of organisations (the specialist's 工作台), and the bureau's figures — the
follow-up rate by period and what the answers found, each number with the records behind it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, select
from sqlalchemy.orm import selectinload

from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.followups.models import FollowUp
from matchmaker.followups.operations import ASKED_OPEN, answer_days, overdue_conditions, overdue_on
from matchmaker.followups.values import FollowUpAnswer

# The staff list's filters (besides an answer code): what the figures' numbers link to.
STATES = {"asked": "已发出", "answered": "已回答", "unanswered": "待回答", "overdue": "逾期未答"}


def followup(followup_id: int) -> FollowUp | None:
    return db.session.get(FollowUp, followup_id)


def of_organization(org_id: int) -> list[FollowUp]:
    """An organisation's questions: unanswered first (oldest first), then answered, newest first."""
    found = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.organization_id == org_id)
        .options(selectinload(FollowUp.pairing))
        .order_by(FollowUp.answered_at.is_not(None), FollowUp.asked_on.desc(), FollowUp.id.desc())
    ).all()
    pending = sorted((f for f in found if f.answer is None), key=lambda f: (f.asked_on, f.id))
    return pending + [f for f in found if f.answer is not None]


def pending_count(org_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(FollowUp.id)).where(
                FollowUp.organization_id == org_id, FollowUp.answer.is_(None)
            )
        )
        or 0
    )


def answer_by(followup: FollowUp) -> date:
    """The last day of the answer window (later answers are still taken)."""
    return followup.asked_on + timedelta(days=answer_days())


def is_overdue(followup: FollowUp, today: date | None = None) -> bool:
    """Unanswered past the window, about a pairing still open (one signed or ended on the platform
    meanwhile needs nobody to chase the answer)."""
    return (
        followup.answer is None
        and followup.asked_on < overdue_on(today)
        and followup.pairing.state in ASKED_OPEN
    )


def overdue_for(org_ids: Iterable[int], today: date | None = None) -> list[FollowUp]:
    """Unanswered questions past the answer window asked of any of ``org_ids``, oldest first: the
    "回访逾期" section of a specialist's 工作台 (their assigned enterprises' ids)."""
    ids = sorted(set(org_ids))
    if not ids:
        return []
    return list(
        db.session.scalars(
            _overdue(select(FollowUp), today)
            .where(FollowUp.organization_id.in_(ids))
            .options(selectinload(FollowUp.pairing), selectinload(FollowUp.organization))
            .order_by(FollowUp.asked_on, FollowUp.id)
        )
    )


def _overdue(stmt: Select[FollowUp], today: date | None = None) -> Select[FollowUp]:
    return stmt.where(*_overdue_conditions(today))


def _overdue_conditions(today: date | None = None) -> list[ColumnElement[bool]]:
    return overdue_conditions(today)


# --- the bureau's figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Questions asked from ``since`` to ``until`` (site dates, both included; None: open)."""

    since: date | None = None
    until: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found = []
        if self.since is not None:
            found.append(FollowUp.asked_on >= self.since)
        if self.until is not None:
            found.append(FollowUp.asked_on <= self.until)
        return found


@dataclass
class Period:
    label: str  # YYYY-MM
    asked: int = 0
    answered: int = 0

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


@dataclass
class Figures:
    span: Span
    asked: int = 0
    answered: int = 0
    overdue: int = 0
    unanswered: int = 0
    answers: dict[FollowUpAnswer, int] = field(default_factory=dict)
    periods: list[Period] = field(default_factory=list)
    answer_days: int = 14

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def answer_counts(self) -> list[dict[str, Any]]:
        return [{"answer": a, "count": n} for a, n in self.answers.items()]


def figures(span: Span | None = None, today: date | None = None) -> Figures:
    """Asked, answered (and the rate) per month asked, each answer's count, and how many are still
    unanswered or overdue, for the questions asked within ``span``: three aggregate statements."""
    span = span or Span()
    result = Figures(span=span, answer_days=answer_days(), answers={a: 0 for a in FollowUpAnswer})
    month = func.substr(cast(FollowUp.asked_on, String), 1, 7)
    rows = db.session.execute(
        select(month, func.count(FollowUp.id), func.count(FollowUp.answer))
        .where(*span.conditions())
        .group_by(month)
        .order_by(month)
    ).all()
    for label, asked, answered in rows:
        result.periods.append(Period(str(label), int(asked), int(answered)))
        result.asked += int(asked)
        result.answered += int(answered)
    for given, n in db.session.execute(
        select(FollowUp.answer, func.count(FollowUp.id))
        .where(*span.conditions())
        .where(FollowUp.answer.is_not(None))
        .group_by(FollowUp.answer)
    ).all():
        if given is not None:
            result.answers[FollowUpAnswer(given)] = int(n)
    result.unanswered = result.asked - result.answered
    result.overdue = int(
        db.session.scalar(
            select(func.count(FollowUp.id)).where(*span.conditions(), *_overdue_conditions(today))
        )
        or 0
    )
    return result


def select_listing(
    span: Span | None = None,
    *,
    answer: FollowUpAnswer | None = None,
    state: str | None = None,
    today: date | None = None,
) -> Select[FollowUp]:
    """The records behind a number of ``figures`` (by answer, or by state: STATES), newest first."""
    stmt = select(FollowUp).where(*(span or Span()).conditions())
    if answer is not None:
        stmt = stmt.where(FollowUp.answer == answer)
    if state == "answered":
        stmt = stmt.where(FollowUp.answer.is_not(None))
    elif state == "unanswered":
        stmt = stmt.where(FollowUp.answer.is_(None))
    elif state == "overdue":
        stmt = _overdue(stmt, today)
    return stmt.options(selectinload(FollowUp.pairing), selectinload(FollowUp.organization)).order_by(
        FollowUp.asked_on.desc(), FollowUp.id.desc()
    )


def listing(
    span: Span | None = None,
    *,
    answer: FollowUpAnswer | None = None,
    state: str | None = None,
    today: date | None = None,
) -> list[FollowUp]:
    return list(db.session.scalars(select_listing(span, answer=answer, state=state, today=today)))


def default_span(today: date | None = None) -> Span:
    """The year to date (site time): what the staff page opens on."""
    today = today or clock.today()
    return Span(date(today.year, 1, 1), today)
