"""Notifications as a journal consumer, and the e-mail that carries them.

After a commit that wrote journal entries, this process reads the journal past the shared
"notifications" cursor (one row in consumer_cursors, taken with a lock so two machines never
notify twice) and turns each entry that concerns someone into notifications that say what happened
and link to it — in the same transaction that moves the cursor, so a crash loses or repeats none.
The user's request never waits on it and never fails because of it; e-mail is sent afterwards,
off the request, by the job worker (core/jobs.py), and a failing mail server only delays mail
(the daily run, a periodic job of the worker or ``send-digests``, retries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import Engine, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from matchmaker import policy, search
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType, Role
from matchmaker.core import clock, config, jobs, mail
from matchmaker.core.consumers import Cursor, unread
from matchmaker.core.extensions import db
from matchmaker.core.journal import WRITTEN, JournalEntry
from matchmaker.core.models import utcnow
from matchmaker.core.web import absolute, site_path
from matchmaker.notifications.models import ConsumerCursor, Notification
from matchmaker.notifications.values import EmailMode
from matchmaker.pairings.models import Pairing, ProposalMark
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.queries import SHOWN_MIN_STRENGTH  # a pair pages show counts as proposed
from matchmaker.postings.values import PostingStatus

NAME = "notifications"
DAILY = "daily-digests"  # a row in consumer_cursors: the day the daily run last ran (any machine)
CLAIM_WAIT_MS = 200  # right after a user's commit: how long to wait for another run to finish
STRONG = 60  # a new posting matching one's own this well is worth a notification
MAIL_WINDOW = timedelta(days=7)  # older notifications are never mailed (e.g. when SMTP is set up later)
MAX_MAIL_ATTEMPTS = 5
Make = Callable[[Session, JournalEntry], list[Notification]]


# --- who is told what ---------------------------------------------------------------------


def _users(session: Session, org_id: int | None, *, besides: int | None = None) -> list[User]:
    if org_id is None:
        return []
    stmt = select(User).where(User.organization_id == org_id, User.active.is_(True))
    return [u for u in session.scalars(stmt) if u.id != besides]


def _linked_orgs(parties: object) -> set[int]:
    """The platform organisations among an agreement's parties as its journal entry lists them
    ("side:name:credit code:type:organisation id"; entries before the id was listed name none)."""
    found = set()
    for party in parties if isinstance(parties, list) else ():
        fields = str(party).split(":")
        if len(fields) >= 5 and fields[-1].isdigit():
            found.add(int(fields[-1]))
    return found


def _each(
    users: Iterable[User], entry: JournalEntry, kind: str, title: str, body: str | None, link: str
) -> list[Notification]:
    return [
        Notification(user_id=u.id, kind=kind, title=title[:200], body=body, link=link, journal_id=entry.id)
        for u in users
    ]


def _pairing_link(pairing: Pairing) -> str:
    return site_path("pairings.detail", pairing_id=pairing.id)


def _about_pairing(session: Session, entry: JournalEntry) -> list[Notification]:
    pairing = session.get(Pairing, entry.object_id)
    if pairing is None:
        return []
    title_of = f"「{pairing.target.title}」"
    link = _pairing_link(pairing)
    actor_org = entry.actor.organization_id if entry.actor else None
    action = entry.action
    if action == "pairing.created":
        receivers = _users(session, pairing.target_org_id)
        if not receivers:  # 居间对接: nobody there can log in, so the bureau takes it up
            return _each(
                _bureau_staff(session),
                entry,
                "broker",
                f"居间对接：{pairing.initiator_org.name}对{pairing.target_org.name}的{title_of}表达了合作意向",
                f"{pairing.target_org.name}尚未开通平台账号。请联系该单位，代为答复或为其开通账号。"
                f"来意：{pairing.message[:250]}",
                link,
            )
        return _each(
            receivers,
            entry,
            "interest",
            f"{pairing.initiator_org.name}对您的{title_of}表达了合作意向",
            pairing.message[:300],
            link,
        )
    if action == "pairing.introduced":
        told = _each(
            _users(session, pairing.target_org_id),
            entry,
            "interest",
            f"主管部门为您的{title_of}推荐了{pairing.initiator_org.name}",
            pairing.message[:300],
            link,
        )
        return told + _each(
            _users(session, pairing.initiator_org_id),
            entry,
            "interest",
            f"主管部门把贵单位推荐给了{pairing.target_org.name}的{title_of}",
            pairing.message[:300],
            link,
        )
    by_staff = "主管部门代" if entry.actor is not None and entry.actor.role is Role.BUREAU else ""
    if action == "pairing.accepted":
        return _each(
            _users(session, pairing.initiator_org_id),
            entry,
            "answer",
            f"{by_staff}{pairing.target_org.name}接受了您对{title_of}的合作意向",
            "现在可以查看对方的联系方式，并在平台上继续沟通。",
            link,
        )
    if action == "pairing.declined":
        reason = pairing.decline_reason.label if pairing.decline_reason else ""
        return _each(
            _users(session, pairing.initiator_org_id),
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
        told = _users(session, other)
        if not told and other == pairing.target_org_id:  # 居间对接: the bureau reads for them
            return _each(
                _bureau_staff(session),
                entry,
                "broker",
                f"居间对接：{sender}在对接{title_of}中发来消息",
                entry.note,
                link,
            )
        return _each(told, entry, "message", f"{sender}在对接{title_of}中发来消息", entry.note, link)
    if action in ("pairing.negotiating", "pairing.signed", "pairing.failed"):
        state = PairingState(entry.changes["state"][1]).label if entry.changes else pairing.state.label
        told = [o for o in pairing.party_org_ids() if o != actor_org]
        users = [u for org in told for u in _users(session, org)]
        return _each(users, entry, "progress", f"对接{title_of}进展：{state}", entry.note, link)
    if action == "pairing.nudged":
        users = [u for org in pairing.party_org_ids() for u in _users(session, org)]
        return _each(
            users,
            entry,
            "nudge",
            f"主管部门提醒：对接{title_of}已有一段时间没有进展",
            entry.note or "请更新进展或在平台上留言。",
            link,
        )
    return []


def _about_posting(session: Session, entry: JournalEntry) -> list[Notification]:
    posting = session.get(Posting, entry.object_id)
    if posting is None:
        return []
    link = site_path("postings.detail", posting_id=posting.id)
    owners = _users(session, posting.organization_id)
    told: list[Notification] = []
    if entry.action == "posting.returned":
        return _each(owners, entry, "review", f"您的「{posting.title}」被退回修改", entry.note, link)
    if entry.action == "posting.published" and posting.status is PostingStatus.PUBLISHED:
        strong = _strong_counterparts(session, posting)
        extra = f"平台已找到 {len(strong)} 条高匹配的信息，可在信息页面查看。" if strong else None
        told += _each(owners, entry, "review", f"您的「{posting.title}」已审核通过并发布", extra, link)
        for other, strength in strong:
            for user in _users(session, other.organization_id):
                if policy.may(user, "posting.view", posting):
                    told.append(
                        Notification(
                            user_id=user.id,
                            kind="proposal",
                            journal_id=entry.id,
                            link=link,
                            title=f"新发布的「{posting.title}」与您的「{other.title}」匹配度 {strength}"[
                                :200
                            ],
                            body=f"{posting.organization.name} · {posting.kind.label}",
                        )
                    )
    return told


def _strong_counterparts(session: Session, posting: Posting) -> list[tuple[Posting, int]]:
    """Published postings of others this new posting matches strongly (what the index proposes).
    On the way, marks the posting and every counterpart shown to it as proposed (the dashboard's
    funnel: 获得推荐)."""
    try:
        candidates = search.propose(posting)
    except search.SearchUnavailable:
        return []
    shown = [c.posting_id for c in candidates if c.strength >= SHOWN_MIN_STRENGTH]
    if shown:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        now = utcnow()
        session.execute(
            dialect.insert(ProposalMark)
            .values([{"posting_id": pid, "first_at": now} for pid in [posting.id, *shown]])
            .on_conflict_do_nothing()
        )
    found = [c for c in candidates if c.strength >= STRONG]
    others = {
        p.id: p
        for p in session.scalars(
            select(Posting).where(
                Posting.id.in_([c.posting_id for c in found]), Posting.status == PostingStatus.PUBLISHED
            )
        )
    }
    return [(others[c.posting_id], c.strength) for c in found if c.posting_id in others]


def _about_user(session: Session, entry: JournalEntry) -> list[Notification]:
    user = session.get(User, entry.object_id) if entry.object_id else None
    if user is None:
        return []
    link = site_path("auth.account")
    texts = {
        "user.locked": ("您的账号因多次密码错误被临时锁定", entry.note),
        "user.password_changed": ("您的密码已修改", "如果不是您本人操作，请立即联系主管部门。"),
        "user.password_reset": ("您的密码已通过重置链接修改", "如果不是您本人操作，请立即联系主管部门。"),
    }
    if entry.action not in texts:
        return []
    title, body = texts[entry.action]
    return _each([user], entry, "account", title, body, link)


def _about_event(session: Session, entry: JournalEntry) -> list[Notification]:
    """对接活动: an invited organisation; the participant asked for a meeting; every participant when
    the schedule is built, the event changes or is cancelled; both sides of a meeting moved by hand."""
    from matchmaker.events.models import Event, EventRegistration

    event = session.get(Event, entry.object_id)
    if event is None:
        return []
    link = site_path("events.detail", event_id=event.id)
    name = f"「{event.title}」"
    changes = entry.changes or {}

    def new(key: str) -> object:
        return (changes.get(key) or [None, None])[1]

    def participants() -> list[User]:
        orgs = session.scalars(
            select(EventRegistration.organization_id).where(
                EventRegistration.event_id == event.id, EventRegistration.cancelled_at.is_(None)
            )
        )
        return [u for org in orgs for u in _users(session, org)]

    action = entry.action
    if action == "event.invited":
        when = f"{event.held_on:%Y-%m-%d}，{event.place or '线上'}；报名截止 {event.registration_deadline:%Y-%m-%d}"
        body = when + (f"。推荐理由：{entry.note}" if entry.note else "")
        return _each(
            _users(session, new("organization")), entry, "event", f"邀请贵单位参加{name}", body, link
        )
    if action == "event.meeting_requested":
        asker = session.get(Organization, new("from"))
        who = asker.name if asker else "参会单位"
        return _each(
            _users(session, new("to")), entry, "event", f"{who}希望在{name}中与贵单位洽谈", entry.note, link
        )
    if action == "event.scheduled":
        return _each(
            participants(),
            entry,
            "event",
            f"{name}的洽谈日程已排定",
            "请在活动页查看贵单位的洽谈时段和桌号。",
            link,
        )
    if action in ("event.meeting_moved", "event.meeting_removed", "event.meeting_added"):
        orgs = new("orgs") or []
        users = [u for org in orgs for u in _users(session, org)]  # type: ignore[attr-defined]
        return _each(users, entry, "event", f"{name}的洽谈日程有调整", entry.note, link)
    if action == "event.cancelled":
        return _each(participants(), entry, "event", f"{name}已取消", entry.note, link)
    if action == "event.updated" and changes.keys() & {
        "held_on",
        "place",
        "link",
        "first_slot",
        "slot_minutes",
    }:
        return _each(
            participants(), entry, "event", f"{name}的时间或地点有变更", "请在活动页查看最新安排。", link
        )
    return []


def _about_call(session: Session, entry: JournalEntry) -> list[Notification]:
    """揭榜挂帅: the enterprise told of the bureau's approval; every proposer of the outcome (the
    selected one and the others, with the reason) or of a cancellation; an invited university."""
    from matchmaker.calls.models import CallProposal, ChallengeCall, ProposalStatus

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
        return _each(
            _users(session, call.enterprise_id),
            entry,
            "call",
            f"榜单{title_of}已获批准，开始征集方案",
            None,
            link,
        )
    if entry.action == "call.proposed":
        staff = session.scalars(
            select(User)
            .join(Organization, User.organization_id == Organization.id)
            .where(Organization.type == OrgType.BUREAU, User.active.is_(True))
        )
        return _each(
            staff,
            entry,
            "call",
            f"{call.enterprise.name}提出榜单{title_of}，等待审批",
            call.problem[:300],
            link,
        )
    if entry.action == "call.invited":
        org_id = (entry.changes or {}).get("organization", [None, None])[1]
        return _each(
            _users(session, org_id),
            entry,
            "call",
            f"主管部门邀请贵单位揭榜{title_of}",
            f"{call.enterprise.name}发榜，榜额{call.budget.normalize():f}万元，{call.deadline.isoformat()}截止。",
            link,
        )
    if entry.action == "call.cancelled":
        users = [u for p in proposals for u in _users(session, p.organization_id)]
        return _each(users, entry, "call", f"榜单{title_of}已撤销", f"原因：{call.cancel_reason}", link)
    if entry.action == "call.awarded":
        told: list[Notification] = []
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
            told += _each(_users(session, p.organization_id), entry, "call", title, body, target)
        return told
    return []


def _about_proposal(session: Session, entry: JournalEntry) -> list[Notification]:
    """揭榜挂帅: the calling enterprise is told of each proposal submitted to its call."""
    from matchmaker.calls.models import CallProposal

    proposal = session.get(CallProposal, entry.object_id)
    if proposal is None or entry.action != "proposal.submitted":
        return []
    call = proposal.call
    return _each(
        _users(session, call.enterprise_id),
        entry,
        "call",
        f"{proposal.organization.name}对榜单「{call.title}」提交了方案",
        f"报价{proposal.price.normalize():f}万元；{call.deadline.isoformat()}截止后评审。",
        site_path("calls.proposal", call_id=call.id, proposal_id=proposal.id),
    )


def _bureau_staff(session: Session) -> list[User]:
    """Every active bureau user (for what must reach someone: 居间对接, calls awaiting approval)."""
    return list(
        session.scalars(
            select(User)
            .join(Organization, User.organization_id == Organization.id)
            .where(Organization.type == OrgType.BUREAU, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _staff_watching(session: Session, *, besides: int | None = None) -> list[User]:
    """Active bureau staff who asked (under 我的账号) to be told of new items in their queues."""
    stmt = (
        select(User)
        .join(Organization, User.organization_id == Organization.id)
        .where(Organization.type == OrgType.BUREAU, User.active.is_(True), User.notify_queues.is_(True))
        .order_by(User.id)
    )
    return [u for u in session.scalars(stmt) if u.id != besides]


def _about_agreement(session: Session, entry: JournalEntry) -> list[Notification]:
    """Each step of an agreement, to the users of its parties and of the organisation that recorded
    it (never to the one who took the step): awaiting one's confirmation, confirmed, verified,
    returned with the reason, sent back for confirmation after a change to what is counted. Staff
    who watch the queue are told when one awaits verification."""
    from matchmaker.agreements.models import Agreement
    from matchmaker.agreements.operations import confirmers
    from matchmaker.agreements.values import AgreementStatus

    agreement = session.get(Agreement, entry.object_id)
    if agreement is None or agreement.is_deleted:
        return []
    link = site_path("agreements.detail", agreement_id=agreement.id)
    name = f"协议「{agreement.title}」"
    actor_id = entry.actor.id if entry.actor else None
    involved = agreement.party_org_ids | {agreement.recorded_org_id}
    everyone = [u for org in sorted(involved) for u in _users(session, org, besides=actor_id)]
    asked = confirmers(agreement, session)
    told: list[Notification] = []
    action = entry.action
    if action == "agreement.recorded" and agreement.status is AgreementStatus.RECORDED:
        recorder = agreement.recorded_org.name
        told += _each(
            [u for org in sorted(asked) for u in _users(session, org, besides=actor_id)],
            entry,
            "agreement",
            f"{recorder}登记了{name}，请贵单位确认",
            "请核对协议各方、金额和证明材料；确认后由主管部门核验，计入全县计划指标。",
            link,
        )
    elif action == "agreement.confirmed":
        by = entry.actor.organization.name if entry.actor else "协议另一方"
        told += _each(everyone, entry, "agreement", f"{name}已由{by}确认，等待主管部门核验", None, link)
    elif action == "agreement.verified":
        told += _each(everyone, entry, "agreement", f"{name}已通过主管部门核验，计入统计", entry.note, link)
    elif action == "agreement.returned":
        told += _each(
            everyone, entry, "agreement", f"{name}被主管部门退回补正", f"理由：{entry.note or ''}", link
        )
    elif action == "agreement.reconfirm":
        counted = (
            "（已退出统计，重新确认并核验后再计入）"
            if (entry.changes or {}).get("status", [None])[0] == AgreementStatus.VERIFIED.value
            else ""
        )
        for user in everyone:
            if user.organization_id in asked:
                title = f"{name}有修改，请贵单位重新确认{counted}"
            else:
                title = f"{name}有修改，已退回协议另一方重新确认{counted}"
            told += _each([user], entry, "agreement", title, entry.note, link)
    before, after = (entry.changes or {}).get("parties") or ([], [])
    removed = _linked_orgs(before) - _linked_orgs(after) - involved
    if removed:  # a party taken off the record (perhaps the one that had confirmed it) is told
        told += _each(
            [u for org in sorted(removed) for u in _users(session, org, besides=actor_id)],
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
        told += _each(
            _staff_watching(session, besides=actor_id),
            entry,
            "queue",
            f"{name}等待核验",
            f"{agreement.recorded_org.name}登记，{agreement.signed_on.isoformat()}签订。",
            link,
        )
    return told


def _about_organization(session: Session, entry: JournalEntry) -> list[Notification]:
    """An organisation verified or refused (with the reason), to its users; a new or renewed
    application, to the staff who watch the verification queue."""
    org = session.get(Organization, entry.object_id)
    if org is None:
        return []
    actor_id = entry.actor.id if entry.actor else None
    if entry.action == "organization.verified":
        return _each(
            _users(session, org.id, besides=actor_id),
            entry,
            "account",
            f"贵单位“{org.name}”已通过主管部门认证",
            "现在可以发布信息、表达合作意向、登记和确认协议。",
            site_path("auth.organization"),
        )
    if entry.action == "organization.rejected":
        return _each(
            _users(session, org.id, besides=actor_id),
            entry,
            "account",
            f"贵单位“{org.name}”的认证申请未通过",
            f"理由：{entry.note or ''}。修改单位信息后可重新申请认证。",
            site_path("auth.organization"),
        )
    status = (entry.changes or {}).get("status") or [None, None]
    if entry.action == "organization.updated" and status[1] == OrgStatus.PENDING.value:
        return _each(  # a verified organisation changed its name or credit code: checked again
            _staff_watching(session, besides=actor_id),
            entry,
            "queue",
            f"{org.name}变更了单位名称或统一社会信用代码，等待重新认证",
            f"{org.type.label} · 统一社会信用代码 {org.credit_code or '—'}",
            site_path("review.organization", org_id=org.id),
        )
    if entry.action in ("organization.registered", "organization.resubmitted"):
        again = "重新" if entry.action == "organization.resubmitted" else ""
        return _each(
            _staff_watching(session, besides=actor_id),
            entry,
            "queue",
            f"{org.name}{again}申请认证，等待审核",
            f"{org.type.label} · 统一社会信用代码 {org.credit_code or '—'}",
            site_path("review.organization", org_id=org.id),
        )
    return []


def _posting_submitted(session: Session, entry: JournalEntry) -> list[Notification]:
    """A posting submitted for review, to the staff who watch the review queue."""
    posting = session.get(Posting, entry.object_id)
    if posting is None or posting.status is not PostingStatus.PENDING:
        return []
    return _each(
        _staff_watching(session, besides=entry.actor.id if entry.actor else None),
        entry,
        "queue",
        f"「{posting.title}」提交审核",
        f"{posting.organization.name} · {posting.kind.label}",
        site_path("review.posting", posting_id=posting.id),
    )


HANDLERS: dict[str, Make] = {
    **{
        a: _about_agreement
        for a in (
            "agreement.recorded",
            "agreement.edited",  # a party taken off the record is told
            "agreement.confirmed",
            "agreement.verified",
            "agreement.returned",
            "agreement.reconfirm",
            "agreement.reopened",
        )
    },
    **{
        a: _about_organization
        for a in (
            "organization.verified",
            "organization.rejected",
            "organization.registered",
            "organization.resubmitted",
            "organization.updated",
        )
    },
    "posting.submitted": _posting_submitted,
    **{
        a: _about_call
        for a in ("call.proposed", "call.approved", "call.invited", "call.cancelled", "call.awarded")
    },
    "proposal.submitted": _about_proposal,
    **{
        a: _about_pairing
        for a in (
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
    },
    # Not "posting.imported": a bulk intake of hundreds of postings would flood every counterpart
    # with proposal notices (and hold the import up); imported postings are found on 为我推荐.
    **{a: _about_posting for a in ("posting.published", "posting.returned")},
    **{a: _about_user for a in ("user.locked", "user.password_changed", "user.password_reset")},
    **{
        a: _about_event
        for a in (
            "event.invited",
            "event.meeting_requested",
            "event.scheduled",
            "event.meeting_moved",
            "event.meeting_removed",
            "event.meeting_added",
            "event.cancelled",
            "event.updated",
        )
    },
}


# --- the consumer -------------------------------------------------------------------------


def _claim(session: Session, *, wait: bool = False, name: str = NAME) -> ConsumerCursor | None:
    """This consumer's cursor row, locked for this transaction; None if another process has it
    (unless told to wait for it)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(ConsumerCursor).values(name=name, state={}, updated_at=utcnow()).on_conflict_do_nothing()
    )
    if dialect == "postgresql":
        return session.scalar(
            select(ConsumerCursor).where(ConsumerCursor.name == name).with_for_update(skip_locked=not wait)
        )
    session.execute(update(ConsumerCursor).where(ConsumerCursor.name == name).values(updated_at=utcnow()))
    return session.get(ConsumerCursor, name)  # the UPDATE took SQLite's write lock


