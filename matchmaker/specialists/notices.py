"""Who is told what about specialists' work: the appointed user; the specialist and the enterprise
of a new assignment; the enterprise's users of a need written on its behalf (to confirm it); the
specialist who found it of the enterprise's answer (or bureau staff's on its behalf); the
enterprise of a diagnosis that says what is missing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import actor_id, each, users
from matchmaker.postings.models import Posting
from matchmaker.specialists.models import Assignment, Diagnosis, Specialist
from matchmaker.specialists.values import Grade

KIND = "specialist"


@rules.on("specialist.appointed")
def about_appointment(session: Session, entry: JournalEntry) -> list[Notification]:
    specialist = session.get(Specialist, entry.object_id)
    if specialist is None or not specialist.active:
        return []
    team = f"（{specialist.team}）" if specialist.team else ""
    return each(
        [specialist.user],
        entry,
        KIND,
        f"您已被聘为{specialist.kind.label}{team}",
        "主管部门为您分配服务企业后，可在“专员工作台”记录走访、代企业填写需求并跟进对接。",
        site_path("specialists.workbench"),
    )


@rules.on("assignment.created")
def about_assignment(session: Session, entry: JournalEntry) -> list[Notification]:
    assignment = session.get(Assignment, entry.object_id)
    if assignment is None or assignment.ended_at is not None:
        return []
    specialist, org = assignment.specialist, assignment.organization
    told = each(
        [specialist.user],
        entry,
        KIND,
        f"主管部门为您分配了服务企业：{org.name}",
        None,
        site_path("specialists.workbench"),
    )
    return told + each(
        users(session, org.id),
        entry,
        KIND,
        f"{specialist.user.name}（{specialist.kind.label}）将为贵企业提供服务",
        "专员会走访贵企业、帮助梳理需求并推动对接；走访记录仅贵企业、专员和主管部门可见。",
        site_path("specialists.mine"),
    )


@rules.on("posting.found")
def about_found_need(session: Session, entry: JournalEntry) -> list[Notification]:
    posting = session.get(Posting, entry.object_id)
    if posting is None or posting.confirmation is None:
        return []
    who = entry.actor.name if entry.actor else "专员"
    return each(
        users(session, posting.organization_id),
        entry,
        KIND,
        f"{who}走访时记录了需求「{posting.title}」，请确认",
        "确认（或修改后确认）后需求提交主管部门审核；不是贵企业的需求可以拒绝并说明理由。",
        site_path("specialists.need", posting_id=posting.id),
    )


@rules.on("posting.confirmed", "posting.refused", "posting.confirmed_by_staff")
def about_answer(session: Session, entry: JournalEntry) -> list[Notification]:
    posting = session.get(Posting, entry.object_id)
    if posting is None or posting.found_by is None or posting.found_by_id == actor_id(entry):
        return []
    title = {
        "posting.confirmed": f"{posting.organization.name}确认了需求「{posting.title}」，已提交审核",
        "posting.refused": f"{posting.organization.name}拒绝了需求「{posting.title}」",
        "posting.confirmed_by_staff": f"主管部门代{posting.organization.name}确认了需求「{posting.title}」",
    }[entry.action]
    return each(
        [posting.found_by],
        entry,
        KIND,
        title,
        entry.note,
        site_path("specialists.need", posting_id=posting.id),
    )


@rules.on("diagnosis.recorded")
def about_diagnosis(session: Session, entry: JournalEntry) -> list[Notification]:
    diagnosis = session.get(Diagnosis, entry.object_id)
    if diagnosis is None or diagnosis.grade is not Grade.NEEDS_WORK:
        return []
    posting = diagnosis.posting
    return each(
        users(session, posting.organization_id),
        entry,
        KIND,
        f"需求「{posting.title}」需要补充信息",
        f"{diagnosis.specialist.user.name}（{diagnosis.specialist.kind.label}）诊断：{diagnosis.missing}",
        site_path("postings.detail", posting_id=posting.id),
    )
