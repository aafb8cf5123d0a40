"""Asking, answering and escalating follow-up questions (回访). Writes: each asks the policy where a
person acts, journals, flushes, never commits — except the daily job, which is its own transaction.

How questions come to exist: not from a journal consumer nor from the pairing and meeting
operations, but from the records, by the daily job (``ask_due``). A question is due because time
has passed since a pairing was accepted — no change announces it — and the acceptance date is on
the pairing (``answered_at``: its first answer, which for an accepted pairing is the acceptance,
whichever door it came through: the pairing page, the API, 主管部门牵线, an event meeting marked
形成对接, a 揭榜挂帅 award). So the job covers every door without the pairings, events or calls
capabilities knowing of follow-ups, needs no cursor of its own, is idempotent (one row per pairing,
side and round, guarded by a unique constraint), and a change of FOLLOW_UP_MONTHS applies to
pairings accepted before it.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError

from matchmaker import policy
from matchmaker.accounts.models import User
from matchmaker.core import clock, jobs
from matchmaker.core.database import execute_dml
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.core.models import utcnow
from matchmaker.followups.models import FollowUp
from matchmaker.followups.values import FollowUpAnswer
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState

REASON_LENGTH = 500
ASKED_OPEN = (PairingState.CONTACTED, PairingState.NEGOTIATING)  # a closed pairing is not asked about
ALREADY_ANSWERED = (
    "这次回访已经回答过了（{who}，{answer}），每次回访只回答一次；如情况有变，请在对接页更新进展。"
)


# --- configuration ----------------------------------------------------------------------------


def months() -> tuple[int, ...]:
    """The rounds (FOLLOW_UP_MONTHS): positive whole months, ascending; "3,6" is read too."""
    raw = current_app.config.get("FOLLOW_UP_MONTHS", (3, 6))
    if isinstance(raw, str):
        raw = [part for part in raw.replace("，", ",").split(",") if part.strip()]
    if isinstance(raw, int):
        raw = [raw]
    return tuple(sorted({int(m) for m in raw if int(m) > 0}))


def answer_days() -> int:
    """How many days a side has to answer before its specialists are told (FOLLOW_UP_ANSWER_DAYS)."""
    return max(int(current_app.config.get("FOLLOW_UP_ANSWER_DAYS", 14)), 1)


def add_months(day: date, n: int) -> date:
    """``day`` n months later; the 31st becomes the month's last day where there is no 31st."""
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def accepted_on(pairing: Pairing) -> date | None:
    """The site date the pairing was accepted (None if it never was)."""
    if not pairing.state.is_accepted or pairing.answered_at is None:
        return None
    return clock.local(pairing.answered_at).date()


def due_round(pairing: Pairing, today: date, rounds: Sequence[int]) -> tuple[int, date] | None:
    """The latest round (months, due date) due by ``today``: a round missed (the worker was down, or
    the pairing is older than this feature) is not asked late once a later one is due."""
    start = accepted_on(pairing)
    if start is None:
        return None
    due = [(m, add_months(start, m)) for m in rounds if add_months(start, m) <= today]
    return due[-1] if due else None


# --- asking (the daily job) ---------------------------------------------------------------------


def ask_due(today: date | None = None) -> list[FollowUp]:
    """Ask both sides of every open, accepted pairing whose latest due round has not been asked of
    them yet (a side that already answered 已签约 or 已终止 is not asked again). Journals each
    question (the notices tell the side's users); flushes, never commits."""
    today = today or clock.today()
    rounds = months()
    if not rounds:
        return []
    first_due = add_months_back(today, rounds[0])
    candidates = db.session.scalars(
        select(Pairing)
        .where(
            Pairing.state.in_(ASKED_OPEN),
            Pairing.answered_at.is_not(None),
            Pairing.answered_at < clock.start_of(first_due + timedelta(days=1)),
        )
        .order_by(Pairing.id)
    ).all()
    if not candidates:
        return []
    asked: dict[tuple[int, int, int], FollowUp] = {}
    closed: set[tuple[int, int]] = set()
    for f in db.session.scalars(select(FollowUp).where(FollowUp.pairing_id.in_([p.id for p in candidates]))):
        asked[(f.pairing_id, f.organization_id, f.months)] = f
        if f.answer is not None and f.answer.closes:
            closed.add((f.pairing_id, f.organization_id))
    made = []
    for pairing in candidates:
        found = due_round(pairing, today, rounds)
        if found is None:
            continue
        n, due_on = found
        for org_id in dict.fromkeys(pairing.party_org_ids()):
            if (pairing.id, org_id, n) in asked or (pairing.id, org_id) in closed:
                continue
            followup = FollowUp(
                pairing=pairing, organization_id=org_id, months=n, due_on=due_on, asked_on=today
            )
            db.session.add(followup)
            record(
                "followup.asked",
                followup,
                actor=None,
                changes={"pairing": [None, pairing.id], "organization": [None, org_id], "months": [None, n]},
            )
            made.append(followup)
    db.session.flush()
    return made


