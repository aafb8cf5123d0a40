"""Reads of the specialists capability that pages, the API and other capabilities share: a
specialist's 工作台 (its enterprises and what needs attention there), assignments, and the lookups
by id the web layer uses (it never touches other capabilities' models)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, exists, or_, select

from matchmaker.accounts.models import Organization, User
from matchmaker.core.extensions import db
from matchmaker.core.models import utcnow
from matchmaker.followups import queries as followups
from matchmaker.followups.models import FollowUp
from matchmaker.pairings.models import Pairing, ProposalMark
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import Confirmation, PostingKind, PostingStatus
from matchmaker.specialists.models import Assignment, Diagnosis, Specialist, Visit
from matchmaker.specialists.values import Grade

NEED_KINDS = [k for k in PostingKind if k.is_need]
OPEN_STATES = [s for s in PairingState if s.is_open]


def specialist(specialist_id: int) -> Specialist | None:
    return db.session.get(Specialist, specialist_id)


def assignment(assignment_id: int) -> Assignment | None:
    return db.session.get(Assignment, assignment_id)


def visit(visit_id: int) -> Visit | None:
    return db.session.get(Visit, visit_id)


def of_user(user_id: int) -> Specialist | None:
    return db.session.scalar(select(Specialist).where(Specialist.user_id == user_id))


def serving(org_id: int) -> list[Specialist]:
    """The specialists currently serving an enterprise (open assignments of current appointments)."""
    return list(
        db.session.scalars(
            select(Specialist)
            .join(Assignment, Assignment.specialist_id == Specialist.id)
            .where(
                Assignment.organization_id == org_id,
                Assignment.ended_at.is_(None),
                Specialist.ended_at.is_(None),
            )
            .order_by(Specialist.id)
        )
    )


def assigned_organizations(specialist: Specialist) -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization)
            .join(Assignment, Assignment.organization_id == Organization.id)
            .where(Assignment.specialist_id == specialist.id, Assignment.ended_at.is_(None))
            .order_by(Organization.name)
        )
    )


def stall_cutoff() -> datetime:
    return utcnow() - timedelta(days=int(current_app.config["PAIRING_STALL_DAYS"]))


BROKER_CHOICES = 500  # the newest postings offered to introduce (the page lists them in one select)


@dataclass
class Attention:
    """One served enterprise on the 工作台 and what needs the specialist's attention there."""

    organization: Organization
    assigned_at: datetime
    last_visit: Visit | None = None
    awaiting: list[Posting] = field(default_factory=list)  # drafts the enterprise has not confirmed
    refused: list[Posting] = field(default_factory=list)
    undiagnosed: list[Posting] = field(default_factory=list)  # current needs not graded yet
    second_look: list[Posting] = field(default_factory=list)  # 需二次诊断: revised since?
    unproposed: list[Posting] = field(default_factory=list)  # published needs without a proposal
    unanswered: list[Pairing] = field(default_factory=list)  # interest either way, not answered
    stalled: list[Pairing] = field(default_factory=list)  # open, no activity past PAIRING_STALL_DAYS
    overdue: list[FollowUp] = field(default_factory=list)  # 回访 unanswered past FOLLOW_UP_ANSWER_DAYS

    @property
    def items(self) -> int:
        return sum(
            len(x)
            for x in (
                self.awaiting,
                self.refused,
                self.undiagnosed,
                self.second_look,
                self.unproposed,
                self.unanswered,
                self.stalled,
                self.overdue,
            )
        )