def run(bind: Engine, *, patient: bool = False) -> int:
    """Turn unread journal entries into notifications; returns how many were made.

    Impatient (the default, used right after a user's commit) it gives up at once when another
    process holds the cursor; patient it waits its turn. See ``consume`` for telling the two apart."""
    return consume(bind, patient=patient) or 0


def consume(bind: Engine, *, patient: bool = False) -> int | None:
    """Like ``run``, but None when the cursor was taken by someone else and nothing was read."""
    with Session(bind) as session:
        impatient_sqlite = bind.dialect.name == "sqlite" and not patient
        if impatient_sqlite:  # give up at once if another process is at it
            session.connection().exec_driver_sql(f"PRAGMA busy_timeout={CLAIM_WAIT_MS}")
        try:
            return _consume(session, patient=patient)
        finally:
            if impatient_sqlite:  # the pooled connection goes back with its usual patience
                session.rollback()
                busy_ms = (current_app.config if has_app_context() else vars(config))[
                    "SQLITE_BUSY_TIMEOUT_MS"
                ]
                session.connection().exec_driver_sql(f"PRAGMA busy_timeout={int(busy_ms)}")


def _consume(session: Session, *, patient: bool) -> int | None:
    try:
        row = _claim(session, wait=patient)
    except OperationalError:
        return None
    if row is None:
        return None
    made = 0
    cursor = Cursor.from_json(row.state or {})  # the migration starts it at the journal's end
    for changes in unread(session.get_bind(), cursor):
        wanted = [c.id for c in changes if c.action in HANDLERS]
        if wanted:
            for entry in session.scalars(
                select(JournalEntry).where(JournalEntry.id.in_(wanted)).order_by(JournalEntry.id)
            ):
                for notification in HANDLERS[entry.action](session, entry):
                    session.add(notification)
                    made += 1
        cursor.advance([c.id for c in changes])
    cursor.advance([])
    row.state = cursor.to_json()
    session.commit()
    return made


