"""Who found the need behind a pairing or an agreement, and who brokered it (发现人、居间人).

Derived from the records where they exist: a pairing takes ``found_by_id`` from its need
(pairings.operations.found_by, at every door that creates one), an agreement copies both from the
pairing it is recorded from (agreements.operations.record_agreement). Where it happened off the
platform — a need found on a visit that was never written down, an introduction by phone, a
contract signed without a pairing — bureau staff set or correct it here, with a note, journaled.
The persons named must be serving specialists (an appointment not ended) when it is set; a value
left as it was is kept even if that person's appointment has since ended.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matchmaker import policy
from matchmaker.accounts.models import User
from matchmaker.agreements.models import Agreement
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.pairings.models import Pairing
from matchmaker.specialists.models import Specialist

MAX_NOTE = 500
FIELDS = {"found_by_id": "发现人", "brokered_by_id": "居间人"}
NOT_SERVING = "{label}须是在任的服务专员、科技镇长团成员或技术经纪人。"


def serving() -> list[Specialist]:
    """Every specialist whose appointment has not ended, by kind, team and name (the choices)."""
    rows = db.session.scalars(
        select(Specialist)
        .join(User, User.id == Specialist.user_id)
        .where(Specialist.ended_at.is_(None))
        .options(selectinload(Specialist.user).selectinload(User.organization))
        .order_by(Specialist.kind, Specialist.team, User.name, Specialist.id)
    )
    return list(rows)


def serving_user_ids() -> set[int]:
    return set(db.session.scalars(select(Specialist.user_id).where(Specialist.ended_at.is_(None))))


def set_attribution(
    subject: Pairing | Agreement,
    *,
    found_by_id: int | None,
    brokered_by_id: int | None,
    note: str | None,
    actor: User,
) -> None:
    """Bureau staff say who found the need behind ``subject`` and who brokered it (None: nobody),
    with the reason (required). Refuses a person who is not a serving specialist, a deleted
    agreement, and a change that changes nothing."""
    policy.require(actor, "attribution.set", subject)
    if isinstance(subject, Agreement) and subject.is_deleted:
        raise InvalidTransition("已删除的协议不能再修改。")
    text = (note or "").strip()
    if not text:
        raise FieldError("note", "请说明依据，例如走访记录、牵线的经过或合同上的居间方。")
    if len(text) > MAX_NOTE:
        raise FieldError("note", f"最多{MAX_NOTE}个字（现有{len(text)}个字）。")
    wanted = {"found_by_id": found_by_id, "brokered_by_id": brokered_by_id}
    changes = {
        field: [getattr(subject, field), value]
        for field, value in wanted.items()
        if getattr(subject, field) != value
    }
    if not changes:
        raise FieldError("found_by_id", "发现人和居间人都没有变化。")
    active = serving_user_ids()
    for field, (_, value) in changes.items():
        if value is not None and value not in active:
            raise FieldError(field, NOT_SERVING.format(label=FIELDS[field]))
    for field, (_, value) in changes.items():
        setattr(subject, field, value)
    subject.attribution_note = text
    record(f"{subject.journal_type}.attributed", subject, actor=actor, changes=changes, note=text)
    db.session.flush()