def workbench(specialist: Specialist) -> list[Attention]:
    """The specialist's enterprises, each with what needs attention; a fixed number of queries
    whatever the number of enterprises (one per kind of item)."""
    rows = db.session.execute(
        select(Organization, Assignment.assigned_at)
        .join(Assignment, Assignment.organization_id == Organization.id)
        .where(Assignment.specialist_id == specialist.id, Assignment.ended_at.is_(None))
        .order_by(Organization.name)
    ).all()
    found = {org.id: Attention(org, at) for org, at in rows}
    if not found:
        return []
    ids = list(found)
    for v in db.session.scalars(
        select(Visit).where(Visit.organization_id.in_(ids)).order_by(Visit.visited_on, Visit.id)
    ):
        found[v.organization_id].last_visit = v
    needs = list(
        db.session.scalars(
            select(Posting)
            .where(
                Posting.organization_id.in_(ids),
                Posting.kind.in_(NEED_KINDS),
                Posting.status != PostingStatus.CLOSED,
            )
            .order_by(Posting.id)
        )
    )
    latest: dict[int, Diagnosis] = {}
    for d in db.session.scalars(
        select(Diagnosis).where(Diagnosis.posting_id.in_([p.id for p in needs])).order_by(Diagnosis.id)
    ):
        latest[d.posting_id] = d
    marked = set(
        db.session.scalars(
            select(ProposalMark.posting_id).where(ProposalMark.posting_id.in_([p.id for p in needs]))
        )
    )
    pairing_targets = set(
        db.session.scalars(select(Pairing.target_id).where(Pairing.target_id.in_([p.id for p in needs])))
    )
    for p in needs:
        item = found[p.organization_id]
        if p.confirmation is Confirmation.AWAITING:
            item.awaiting.append(p)
            continue
        if p.confirmation is Confirmation.REFUSED:
            item.refused.append(p)
            continue
        diagnosis = latest.get(p.id)
        if diagnosis is None:
            item.undiagnosed.append(p)
        elif (
            diagnosis.grade is Grade.NEEDS_WORK
            and p.updated_at is not None
            and p.updated_at > diagnosis.created_at
        ):
            item.second_look.append(p)
        if p.status is PostingStatus.PUBLISHED and p.id not in marked and p.id not in pairing_targets:
            item.unproposed.append(p)
    cutoff = stall_cutoff()
    for pairing in db.session.scalars(
        select(Pairing)
        .where(
            or_(Pairing.target_org_id.in_(ids), Pairing.initiator_org_id.in_(ids)),
            Pairing.state.in_(OPEN_STATES),
        )
        .order_by(Pairing.last_activity_at)
    ):
        for org_id in {pairing.target_org_id, pairing.initiator_org_id} & set(ids):
            if pairing.state is PairingState.INTERESTED:
                found[org_id].unanswered.append(pairing)
            elif pairing.last_activity_at < cutoff:
                found[org_id].stalled.append(pairing)
    for question in followups.overdue_for(ids):
        found[question.organization_id].overdue.append(question)
    return list(found.values())


def published_for_broker(
    org_ids: list[int], visible: ColumnElement[bool], limit: int = BROKER_CHOICES
) -> tuple[list[Posting], list[Posting]]:
    """The served enterprises' published postings, and the other published postings the specialist
    may read (``visible``: policy.listed_postings — never one shown to the bureau alone), newest
    first and at most ``limit`` of them: the candidates to introduce."""
    published = select(Posting).where(Posting.status == PostingStatus.PUBLISHED)
    ours = list(
        db.session.scalars(
            published.where(Posting.organization_id.in_(org_ids)).order_by(Posting.kind, Posting.title)
        )
    )
    others = list(
        db.session.scalars(
            published.where(Posting.organization_id.not_in(org_ids), visible)
            .order_by(Posting.published_at.desc(), Posting.id.desc())
            .limit(limit)
        )
    )
    return ours, others


def visits_by(specialist: Specialist, limit: int = 100) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.specialist_id == specialist.id)
            .order_by(Visit.visited_on.desc(), Visit.id.desc())
            .limit(limit)
        )
    )


def has_diagnosis(posting_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Diagnosis.posting_id == posting_id))))


def user(user_id: int) -> User | None:
    return db.session.get(User, user_id)