def _after_commit(session: Session) -> None:
    if (
        not session.info.pop(WRITTEN, False)
        or not has_app_context()
        or not current_app.config.get("NOTIFY_AFTER_COMMIT", True)
    ):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        made = consume(session.get_bind())
    except Exception:  # the user's change is committed; the journal keeps it for the next run
        app.logger.exception("notifications deferred")
        made = None
    if made is None:
        # Someone else had the cursor (a mail being claimed, another worker's run) and may have read
        # the journal before this change was committed: catch up off the request, waiting our turn,
        # rather than leave the notice to the next change or to tomorrow's daily run.
        deliver_in_background(catch_up=True)
    elif made and mail.configured():
        deliver_in_background()


def init_app(app: Flask) -> None:
    """Run the consumer after each commit that journaled something (registered once)."""
    if not getattr(init_app, "registered", False):
        event.listen(Session, "after_commit", _after_commit)
        init_app.registered = True  # type: ignore[attr-defined]


# --- e-mail ------------------------------------------------------------------------------


def _claim_mail(notification_id: int, attempts: int) -> bool:
    """Take one notification for sending: marked as mailed before the send, so that no other
    thread or machine can take it while it is in flight (a failed send hands it back). At most once
    beats twice: a process killed mid-send leaves it marked."""
    taken = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.emailed_at.is_(None),
            Notification.mail_attempts == attempts,
        )
        .values(mail_attempts=attempts + 1, emailed_at=utcnow())
    )
    db.session.commit()
    return bool(taken.rowcount)


