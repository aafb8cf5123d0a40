"""Who is told what about a posting: its organisation of the review's outcome, the organisations
whose postings a newly published one matches strongly, bureau staff who watch the review queue of
one submitted, and — once a day, from ``send-digests`` — the organisation of one about to expire."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker import policy, search
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import actor_id, each, staff_watching, users
from matchmaker.pairings import operations as pairings
from matchmaker.postings.models import Posting
from matchmaker.postings.queries import SHOWN_MIN_STRENGTH  # a pair pages show counts as proposed
from matchmaker.postings.values import PostingStatus

STRONG = 60  # a new posting matching one's own this well is worth a notification


# Not "posting.imported": a bulk intake of hundreds of postings would flood every counterpart
# with proposal notices (and hold the import up); imported postings are found on 为我推荐.
@rules.on("posting.published", "posting.returned")
def about_posting(session: Session, entry: JournalEntry) -> list[Notification]:
    posting = session.get(Posting, entry.object_id)
    if posting is None:
        return []
    link = site_path("postings.detail", posting_id=posting.id)
    owners = users(session, posting.organization_id)
    told: list[Notification] = []
    if entry.action == "posting.returned":
        return each(owners, entry, "review", f"您的「{posting.title}」被退回修改", entry.note, link)
    if entry.action == "posting.published" and posting.status is PostingStatus.PUBLISHED:
        strong = strong_counterparts(session, posting)
        extra = f"平台已找到 {len(strong)} 条高匹配的信息，可在信息页面查看。" if strong else None
        told += each(owners, entry, "review", f"您的「{posting.title}」已审核通过并发布", extra, link)
        for other, strength in strong:
            for user in users(session, other.organization_id):
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


def strong_counterparts(session: Session, posting: Posting) -> list[tuple[Posting, int]]:
    """Published postings of others this new posting matches strongly (what the index proposes).
    On the way, marks the posting and every counterpart shown to it as proposed (the dashboard's
    funnel: 获得推荐)."""
    try:
        candidates = search.propose(posting)
    except search.SearchUnavailable:
        return []
    shown = [c.posting_id for c in candidates if c.strength >= SHOWN_MIN_STRENGTH]
    if shown:
        pairings.mark_proposed(session, [posting.id, *shown])
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


@rules.on("posting.submitted")
def posting_submitted(session: Session, entry: JournalEntry) -> list[Notification]:
    """A posting submitted for review, to the staff who watch the review queue."""
    posting = session.get(Posting, entry.object_id)
    if posting is None or posting.status is not PostingStatus.PENDING:
        return []
    return each(
        staff_watching(session, besides=actor_id(entry)),
        entry,
        "queue",
        f"「{posting.title}」提交审核",
        f"{posting.organization.name} · {posting.kind.label}",
        site_path("review.posting", posting_id=posting.id),
    )


@rules.reminder
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
        for user in users(db.session, posting.organization_id):
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
