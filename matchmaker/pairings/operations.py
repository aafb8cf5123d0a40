"""The pipeline: expressing interest, answering it, moving a pairing on, talking in it, and bureau
staff introducing two postings or nudging a pair that has stalled. Every function takes the actor,
asks the policy, and leaves its journal entry (the notifications consumer reads those)."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from matchmaker import policy
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.core.database import flush_once
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.core.models import utcnow
from matchmaker.pairings.models import Pairing, PairingMessage, PairingRead, ProposalMark
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingStatus

MAX_MESSAGE = 2000
MAX_INTEREST = 1000


def _text(text: str | None, field: str, limit: int, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise FieldError(field, "请写几句话说明来意，例如能解决对方哪一点、希望怎样合作。")
    if len(text) > limit:
        raise FieldError(field, f"最多{limit}个字（现有{len(text)}个字）。")
    return text


def existing(target: Posting, org_id: int) -> Pairing | None:
    return db.session.scalar(
        select(Pairing).where(Pairing.target_id == target.id, Pairing.initiator_org_id == org_id)
    )


def found_by(*postings: Posting | None) -> int | None:
    """Who found the need a pairing is about (``Posting.found_by_id`` of whichever of its postings is
    a need — a specialist who wrote it down on a visit): every door that creates a pairing (interest,
    牵线, a call's award, the API) records it on the pairing, so results per specialist follow the
    lineage need → pairing → agreement (specialists/results.py)."""
    for posting in postings:
        if posting is not None and posting.kind.is_need and posting.found_by_id is not None:
            return posting.found_by_id
    return None


def express_interest(
    target: Posting,
    message: str,
    *,
    actor: User,
    own_posting: Posting | None = None,
    share_confidential: bool = False,
) -> Pairing:
    """The actor's organisation shows interest in ``target``, optionally answering it with one of
    its own published postings ("our outcome X answers your need")."""
    policy.require(actor, "posting.express_interest", target)
    text = _text(message, "message", MAX_INTEREST, required=True)
    if own_posting is not None and (
        not policy.owns(actor, own_posting) or own_posting.status is not PostingStatus.PUBLISHED
    ):
        raise FieldError("own_posting", "只能附上本单位已发布的信息。")
    if existing(target, actor.organization_id) is not None:
        raise FieldError("message", "贵单位已对这条信息表达过意向，请在“我的对接”中查看进展。")
    pairing = Pairing(
        target=target,
        target_org_id=target.organization_id,
        initiator_org_id=actor.organization_id,
        initiator=actor,
        own_posting=own_posting,
        message=text,
        share_initiator_confidential=share_confidential and own_posting is not None,
        found_by_id=found_by(target, own_posting),
    )
    db.session.add(pairing)
    record(
        "pairing.created",
        pairing,
        actor=actor,
        changes={
            "state": [None, PairingState.INTERESTED.value],
            "target": [None, target.id],
            "own_posting": [None, own_posting.id if own_posting else None],
        },
        note=text,
    )
    flush_once("贵单位刚刚已对这条信息表达过意向（可能是同事同时提交），请在“我的对接”中查看进展。")
    return pairing


def introduce(target: Posting, other: Posting, message: str, *, actor: User) -> Pairing:
    """Bureau staff introduce ``other``'s organisation to ``target`` (marked as their doing) — the
    only way to reach a posting visible to the bureau alone. The owner of ``target`` answers. A
    specialist introduces for an enterprise it serves (either side): the pairing records it as
    its broker (``brokered_by_id``), whoever employs it."""
    brokers = policy.may(actor, "pairing.broker", target) or policy.may(actor, "pairing.broker", other)
    if not brokers:
        policy.require(actor, "pairing.introduce")
    text = _text(message, "message", MAX_INTEREST, required=True)
    if target.organization_id == other.organization_id:
        raise FieldError("other", "不能为同一单位的两条信息牵线。")
    for posting in (target, other):
        if posting.status is not PostingStatus.PUBLISHED:
            raise FieldError("other", f"“{posting.title}”尚未发布，不能牵线。")
    if existing(target, other.organization_id) is not None:
        raise FieldError("other", "这两家单位已就这条信息对接过。")
    pairing = Pairing(
        target=target,
        target_org_id=target.organization_id,
        initiator_org_id=other.organization_id,
        initiator=actor,
        own_posting=other,
        by_bureau=policy.is_bureau(actor),
        brokered_by_id=actor.id if brokers else None,
        message=text,
        found_by_id=found_by(target, other),
    )
    db.session.add(pairing)
    record(
        "pairing.introduced",
        pairing,
        actor=actor,
        changes={
            "state": [None, PairingState.INTERESTED.value],
            "target": [None, target.id],
            "own_posting": [None, other.id],
        },
        note=text,
    )
    db.session.flush()
    return pairing


def accept(pairing: Pairing, *, actor: User, share_confidential: bool = False) -> None:
    policy.require(actor, "pairing.answer", pairing)
    pairing.accept(actor, share_confidential=share_confidential)
    db.session.flush()


def decline(pairing: Pairing, reason: DeclineReason, note: str | None = None, *, actor: User) -> None:
    policy.require(actor, "pairing.answer", pairing)
    pairing.decline(actor, reason, _text(note, "note", MAX_INTEREST, required=False) or None)
    db.session.flush()


SIGN_BY_AGREEMENT = "“已签约”由登记协议产生：请在对接页点击“登记签订的协议”，协议登记后对接自动变为已签约。"


def advance(pairing: Pairing, to: PairingState, reason: str | None = None, *, actor: User) -> None:
    """洽谈中 or 未成功 by hand; 已签约 only by recording the agreement (``sign``)."""
    policy.require(actor, "pairing.advance", pairing)
    if to is PairingState.SIGNED:
        raise InvalidTransition(SIGN_BY_AGREEMENT)
    pairing.advance(to, actor, _text(reason, "reason", MAX_INTEREST, required=False) or None)
    db.session.flush()


def sign(pairing: Pairing, note: str, *, actor: User) -> None:
    """已签约: only ``agreements.record_agreement`` calls this, in the transaction that records the
    agreement, so that a signed pairing always has its agreement (已签约 means an agreement)."""
    policy.require(actor, "pairing.advance", pairing)
    pairing.advance(PairingState.SIGNED, actor, note)
    db.session.flush()


def post_message(pairing: Pairing, text: str, *, actor: User) -> PairingMessage:
    """A message in the pairing's thread (plain text; shown escaped)."""
    policy.require(actor, "pairing.message", pairing)
    if pairing.state is PairingState.DECLINED:
        raise InvalidTransition("对方已婉拒，不能继续发送消息。")
    body = _text(text, "text", MAX_MESSAGE, required=True)
    message = PairingMessage(pairing=pairing, author=actor, author_org_id=actor.organization_id, text=body)
    db.session.add(message)
    _note_activity(pairing)
    record("pairing.message", pairing, actor=actor, note=body[:200])
    db.session.flush()
    mark_read(pairing, actor, upto=message.id)
    return message


def nudge(pairing: Pairing, note: str | None = None, *, actor: User) -> None:
    policy.require(actor, "pairing.nudge", pairing)
    pairing.nudge(actor, _text(note, "note", MAX_INTEREST, required=False) or None)
    db.session.flush()


def _note_activity(pairing: Pairing) -> None:
    """A message is activity, not an edit: it moves ``last_activity_at`` without the row's version,
    so two messages at the same moment are both kept (touch() made the second a stale write, 409),
    while two state changes at once still end in one state."""
    now = utcnow()
    db.session.execute(
        update(Pairing)
        .where(Pairing.id == pairing.id)
        .values(last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(pairing, "last_activity_at", now)


def mark_read(pairing: Pairing, user: User, *, upto: int | None = None) -> None:
    """Bookkeeping (not journaled): the user has read the thread up to ``upto`` (default: all)."""
    if upto is None:
        upto = max((m.id for m in pairing.messages), default=0)
    marker = db.session.get(PairingRead, (pairing.id, user.id))
    if marker is None:
        db.session.add(
            PairingRead(pairing_id=pairing.id, user_id=user.id, last_message_id=upto, read_at=utcnow())
        )
    elif marker.last_message_id < upto:
        marker.last_message_id, marker.read_at = upto, utcnow()
    db.session.flush()


def read_by_other_side(pairing: Pairing, org_id: int) -> int:
    """The highest message id any user of the other organisation has read."""
    other = pairing.other_org(org_id)
    users = select(User.id).where(User.organization_id == other.id)
    return (
        db.session.scalar(
            select(PairingRead.last_message_id)
            .where(PairingRead.pairing_id == pairing.id, PairingRead.user_id.in_(users))
            .order_by(PairingRead.last_message_id.desc())
            .limit(1)
        )
        or 0
    )


def invite_organization(
    pairing: Pairing, *, name: str, email: str, phone: str | None, actor: User
) -> tuple[User, str]:
    """居间对接: bureau staff open the first account of the receiving organisation (agreed by phone),
    so that it answers this interest itself. Returns the user and a one-time password, shown once
    to be told by phone; it must be replaced at the first login."""
    policy.require(actor, "user.create")
    if not pairing.brokered:
        raise InvalidTransition(f"{pairing.target_org.name}已有平台账号，由其自行答复。")
    user = accounts.create_user(
        email, secrets.token_urlsafe(24), name, pairing.target_org, phone=phone, actor=actor
    )
    password = accounts.issue_one_time_password(user, actor=actor)
    db.session.flush()
    return user, password


def mark_proposed(session: Session, posting_ids: list[int]) -> None:
    """These postings have been proposed a counterpart or proposed to one (the funnel's second
    stage, 获得推荐), from now on unless they already were. Written by the postings' notification
    rule when a posting is published, in the consumer's transaction."""
    if not posting_ids:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    session.execute(
        dialect.insert(ProposalMark)
        .values([{"posting_id": pid, "first_at": now} for pid in posting_ids])
        .on_conflict_do_nothing()
    )