def _hand_back(notification_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.id == notification_id).values(emailed_at=None))
    db.session.commit()


def _text(n: Notification) -> str:
    return f"{n.title}\n{n.body or ''}\n{absolute(n.link)}\n".replace("\n\n", "\n")


def deliver_immediate(now: datetime | None = None) -> int:
    """Mail every recent, unmailed notification of users who want mail at once."""
    if not mail.configured():
        return 0
    now = now or utcnow()
    pending = db.session.scalars(
        select(Notification)
        .join(User, Notification.user_id == User.id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at > now - MAIL_WINDOW,
            Notification.mail_attempts < MAX_MAIL_ATTEMPTS,
            (User.email_mode == EmailMode.IMMEDIATE.value) | (Notification.kind == "account"),
        )
        .order_by(Notification.id)
    ).all()
    sent = 0
    for notification in pending:
        if not _claim_mail(notification.id, notification.mail_attempts):
            continue
        try:
            mail.send(
                notification.user.email,
                f"【{current_app.config['SITE_NAME']}】{notification.title}",
                _text(notification),
            )
        except mail.MailError:
            current_app.logger.warning("mail to user %s failed; will retry", notification.user_id)
            _hand_back(notification.id)
            continue
        except Exception:  # one notice that cannot be mailed never stops the others
            current_app.logger.exception("mail of notification %s failed; handed back", notification.id)
            db.session.rollback()
            _hand_back(notification.id)
            continue
        sent += 1
    return sent


