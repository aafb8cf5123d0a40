"""Appointing specialists and assigning them enterprises (bureau staff), visits and the needs found
there (drafts on the enterprise's behalf), the enterprise's confirmation of each draft (or bureau
staff's, with a reason, for an enterprise without users), diagnoses, and brokering pairings. Every
function takes the actor, asks the policy and journals; it flushes, the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from matchmaker import policy
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType, Role
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import diff, record
from matchmaker.core.models import utcnow
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing
from matchmaker.postings.models import Posting
from matchmaker.postings.operations import PostingDetails
from matchmaker.postings.values import Confirmation, PostingKind, PostingStatus
from matchmaker.specialists.models import Assignment, Diagnosis, Specialist, Visit
from matchmaker.specialists.values import Grade, SpecialistKind

TEAM_LENGTH = 60
NOTE_LENGTH = 1000
MET_LENGTH = 200
NOTES_LENGTH = 5000
REASON_LENGTH = 500


def _text(value: str | None, field: str, label: str, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise FieldError(field, f"请填写{label}。")
    if len(text) > limit:
        raise FieldError(field, f"{label}最多{limit}个字（现有{len(text)}个字）。")
    return text or None


# --- appointments and assignments (bureau staff) ------------------------------------------------


def appoint(
    user: User | None,
    kind: SpecialistKind,
    team: str | None = None,
    note: str | None = None,
    *,
    actor: User,
) -> Specialist:
    """Appoint an existing user as 服务专员 / 科技镇长团成员 / 技术经纪人. A user whose earlier
    appointment ended is appointed again on the same record (one per user)."""
    policy.require(actor, "specialist.manage")
    if user is None or not user.active:
        raise FieldError("user", "请选择一个有效的平台账号。")
    team = _text(team, "team", "所属团队", TEAM_LENGTH, required=False)
    note = _text(note, "note", "备注", NOTE_LENGTH, required=False)
    existing = db.session.scalar(select(Specialist).where(Specialist.user_id == user.id))
    if existing is not None and existing.active:
        raise FieldError("user", f"{user.name}已是{existing.kind.label}。")
    if existing is not None:
        before = {"kind": existing.kind, "team": existing.team, "ended_at": existing.ended_at}
        existing.kind, existing.team, existing.note = kind, team, note
        existing.appointed_by, existing.appointed_at = actor, utcnow()
        existing.ended_at = existing.end_reason = None
        specialist = existing
        changes = diff(before, {"kind": kind, "team": team, "ended_at": None})
    else:
        specialist = Specialist(user=user, kind=kind, team=team, note=note, appointed_by=actor)
        db.session.add(specialist)
        changes = {"user": [None, user.id], "kind": [None, kind.value], "team": [None, team]}
    record("specialist.appointed", specialist, actor=actor, changes=changes, note=note)
    db.session.flush()
    return specialist


def update_specialist(
    specialist: Specialist, kind: SpecialistKind, team: str | None, note: str | None, *, actor: User
) -> None:
    policy.require(actor, "specialist.manage")
    team = _text(team, "team", "所属团队", TEAM_LENGTH, required=False)
    note = _text(note, "note", "备注", NOTE_LENGTH, required=False)
    before = {"kind": specialist.kind, "team": specialist.team, "note": specialist.note}
    specialist.kind, specialist.team, specialist.note = kind, team, note
    record(
        "specialist.updated",
        specialist,
        actor=actor,
        changes=diff(before, {"kind": kind, "team": team, "note": note}),
    )
    db.session.flush()


def end_appointment(specialist: Specialist, reason: str | None, *, actor: User) -> None:
    """The appointment ends (kept, with why); its enterprises' assignments end with it."""
    policy.require(actor, "specialist.manage")
    if not specialist.active:
        raise InvalidTransition("该专员的聘任已结束。")
    reason = _text(reason, "reason", "结束原因", REASON_LENGTH, required=True)
    now = utcnow()
    for assignment in open_assignments(specialist):
        assignment.ended_at, assignment.ended_by_id = now, actor.id
        record("assignment.ended", assignment, actor=actor, changes={"ended_at": [None, now]})
    specialist.ended_at, specialist.end_reason = now, reason
    record("specialist.ended", specialist, actor=actor, changes={"ended_at": [None, now]}, note=reason)
    db.session.flush()


