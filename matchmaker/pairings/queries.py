"""Read-only questions other pages ask about the pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from matchmaker import policy
from matchmaker.agreements.models import Agreement
from matchmaker.core.extensions import db
from matchmaker.pairings.models import Pairing
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus


def ours_on(postings: Iterable[Posting], viewer: Any) -> dict[int, Pairing]:
    """The viewer's organisation's pairing about each of ``postings`` (as either side), by posting id."""
    ids = [p.id for p in postings]
    if not ids or not policy.is_member(viewer):
        return {}
    org = viewer.organization_id
    found: dict[int, Pairing] = {}
    for pairing in db.session.scalars(
        select(Pairing)
        .where(
            or_(
                Pairing.target_id.in_(ids) & (Pairing.initiator_org_id == org),
                Pairing.own_posting_id.in_(ids) & (Pairing.target_org_id == org),
            )
        )
        .order_by(Pairing.id)
    ):
        found.setdefault(pairing.target_id if pairing.target_id in ids else pairing.own_posting_id, pairing)
    return found


def about(posting: Posting) -> list[Pairing]:
    """Every pairing about ``posting`` — interests received, and interests it was attached to —
    newest activity first (for its owner and bureau staff)."""
    return list(
        db.session.scalars(
            select(Pairing)
            .where(or_(Pairing.target_id == posting.id, Pairing.own_posting_id == posting.id))
            .options(selectinload(Pairing.initiator_org), selectinload(Pairing.target_org))
            .order_by(Pairing.last_activity_at.desc(), Pairing.id.desc())
        )
    )


def agreements_of(pairing: Pairing, viewer: Any) -> list[Agreement]:
    """The agreements recorded from ``pairing`` that ``viewer`` may see (not deleted)."""
    return [
        a
        for a in db.session.scalars(
            select(Agreement)
            .where(Agreement.pairing_id == pairing.id, Agreement.deleted_at.is_(None))
            .order_by(Agreement.id)
        )
        if policy.may(viewer, "agreement.view", a)
    ]


def agreements_from(posting: Posting, viewer: Any) -> list[Agreement]:
    """The agreements that came from ``posting`` through its pairings (lineage need → agreement)."""
    pairings = select(Pairing.id).where(
        or_(Pairing.target_id == posting.id, Pairing.own_posting_id == posting.id)
    )
    return [
        a
        for a in db.session.scalars(
            select(Agreement)
            .where(Agreement.pairing_id.in_(pairings), Agreement.deleted_at.is_(None))
            .order_by(Agreement.signed_on)
        )
        if policy.may(viewer, "agreement.view", a)
    ]


def published_for_introduction() -> list[Posting]:
    """Every published posting, by kind then title, for bureau staff's 牵线 picker (they see every
    published posting, bureau-only ones included)."""
    order = {kind: i for i, kind in enumerate(PostingKind)}
    postings = db.session.scalars(
        select(Posting)
        .where(Posting.status == PostingStatus.PUBLISHED)
        .options(selectinload(Posting.organization))
    )
    return sorted(postings, key=lambda p: (order[p.kind], p.title, p.id))


def pairing(pairing_id: int) -> Pairing | None:
    """A pairing by id (the caller decides who may see it)."""
    return db.session.get(Pairing, pairing_id)


def pairing_or_404(pairing_id: int) -> Pairing:
    return db.get_or_404(Pairing, pairing_id)


def by_ids(ids: Iterable[int]) -> list[Pairing]:
    return list(db.session.scalars(select(Pairing).where(Pairing.id.in_(list(ids))).order_by(Pairing.id)))