def deliver_in_background(*, catch_up: bool = False) -> None:
    """Mail what is due, on the job worker; first, if asked, make the notifications a contended
    after-commit run had to leave. A burst of commits queues a burst of small jobs, run one after
    another by the worker's few threads: connections in use stay bounded by those threads."""
    jobs.enqueue("notifications.deliver", catch_up=catch_up)


@jobs.task("notifications.deliver")
def _deliver_job(catch_up: bool = False) -> None:
    try:
        if catch_up:
            run(db.engine, patient=True)
    except Exception:
        current_app.logger.exception("notifications deferred")
    deliver_immediate()


def daily(now: datetime | None = None) -> tuple[int, int, int | None]:
    """The daily run: notifications a run left, expiry reminders, digests and mail retries;
    returns (notifications made, reminders, digests sent — None without mail)."""
    made = run(db.engine)
    reminded = remind_expiring()
    db.session.commit()
    if not mail.configured():
        return made, reminded, None
    return made, reminded, send_digests(now)


def _due_daily(now: datetime) -> bool:
    """Once a day at DIGEST_HOUR, site time (``now`` is the worker's clock, in UTC)."""
    local = clock.local(now)
    return local.hour == int(current_app.config.get("DIGEST_HOUR", 7)) and local.minute == 0


