"""Who is told what about an agreement: each step, to the users of its parties and of the
organisation that recorded it — never to the one who took the step:

- recorded: the parties asked to confirm (verified ones on the platform);
- confirmed: everyone else, now awaiting the bureau's verification;
- verified (counted) or returned with the reason;
- changed after confirmation in what is counted (reconfirm): the party asked to confirm again,
  the others that it went back, and out of the count if it was counted;
- changed otherwise after verification or return (reopened): the party asked to confirm when it
  is theirs to confirm again, the others that it awaits the bureau again (out of the count if it
  was counted);
- deleted, with the reason (out of the count if it was counted);
- a party taken off the record, that it no longer is one.

Bureau staff who watch the queue are told when one awaits verification."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matchmaker.accounts.values import Role
from matchmaker.agreements.models import Agreement
from matchmaker.agreements.operations import confirmers
from matchmaker.agreements.values import AgreementStatus
from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import actor_id, each, staff_watching, users

OUT_OF_THE_COUNT = "（已退出统计，重新确认并核验后再计入）"


def linked_orgs(parties: object) -> set[int]:
    """The platform organisations among an agreement's parties as its journal entry lists them
    ("side:name:credit code:type:organisation id"; entries before the id was listed name none)."""
    found = set()
    for party in parties if isinstance(parties, list) else ():
        fields = str(party).split(":")
        if len(fields) >= 5 and fields[-1].isdigit():
            found.add(int(fields[-1]))
    return found


def _was_counted(entry: JournalEntry) -> bool:
    return (entry.changes or {}).get("status", [None])[0] == AgreementStatus.VERIFIED.value


@rules.on(
    "agreement.recorded",
    "agreement.edited",  # a party taken off the record is told
    "agreement.confirmed",
    "agreement.verified",
    "agreement.returned",
    "agreement.reconfirm",
    "agreement.reopened",
)
def about_agreement(session: Session, entry: JournalEntry) -> list[Notification]:
    agreement = session.get(Agreement, entry.object_id)
    if agreement is None or agreement.is_deleted:
        return []
    link = site_path("agreements.detail", agreement_id=agreement.id)
    name = f"协议「{agreement.title}」"
    actor = actor_id(entry)
    involved = agreement.party_org_ids | {agreement.recorded_org_id}
    everyone = [u for org in sorted(involved) for u in users(session, org, besides=actor)]
    asked = confirmers(agreement, session)
    told: list[Notification] = []
    action = entry.action
    if action == "agreement.recorded" and agreement.status is AgreementStatus.RECORDED:
        recorder = agreement.recorded_org.name
        told += each(
            [u for org in sorted(asked) for u in users(session, org, besides=actor)],
            entry,
            "agreement",
            f"{recorder}登记了{name}，请贵单位确认",
            "请核对协议各方、金额和证明材料；确认后由主管部门核验，计入全县计划指标。",
            link,
        )
    elif action == "agreement.confirmed":
        by = entry.actor.organization.name if entry.actor else "协议另一方"
        told += each(everyone, entry, "agreement", f"{name}已由{by}确认，等待主管部门核验", None, link)
    elif action == "agreement.verified":
        told += each(everyone, entry, "agreement", f"{name}已通过主管部门核验，计入统计", entry.note, link)
    elif action == "agreement.returned":
        told += each(
            everyone, entry, "agreement", f"{name}被主管部门退回补正", f"理由：{entry.note or ''}", link
        )
    elif action == "agreement.reconfirm":
        counted = OUT_OF_THE_COUNT if _was_counted(entry) else ""
        for user in everyone:
            if user.organization_id in asked:
                title = f"{name}有修改，请贵单位重新确认{counted}"
            else:
                title = f"{name}有修改，已退回协议另一方重新确认{counted}"
            told += each([user], entry, "agreement", title, entry.note, link)
    elif action == "agreement.reopened":
        counted = "（已退出统计，核验后再计入）" if _was_counted(entry) else ""
        for user in everyone:
            if agreement.status is AgreementStatus.RECORDED and user.organization_id in asked:
                title = f"{name}有修改，请贵单位确认"
            else:
                title = f"{name}有修改，等待主管部门重新核验{counted}"
            told += each([user], entry, "agreement", title, entry.note, link)
    before, after = (entry.changes or {}).get("parties") or ([], [])
    removed = linked_orgs(before) - linked_orgs(after) - involved
    if removed:  # a party taken off the record (perhaps the one that had confirmed it) is told
        told += each(
            [u for org in sorted(removed) for u in users(session, org, besides=actor)],
            entry,
            "agreement",
            f"贵单位已不再是{name}的一方",
            f"{agreement.recorded_org.name}修改了协议各方；如有异议，请联系主管部门。",
            site_path("agreements.index"),
        )
    awaiting = agreement.status is AgreementStatus.CONFIRMED or (
        agreement.status is AgreementStatus.RECORDED and not asked
    )
    if awaiting and action in (
        "agreement.recorded",
        "agreement.confirmed",
        "agreement.reconfirm",
        "agreement.reopened",
    ):
        told += each(
            staff_watching(session, besides=actor),
            entry,
            "queue",
            f"{name}等待核验",
            f"{agreement.recorded_org.name}登记，{agreement.signed_on.isoformat()}签订。",
            link,
        )
    return told


@rules.on("agreement.deleted")
def agreement_deleted(session: Session, entry: JournalEntry) -> list[Notification]:
    """The parties and the recorder (but the one who deleted it) are told it is gone, with the
    reason — out of the count if it was counted, no longer to confirm if it awaited them."""
    agreement = session.get(Agreement, entry.object_id)
    if agreement is None:
        return []
    actor = actor_id(entry)
    involved = agreement.party_org_ids | {agreement.recorded_org_id}
    counted = "，已退出统计" if agreement.status is AgreementStatus.VERIFIED else ""
    if entry.actor is None or entry.actor.role is Role.BUREAU:
        by = "主管部门"
    else:
        by = entry.actor.organization.name
    return each(
        [u for org in sorted(involved) for u in users(session, org, besides=actor)],
        entry,
        "agreement",
        f"协议「{agreement.title}」已被{by}删除{counted}",
        f"理由：{entry.note or agreement.delete_reason or ''}",
        site_path("agreements.detail", agreement_id=agreement.id),
    )