def open_assignments(specialist: Specialist) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.specialist_id == specialist.id, Assignment.ended_at.is_(None))
            .order_by(Assignment.id)
        )
    )


def max_enterprises() -> int:
    return int(current_app.config.get("SPECIALIST_MAX_ENTERPRISES", 5))


@dataclass
class Assigned:
    assignment: Assignment
    warning: str | None  # above SPECIALIST_MAX_ENTERPRISES: allowed, said


def assign(specialist: Specialist, org: Organization | None, *, actor: User) -> Assigned:
    """The specialist serves the enterprise from now on. More than SPECIALIST_MAX_ENTERPRISES
    enterprises is allowed, with a warning (the province's 一人最多五家 rule)."""
    policy.require(actor, "specialist.manage")
    if not specialist.active:
        raise InvalidTransition("该专员的聘任已结束，不能再分配企业。")
    if org is None or org.type is not OrgType.ENTERPRISE:
        raise FieldError("organization", "请选择一家企业。")
    current = open_assignments(specialist)
    if any(a.organization_id == org.id for a in current):
        raise FieldError("organization", f"{org.name}已分配给该专员。")
    assignment = Assignment(specialist=specialist, organization=org, assigned_by=actor)
    db.session.add(assignment)
    record(
        "assignment.created",
        assignment,
        actor=actor,
        changes={"specialist": [None, specialist.id], "organization": [None, org.id]},
    )
    db.session.flush()
    limit, count = max_enterprises(), len(current) + 1
    warning = (
        f"提示：{specialist.user.name}现服务{count}家企业，超过每人不超过{limit}家的要求。"
        if count > limit
        else None
    )
    return Assigned(assignment, warning)


def end_assignment(assignment: Assignment, *, actor: User) -> None:
    policy.require(actor, "specialist.manage")
    if assignment.ended_at is not None:
        raise InvalidTransition("该分配已结束。")
    assignment.ended_at, assignment.ended_by_id = utcnow(), actor.id
    record("assignment.ended", assignment, actor=actor, changes={"ended_at": [None, assignment.ended_at]})
    db.session.flush()


# --- visits and the needs found there -----------------------------------------------------------


@dataclass
class FoundNeed:
    """A need written down on a visit: a 研发需求 or 配套需求 in the enterprise's name."""

    kind: PostingKind
    details: PostingDetails


def record_visit(
    org: Organization,
    visited_on: date | None,
    met: str | None,
    notes: str | None,
    needs: list[FoundNeed] | None = None,
    *,
    actor: User,
) -> Visit:
    """A 走访记录 by the specialist serving ``org``, with the needs found there as drafts awaiting
    the enterprise's confirmation."""
    policy.require(actor, "visit.record", org)
    specialist = policy.specialist_of(actor)
    assert specialist is not None  # serving an enterprise implies a current appointment
    if visited_on is None:
        raise FieldError("visited_on", "请填写走访日期（格式 2025-06-30）。")
    if visited_on > clock.today():
        raise FieldError("visited_on", "走访日期不能晚于今天。")
    met = _text(met, "met", "接待人员", MET_LENGTH, required=True)
    notes = _text(notes, "notes", "走访记录", NOTES_LENGTH, required=True)
    assert met is not None and notes is not None
    visit = Visit(
        specialist=specialist, organization=org, visited_on=visited_on, met=met, notes=notes, created_by=actor
    )
    db.session.add(visit)
    record(
        "visit.recorded",
        visit,
        actor=actor,
        changes={"organization": [None, org.id], "visited_on": [None, visited_on]},
    )
    db.session.flush()
    for need in needs or []:
        add_need(visit, need, actor=actor)
    return visit