@jobs.periodic("notifications.daily", when=_due_daily)
def _daily_job() -> None:
    """The worker's daily run; on several machines (each with its worker) one of them does it."""
    today = clock.today().isoformat()
    with Session(db.engine) as session:
        row = _claim(session, wait=True, name=DAILY)
        if row is None or (row.state or {}).get("day") == today:
            return
        row.state = {"day": today}
        session.commit()
    made, reminded, sent = daily()
    current_app.logger.info("daily run: %s notifications, %s reminders, %s digests", made, reminded, sent)


def send_digests(now: datetime | None = None) -> int:
    """One mail per user who wants a daily digest, with everything not yet mailed; returns how
    many mails went out. Also retries immediate mails that failed."""
    if not mail.configured():
        return 0
    now = now or utcnow()
    deliver_immediate(now)
    sent = 0
    users = db.session.scalars(
        select(User).where(User.active.is_(True), User.email_mode == EmailMode.DAILY.value)
    ).all()
    for user in users:
        items = db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.emailed_at.is_(None),
                Notification.created_at > now - MAIL_WINDOW,
            )
            .order_by(Notification.id)
        ).all()
        if not items:
            continue
        body = (
            "\n".join(f"· {n.title}\n  {absolute(n.link)}" for n in items)
            + f"\n\n共 {len(items)} 条。登录平台查看全部通知。\n"
        )
        try:
            mail.send(user.email, f"【{current_app.config['SITE_NAME']}】今日通知（{len(items)} 条）", body)
        except mail.MailError:
            current_app.logger.warning("digest to user %s failed; will retry", user.id)
            continue
        except Exception:  # one user's digest that cannot be built never stops the others'
            current_app.logger.exception("digest to user %s failed; will retry", user.id)
            db.session.rollback()
            continue
        for n in items:
            n.emailed_at = now
        user.last_digest_at = now
        db.session.commit()
        sent += 1
    return sent


