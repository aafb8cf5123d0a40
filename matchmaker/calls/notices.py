"""Who is told what about 揭榜挂帅: bureau staff of a call awaiting approval; the enterprise of the
bureau's approval and of each proposal submitted; an invited university; every proposer of the
outcome (the selected one and the others, with the reason) or of a cancellation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.calls.models import CallProposal, ChallengeCall, ProposalStatus
from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import bureau_staff, each, users


@rules.on("call.proposed", "call.approved", "call.invited", "call.cancelled", "call.awarded")
def about_call(session: Session, entry: JournalEntry) -> list[Notification]:
    call = session.get(ChallengeCall, entry.object_id)
    if call is None:
        return []
    link = site_path("calls.detail", call_id=call.id)
    title_of = f"「{call.title}」"
    proposals = list(
        session.scalars(
            select(CallProposal).where(
                CallProposal.call_id == call.id, CallProposal.status != ProposalStatus.WITHDRAWN
            )
        )
    )
    if entry.action == "call.approved":
        return each(
            users(session, call.enterprise_id),
            entry,
            "call",
            f"榜单{title_of}已获批准，开始征集方案",
            None,
            link,
        )
    if entry.action == "call.proposed":
        return each(
            bureau_staff(session),
            entry,
            "call",
            f"{call.enterprise.name}提出榜单{title_of}，等待审批",
            call.problem[:300],
            link,
        )
    if entry.action == "call.invited":
        org_id = (entry.changes or {}).get("organization", [None, None])[1]
        return each(
            users(session, org_id),
            entry,
            "call",
            f"主管部门邀请贵单位揭榜{title_of}",
            f"{call.enterprise.name}发榜，榜额{call.budget.normalize():f}万元，{call.deadline.isoformat()}截止。",
            link,
        )
    if entry.action == "call.cancelled":
        told = [u for p in proposals for u in users(session, p.organization_id)]
        return each(told, entry, "call", f"榜单{title_of}已撤销", f"原因：{call.cancel_reason}", link)
    if entry.action == "call.awarded":
        made: list[Notification] = []
        chosen = next((p for p in proposals if p.status is ProposalStatus.SELECTED), None)
        winner = chosen.organization.name if chosen else ""
        for p in proposals:
            if p.status is ProposalStatus.SELECTED:
                title, body = (
                    f"贵单位的方案在{title_of}中入选（揭榜成功）",
                    f"入选理由：{call.selection_reason}",
                )
                target = site_path("pairings.detail", pairing_id=p.pairing_id) if p.pairing_id else link
            else:
                title = f"{title_of}揭榜结果：贵单位的方案未入选"
                body, target = f"入选单位：{winner}。理由：{call.selection_reason}", link
            made += each(users(session, p.organization_id), entry, "call", title, body, target)
        return made
    return []


@rules.on("proposal.submitted")
def about_proposal(session: Session, entry: JournalEntry) -> list[Notification]:
    """The calling enterprise is told of each proposal submitted to its call."""
    proposal = session.get(CallProposal, entry.object_id)
    if proposal is None:
        return []
    call = proposal.call
    return each(
        users(session, call.enterprise_id),
        entry,
        "call",
        f"{proposal.organization.name}对榜单「{call.title}」提交了方案",
        f"报价{proposal.price.normalize():f}万元；{call.deadline.isoformat()}截止后评审。",
        site_path("calls.proposal", call_id=call.id, proposal_id=proposal.id),
    )
