"""Who is told what about subscriptions: a digest (journal entry "subscription.digest", written by
operations.deliver) becomes one notification to the subscriber listing each new posting with why
it matched — the words found, or the own posting it answers with the pair's strength and shared
words, the evidence the proposals show. Mailed by the notifications machinery as the user chose."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.subscriptions.models import Subscription, SubscriptionItem

LISTED = 20  # items spelt out in one notification; the page has them all


def why(sub: Subscription, item: SubscriptionItem) -> str:
    """Why the item matched, in words."""
    reason = item.reason or {}
    words = "、".join(f"「{w}」" for w in reason.get("phrases") or reason.get("words") or [])
    if "own_posting_id" in reason:
        said = f"与本单位「{reason.get('own_title', '')}」匹配度 {reason.get('strength')}"
        return f"{said}，共同的词：{words}" if words else said
    if words:
        return f"含关键词{words}"
    return f"符合订阅条件：{sub.summary}"


@rules.on("subscription.digest")
def about_digest(session: Session, entry: JournalEntry) -> list[Notification]:
    sub = session.get(Subscription, entry.object_id)
    number = ((entry.changes or {}).get("digest") or [None, None])[1]
    if sub is None or number is None:
        return []
    items = list(
        session.scalars(
            select(SubscriptionItem)
            .where(SubscriptionItem.subscription_id == sub.id, SubscriptionItem.digest == number)
            .order_by(SubscriptionItem.id)
        )
    )
    if not items:
        return []
    lines = [
        f"· 【{i.posting.kind.label}】{i.posting.title}（{i.posting.organization.name}）\n"
        f"  匹配原因：{why(sub, i)}\n"
        f"  {site_path('postings.detail', posting_id=i.posting_id)}"
        for i in items[:LISTED]
    ]
    if len(items) > LISTED:
        lines.append(f"……另有 {len(items) - LISTED} 条，请在订阅页面查看。")
    return [
        Notification(
            user_id=sub.user_id,
            kind="subscription",
            title=f"订阅“{sub.name}”有 {len(items)} 条新信息"[:200],
            body="\n".join(lines),
            link=site_path("subscriptions.detail", subscription_id=sub.id),
            journal_id=entry.id,
        )
    ]
