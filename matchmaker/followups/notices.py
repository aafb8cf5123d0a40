"""Who is told what about follow-ups: the side asked (its users), when a question is asked; the
specialists assigned to that side (open assignments), once, when it stays unanswered past the
answer window. Both as 对接进展 notices (the notification kinds the API already lists)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.accounts.models import User
from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.followups.models import FollowUp
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import each, users
from matchmaker.specialists.models import Assignment, Specialist


def _specialists(session: Session, org_id: int) -> list[User]:
    """The active users of the specialists currently assigned to ``org_id``."""
    return list(
        session.scalars(
            select(User)
            .join(Specialist, Specialist.user_id == User.id)
            .join(Assignment, Assignment.specialist_id == Specialist.id)
            .where(
                Assignment.organization_id == org_id,
                Assignment.ended_at.is_(None),
                Specialist.ended_at.is_(None),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


@rules.on("followup.asked", "followup.overdue")
def about_followup(session: Session, entry: JournalEntry) -> list[Notification]:
    followup = session.get(FollowUp, entry.object_id)
    if followup is None:
        return []
    pairing = followup.pairing
    other = pairing.other_org(followup.organization_id).name
    link = site_path("followups.detail", followup_id=followup.id)
    if entry.action == "followup.asked":
        if followup.answer is not None:  # answered before the notice was made
            return []
        return each(
            users(session, followup.organization_id),
            entry,
            "progress",
            f"回访：贵单位与{other}的对接进展如何？",
            f"对接「{pairing.target.title}」已{followup.months}个月。请选择仍在洽谈、已签约、暂无进展或已终止，"
            "只需一步；已签约的可直接登记协议。",
            link,
        )
    if followup.answer is not None:
        return []
    return each(
        _specialists(session, followup.organization_id),
        entry,
        "progress",
        f"回访逾期未答：{followup.organization.name}",
        f"{followup.organization.name}与{other}的对接「{pairing.target.title}」的{followup.months}个月回访"
        f"于 {followup.asked_on:%Y-%m-%d} 发出，至今未回答。请联系企业了解进展。",
        link,
    )