def add_need(visit: Visit, need: FoundNeed, *, actor: User) -> Posting:
    """A need found on ``visit``, as a draft in the enterprise's name awaiting its confirmation."""
    policy.require(actor, "visit.record", visit.organization)
    if not need.kind.is_need:
        raise FieldError("kind", "走访发现的只能是研发需求或配套需求。")
    need.details.check()
    posting = Posting(
        kind=need.kind,
        organization=visit.organization,
        author=actor,
        visit_id=visit.id,
        found_by_id=actor.id,
        confirmation=Confirmation.AWAITING,
    )
    need.details.apply_to(posting)
    if posting.town is None:
        posting.town = visit.organization.town
    db.session.add(posting)
    record(
        "posting.found",
        posting,
        actor=actor,
        changes={"kind": [None, need.kind.value], "title": [None, posting.title], "visit": [None, visit.id]},
    )
    db.session.flush()
    return posting


def awaiting(posting: Posting) -> None:
    if posting.confirmation is not Confirmation.AWAITING or posting.status is not PostingStatus.DRAFT:
        label = posting.confirmation.label if posting.confirmation else "企业自己发布"
        raise InvalidTransition(f"这条需求已处理（{label}），无需再确认。")


def confirm(posting: Posting, *, actor: User) -> bool:
    """The enterprise confirms a need written on its behalf (as it is, or after editing it): it
    goes to review at once when the enterprise is verified. True when it was submitted."""
    policy.require(actor, "posting.confirm", posting)
    awaiting(posting)
    posting.confirmation = Confirmation.CONFIRMED
    posting.confirmed_by_id, posting.confirmed_at = actor.id, utcnow()
    record(
        "posting.confirmed",
        posting,
        actor=actor,
        changes={"confirmation": [Confirmation.AWAITING.value, Confirmation.CONFIRMED.value]},
    )
    submitted = posting.organization.is_verified
    if submitted:
        posting.submit(actor)
    db.session.flush()
    return submitted


def refuse(posting: Posting, reason: str | None, *, actor: User) -> None:
    """The enterprise refuses a need written on its behalf, saying why (the specialist is told)."""
    policy.require(actor, "posting.confirm", posting)
    awaiting(posting)
    text = _text(reason, "reason", "拒绝理由", REASON_LENGTH, required=True)
    posting.confirmation, posting.confirmation_note = Confirmation.REFUSED, text
    posting.confirmed_by_id, posting.confirmed_at = actor.id, utcnow()
    record(
        "posting.refused",
        posting,
        actor=actor,
        changes={"confirmation": [Confirmation.AWAITING.value, Confirmation.REFUSED.value]},
        note=text,
    )
    db.session.flush()


def confirm_for(posting: Posting, reason: str | None, *, actor: User) -> None:
    """Bureau staff confirm for an enterprise that has no user account, with the reason recorded
    (e.g. 经电话与企业负责人核实); the need then waits in the review queue."""
    policy.require(actor, "posting.confirm_for", posting)
    awaiting(posting)
    if posting.organization.has_account:
        raise InvalidTransition("该企业已有平台账号，须由企业用户自己确认。")
    text = _text(reason, "reason", "代为确认的依据", REASON_LENGTH, required=True)
    posting.confirmation, posting.confirmation_note = Confirmation.BY_STAFF, text
    posting.confirmed_by_id, posting.confirmed_at = actor.id, utcnow()
    record(
        "posting.confirmed_by_staff",
        posting,
        actor=actor,
        changes={"confirmation": [Confirmation.AWAITING.value, Confirmation.BY_STAFF.value]},
        note=text,
    )
    posting.submit(actor)
    db.session.flush()


# --- diagnosis and brokering ---------------------------------------------------------------------


