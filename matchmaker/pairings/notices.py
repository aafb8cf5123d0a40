"""Who is told what about a pairing: the other side of each step (an interest, an answer, a
message, progress), both sides of an introduction or a reminder, and bureau staff when the side
asked has nobody on the platform (居间对接)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matchmaker.accounts.values import Role
from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import bureau_staff, each, users
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState


@rules.on(
    "pairing.created",
    "pairing.introduced",
    "pairing.accepted",
    "pairing.declined",
    "pairing.message",
    "pairing.negotiating",
    "pairing.signed",
    "pairing.failed",
    "pairing.nudged",
)
def about_pairing(session: Session, entry: JournalEntry) -> list[Notification]:
    pairing = session.get(Pairing, entry.object_id)
    if pairing is None:
        return []
    title_of = f"「{pairing.target.title}」"
    link = site_path("pairings.detail", pairing_id=pairing.id)
    actor_org = entry.actor.organization_id if entry.actor else None
    action = entry.action
    if action == "pairing.created":
        receivers = users(session, pairing.target_org_id)
        if not receivers:  # 居间对接: nobody there can log in, so the bureau takes it up
            return each(
                bureau_staff(session),
                entry,
                "broker",
                f"居间对接：{pairing.initiator_org.name}对{pairing.target_org.name}的{title_of}表达了合作意向",
                f"{pairing.target_org.name}尚未开通平台账号。请联系该单位，代为答复或为其开通账号。"
                f"来意：{pairing.message[:250]}",
                link,
            )
        return each(
            receivers,
            entry,
            "interest",
            f"{pairing.initiator_org.name}对您的{title_of}表达了合作意向",
            pairing.message[:300],
            link,
        )
    if action == "pairing.introduced":
        who = "主管部门" if pairing.by_bureau else f"{pairing.initiator.name}（专员）"
        told = each(
            users(session, pairing.target_org_id),
            entry,
            "interest",
            f"{who}为您的{title_of}推荐了{pairing.initiator_org.name}",
            pairing.message[:300],
            link,
        )
        return told + each(
            users(session, pairing.initiator_org_id),
            entry,
            "interest",
            f"{who}把贵单位推荐给了{pairing.target_org.name}的{title_of}",
            pairing.message[:300],
            link,
        )
    by_staff = "主管部门代" if entry.actor is not None and entry.actor.role is Role.BUREAU else ""
    if action == "pairing.accepted":
        return each(
            users(session, pairing.initiator_org_id),
            entry,
            "answer",
            f"{by_staff}{pairing.target_org.name}接受了您对{title_of}的合作意向",
            "现在可以查看对方的联系方式，并在平台上继续沟通。",
            link,
        )
    if action == "pairing.declined":
        reason = pairing.decline_reason.label if pairing.decline_reason else ""
        return each(
            users(session, pairing.initiator_org_id),
            entry,
            "answer",
            f"{by_staff}{pairing.target_org.name}婉拒了您对{title_of}的合作意向",
            f"原因：{reason}" + (f"。{pairing.decline_note}" if pairing.decline_note else ""),
            link,
        )
    if action == "pairing.message":
        # bureau staff speaking in a 居间对接 pairing write to the side that asked
        other = pairing.target_org_id if actor_org == pairing.initiator_org_id else pairing.initiator_org_id
        sender = entry.actor.organization.name if entry.actor else "对方"
        told_users = users(session, other)
        if not told_users and other == pairing.target_org_id:  # 居间对接: the bureau reads for them
            return each(
                bureau_staff(session),
                entry,
                "broker",
                f"居间对接：{sender}在对接{title_of}中发来消息",
                entry.note,
                link,
            )
        return each(told_users, entry, "message", f"{sender}在对接{title_of}中发来消息", entry.note, link)
    if action in ("pairing.negotiating", "pairing.signed", "pairing.failed"):
        state = PairingState(entry.changes["state"][1]).label if entry.changes else pairing.state.label
        orgs = [o for o in pairing.party_org_ids() if o != actor_org]
        return each(
            [u for org in orgs for u in users(session, org)],
            entry,
            "progress",
            f"对接{title_of}进展：{state}",
            entry.note,
            link,
        )
    if action == "pairing.nudged":
        return each(
            [u for org in pairing.party_org_ids() for u in users(session, org)],
            entry,
            "nudge",
            f"主管部门提醒：对接{title_of}已有一段时间没有进展",
            entry.note or "请更新进展或在平台上留言。",
            link,
        )
    return []