# --- reminders, reading -------------------------------------------------------------------


def remind_expiring(today: date | None = None, days: int = 14) -> int:
    """A notification (once per posting and date) for published postings expiring within ``days``."""
    today = today or clock.today()
    made = 0
    postings = db.session.scalars(
        select(Posting).where(
            Posting.status == PostingStatus.PUBLISHED,
            Posting.valid_until.isnot(None),
            Posting.valid_until >= today,
            Posting.valid_until <= today + timedelta(days=days),
        )
    ).all()
    for posting in postings:
        key = f"expiring:{posting.id}:{posting.valid_until.isoformat()}"
        for user in _users(db.session, posting.organization_id):
            already = db.session.scalar(
                select(Notification.id).where(
                    Notification.user_id == user.id,
                    Notification.kind == "expiring",
                    Notification.dedupe_key == key,
                )
            )
            if already is None:
                db.session.add(
                    Notification(
                        user_id=user.id,
                        kind="expiring",
                        dedupe_key=key,
                        title=f"您的「{posting.title}」将于 {posting.valid_until.isoformat()} 到期",
                        body="到期后将不再出现在列表和推荐中。如仍有需要，可在信息页面一键延长有效期。",
                        link=site_path("postings.detail", posting_id=posting.id),
                    )
                )
                made += 1
    db.session.flush()
    return made


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(db.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0