def diagnose(
    posting: Posting, grade: Grade, missing: str | None = None, note: str | None = None, *, actor: User
) -> Diagnosis:
    """A specialist serving the enterprise grades one of its needs; 需二次诊断 says what is
    missing, which the enterprise is told."""
    policy.require(actor, "diagnosis.record", posting)
    specialist = policy.specialist_of(actor)
    assert specialist is not None
    missing = _text(missing, "missing", "缺少的内容", NOTE_LENGTH, required=grade is Grade.NEEDS_WORK)
    note = _text(note, "note", "诊断备注", NOTE_LENGTH, required=False)
    diagnosis = Diagnosis(posting=posting, specialist=specialist, grade=grade, missing=missing, note=note)
    db.session.add(diagnosis)
    record(
        "diagnosis.recorded",
        diagnosis,
        actor=actor,
        changes={"posting": [None, posting.id], "grade": [None, grade.value], "missing": [None, missing]},
    )
    db.session.flush()
    return diagnosis


def broker(target: Posting, other: Posting, message: str, *, actor: User) -> Pairing:
    """A specialist introduces ``other``'s organisation to ``target`` for an enterprise it serves
    (either side); the pairing records the specialist as its broker."""
    if not (policy.may(actor, "pairing.broker", target) or policy.may(actor, "pairing.broker", other)):
        policy.require(actor, "pairing.broker", target)
    for posting in (target, other):  # never a posting it may not read (定向 to the bureau alone)
        if not policy.may(actor, "pairing.broker", posting):
            policy.require(actor, "posting.view", posting)
    return pairings.introduce(target, other, message, actor=actor)


# --- reads the pages and the API share ----------------------------------------------------------


def specialists(*, active_only: bool = False) -> list[Specialist]:
    stmt = (
        select(Specialist)
        .join(User, User.id == Specialist.user_id)
        .order_by(Specialist.ended_at.isnot(None), User.name)
    )
    if active_only:
        stmt = stmt.where(Specialist.ended_at.is_(None))
    return list(db.session.scalars(stmt))


def open_counts() -> dict[int, int]:
    """Specialist id → number of enterprises currently assigned."""
    rows = db.session.execute(
        select(Assignment.specialist_id, func.count())
        .where(Assignment.ended_at.is_(None))
        .group_by(Assignment.specialist_id)
    )
    return {sid: n for sid, n in rows}


def candidates() -> list[User]:
    """Users who may be appointed: active accounts of verified organisations or the bureau, not
    currently specialists."""
    current = select(Specialist.user_id).where(Specialist.ended_at.is_(None))
    return list(
        db.session.scalars(
            select(User)
            .join(Organization, Organization.id == User.organization_id)
            .where(User.active.is_(True), User.id.not_in(current))
            .order_by(Organization.name, User.name)
        )
    )


def enterprises() -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization).where(Organization.type == OrgType.ENTERPRISE).order_by(Organization.name)
        )
    )


def visits(actor: User, org_id: int | None = None, limit: int = 200) -> list[Visit]:
    stmt = select(Visit).where(policy.visits_of(actor)).order_by(Visit.visited_on.desc(), Visit.id.desc())
    if org_id is not None:
        stmt = stmt.where(Visit.organization_id == org_id)
    return list(db.session.scalars(stmt.limit(limit)))


def found_needs(
    actor: User, confirmation: Confirmation | None = None, org_id: int | None = None
) -> list[Posting]:
    stmt = select(Posting).where(policy.found_needs_of(actor)).order_by(Posting.id.desc())
    if confirmation is not None:
        stmt = stmt.where(Posting.confirmation == confirmation)
    if org_id is not None:
        stmt = stmt.where(Posting.organization_id == org_id)
    return list(db.session.scalars(stmt))


def diagnoses_of(posting: Posting) -> list[Diagnosis]:
    return list(
        db.session.scalars(
            select(Diagnosis).where(Diagnosis.posting_id == posting.id).order_by(Diagnosis.id.desc())
        )
    )


def current_diagnosis(posting: Posting) -> Diagnosis | None:
    return db.session.scalar(
        select(Diagnosis).where(Diagnosis.posting_id == posting.id).order_by(Diagnosis.id.desc()).limit(1)
    )


def has_accounts(org: Organization) -> bool:
    return bool(org.has_account)


def is_enterprise_user(user: User) -> bool:
    return user.role is Role.ENTERPRISE