def add_months_back(day: date, n: int) -> date:
    """The latest acceptance date whose ``n``-month round is due by ``day``."""
    back = add_months(day, -n)
    # add_months clamps the day: step forward while the round of the next day is still due.
    while add_months(back + timedelta(days=1), n) <= day:
        back += timedelta(days=1)
    return back


def overdue_on(today: date | None = None) -> date:
    """Questions asked before this date and still unanswered are overdue."""
    return (today or clock.today()) - timedelta(days=answer_days())


def overdue_conditions(today: date | None = None) -> list[ColumnElement[bool]]:
    """Unanswered past the answer window, about a pairing still open (已对接 / 洽谈中): once it is
    signed or ended on the platform nobody needs to chase the answer."""
    return [
        FollowUp.answer.is_(None),
        FollowUp.asked_on < overdue_on(today),
        FollowUp.pairing.has(Pairing.state.in_(ASKED_OPEN)),
    ]


def escalate_overdue(today: date | None = None) -> list[FollowUp]:
    """Mark each question unanswered past the answer window as escalated, once (a conditional
    UPDATE: two machines' jobs never tell twice), journalled for the notices that tell the side's
    assigned specialists."""
    stale = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.escalated_at.is_(None), *overdue_conditions(today))
        .order_by(FollowUp.id)
    ).all()
    told = []
    for followup in stale:
        now = utcnow()
        taken = execute_dml(
            update(FollowUp)
            .where(FollowUp.id == followup.id, FollowUp.escalated_at.is_(None), FollowUp.answer.is_(None))
            .values(escalated_at=now)
        )
        if not taken.rowcount:
            continue
        db.session.refresh(followup)
        record(
            "followup.overdue", followup, actor=None, note=f"发出于 {followup.asked_on:%Y-%m-%d}，逾期未答"
        )
        told.append(followup)
    db.session.flush()
    return told


def run_daily(today: date | None = None) -> tuple[int, int]:
    """Ask what is due and escalate what is overdue, committed; (asked, escalated)."""
    try:
        asked = len(ask_due(today))
        db.session.commit()
    except IntegrityError:  # another machine's job asked the same questions a moment earlier
        db.session.rollback()
        asked = 0
    escalated = len(escalate_overdue(today))
    db.session.commit()
    return asked, escalated


def _due_daily(now: datetime) -> bool:
    """Once a day, a quarter past DIGEST_HOUR site time (after the notifications' daily run)."""
    local = clock.local(now)
    return local.hour == int(current_app.config.get("DIGEST_HOUR", 7)) and local.minute == 15


@jobs.periodic("followups.daily", when=_due_daily)
def _daily_job() -> None:
    asked, escalated = run_daily()
    current_app.logger.info("follow-ups: %s asked, %s escalated", asked, escalated)


# --- answering ----------------------------------------------------------------------------------


def answer(followup: FollowUp, given: FollowUpAnswer, reason: str | None = None, *, actor: User) -> None:
    """The side's answer, at most once: of two answers at the same moment one is kept and the other
    refused with who answered first. 已签约 records nothing else: the agreement is recorded (and
    counted, by the agreements' rules) on the 登记协议 page the answer leads to."""
    policy.require(actor, "followup.answer", followup)
    text = (reason or "").strip() or None
    if text is not None and len(text) > REASON_LENGTH:
        raise FieldError("reason", f"说明不能超过 {REASON_LENGTH} 个字。")
    if given is FollowUpAnswer.ENDED and text is None:
        raise FieldError("reason", "请写明对接终止的原因，便于主管部门总结。")
    if followup.answer is not None:
        raise InvalidTransition(_already(followup))
    taken = execute_dml(
        update(FollowUp)
        .where(FollowUp.id == followup.id, FollowUp.answer.is_(None))
        .values(answer=given, reason=text, answered_by_id=actor.id, answered_at=utcnow())
    )
    db.session.refresh(followup)
    if not taken.rowcount:
        raise InvalidTransition(_already(followup))
    record(
        "followup.answered",
        followup,
        actor=actor,
        changes={"answer": [None, given.value]},
        note=given.label + (f"：{text}" if text else ""),
    )
    db.session.flush()


def _already(followup: FollowUp) -> str:
    who = followup.answered_by.name if followup.answered_by is not None else "贵单位同事"
    label = followup.answer.label if followup.answer is not None else "已回答"
    return ALREADY_ANSWERED.format(who=who, answer=label)
