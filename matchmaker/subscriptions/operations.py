"""Subscriptions (订阅推送): keep them (create, edit, cancel — each asked of the policy and
journaled; flushed, never committed), refuse one that would flood, and the background work that
finds what is new for each and sends explained digests.

The background work runs on the job worker (core/jobs.py), never in a request:

- ``collect`` reads the journal past its own cursor (a row in consumer_cursors) for postings just
  published or imported, matches them against every active subscription — a search through the
  search façade (the same words the search page finds), proposals through the same proposals the
  pages show (strength and shared words) — and stores each match in the delivered-items table,
  unique per (subscription, posting) and inserted with ON CONFLICT DO NOTHING: two workers
  collecting the same postings store each match once;
- ``deliver`` sends every subscription that is due (immediate: now; daily: at DIGEST_HOUR; weekly:
  at DIGEST_HOUR on SUBSCRIPTION_WEEKDAY) one digest of its pending items: the subscription row is
  claimed by its digest counter (UPDATE … WHERE digests = n), so of two workers one sends; items
  the user may no longer see (withdrawn, closed, restricted since) are dropped there; the digest
  is a journal entry, which notices.py turns into the notification — mailed by the notifications
  machinery as the user chose under 我的账号.

Both run every minute (``subscriptions.run``, a periodic job); nothing runs when nothing is new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from matchmaker import policy, search
from matchmaker.accounts.models import User
from matchmaker.core import clock, jobs
from matchmaker.core.consumers import Cursor, newest_id, unread
from matchmaker.core.database import execute_dml
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.journal import diff, record
from matchmaker.core.models import utcnow
from matchmaker.notifications.models import ConsumerCursor
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.subscriptions.models import NAME_LENGTH, QUERY_LENGTH, Subscription, SubscriptionItem
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy.models import TechField, Town

CURSOR = "subscriptions"  # its row in consumer_cursors
NEW = ("posting.published", "posting.imported")  # journal actions that bring a new posting
PROPOSALS_LOOKED_AT = 50  # proposals per own posting looked at for new ones
MIN_STRENGTH, MAX_STRENGTH = 1, 100
CHUNK = 500
DIGESTS_PER_COMMIT = 50  # digests claimed and journaled per transaction


@dataclass
class Details:
    """What a subscription asks for, as a form or the API hands it over."""

    name: str | None
    basis: Basis
    frequency: Frequency
    query: str | None = None
    kind: PostingKind | None = None
    tech_field: TechField | None = None
    town: Town | None = None
    min_strength: int | None = None


def _setting(name: str) -> int:
    return int(current_app.config[name])


# --- reads ------------------------------------------------------------------------------------


def active_of(user: User) -> list[Subscription]:
    """The user's subscriptions in force, oldest first."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.user_id == user.id, Subscription.cancelled_at.is_(None))
            .order_by(Subscription.id)
        )
    )


def recent_items(sub: Subscription, viewer: User, limit: int = 50) -> list[SubscriptionItem]:
    """What the subscription has sent (or will send), newest first, of postings ``viewer`` may
    still see."""
    return list(
        db.session.scalars(
            select(SubscriptionItem)
            .join(Posting, SubscriptionItem.posting_id == Posting.id)
            .where(SubscriptionItem.subscription_id == sub.id, policy.listed_postings(viewer))
            .where((SubscriptionItem.shown.is_(True)) | (SubscriptionItem.digest_at.is_(None)))
            .order_by(SubscriptionItem.id.desc())
            .limit(limit)
        )
    )


def pending_count(sub: Subscription) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SubscriptionItem)
            .where(SubscriptionItem.subscription_id == sub.id, SubscriptionItem.digest_at.is_(None))
        )
        or 0
    )


# --- writes -----------------------------------------------------------------------------------


def _filters(kind: PostingKind | None, tech_field_id: int | None, town_id: int | None) -> list[Any]:
    where: list[Any] = []
    if kind is not None:
        where.append(Posting.kind == kind)
    if tech_field_id is not None:
        where.append(Posting.tech_field_id == tech_field_id)
    if town_id is not None:
        where.append(Posting.town_id == town_id)
    return where


def _not_own(user: User) -> ColumnElement[bool]:
    return Posting.organization_id != user.organization_id


def _search(
    query: str, kind: PostingKind | None, field_id: int | None, town_id: int | None
) -> tuple[set[int], list[str]]:
    """Published postings having every word of ``query`` (the search page's first answer; a
    relaxed answer — some words only — is no match for a subscription), and the query's words."""
    found = search.find(query, kind=kind, tech_field_id=field_id, town_id=town_id)
    if found.relaxed or found.query.empty:
        return set(), found.query.words
    return {pid for pid, _ in found.ranked}, found.query.words


def matches_in_window(details: Details, user: User, days: int) -> int:
    """How many postings published in the last ``days`` days the subscription would have sent."""
    since = clock.now() - timedelta(days=days)
    if details.basis is Basis.PROPOSALS:
        floor = details.min_strength or MAX_STRENGTH
        seen: set[int] = set()
        for own in _own_postings(user):
            for proposal in posting_queries.proposals(
                own, user, limit=PROPOSALS_LOOKED_AT, min_strength=floor
            ):
                published = proposal.posting.published_at
                if published is not None and published >= since:
                    seen.add(proposal.posting.id)
        return len(seen)
    field_id = details.tech_field.id if details.tech_field else None
    town_id = details.town.id if details.town else None
    stmt = (
        select(func.count())
        .select_from(Posting)
        .where(
            policy.listed_postings(user),
            _not_own(user),
            Posting.published_at >= since,
            *_filters(details.kind, field_id, town_id),
        )
    )
    if details.query:
        if not db.session.scalar(stmt):  # nothing to search (nor an index to ask, on a new site)
            return 0
        ids, _ = _search(details.query, details.kind, field_id, town_id)
        if not ids:
            return 0
        stmt = stmt.where(Posting.id.in_(ids))
    return db.session.scalar(stmt) or 0


def check(details: Details, user: User, *, refuse_floods: bool = True) -> Details:
    """The details made tidy, or FieldError (in Chinese, saying how to put it right)."""
    query = " ".join((details.query or "").split()) or None
    if query and len(query) > QUERY_LENGTH:
        raise FieldError("query", f"关键词不能超过 {QUERY_LENGTH} 个字。")
    if details.basis is Basis.PROPOSALS:
        if policy.is_bureau(user):
            raise FieldError("basis", "主管部门没有自己发布的信息，请按搜索条件订阅。")
        strength = details.min_strength
        if strength is None or not MIN_STRENGTH <= strength <= MAX_STRENGTH:
            raise FieldError("min_strength", f"匹配度应为 {MIN_STRENGTH} 到 {MAX_STRENGTH} 之间的整数。")
        tidy = Details(details.name, details.basis, details.frequency, min_strength=strength)
    else:
        if not (query or details.kind or details.tech_field or details.town):
            raise FieldError(
                "query",
                "请至少填写关键词，或选择信息类型、技术领域、镇区中的一项："
                "什么条件都不设的订阅会把每一条新信息都推送给您。",
            )
        tidy = Details(
            details.name,
            details.basis,
            details.frequency,
            query,
            details.kind,
            details.tech_field,
            details.town,
        )
    name = " ".join((details.name or "").split())
    if not name:
        name = (query or (tidy.kind.label if tidy.kind else None) or "新推荐")[:NAME_LENGTH]
        if details.basis is Basis.PROPOSALS:
            name = f"匹配度 {tidy.min_strength} 以上的新推荐"
    if len(name) > NAME_LENGTH:
        raise FieldError("name", f"订阅名称不能超过 {NAME_LENGTH} 个字。")
    tidy.name = name
    if refuse_floods:
        _refuse_flood(tidy, user)
    return tidy


def _refuse_flood(details: Details, user: User) -> None:
    """A subscription that would have sent more than SUBSCRIPTION_FLOOD_PER_DAY items a day over
    the last SUBSCRIPTION_FLOOD_DAYS days is refused, saying how to narrow it."""
    days, per_day = _setting("SUBSCRIPTION_FLOOD_DAYS"), _setting("SUBSCRIPTION_FLOOD_PER_DAY")
    count = matches_in_window(details, user, days)
    if count <= per_day * days:
        return
    average = f"{count / days:.1f}".removesuffix(".0")
    said = f"按这个条件，最近 {days} 天发布的信息中有 {count} 条会推送给您（平均每天约 {average} 条），超过每天 {per_day} 条的上限，推送会淹没真正有用的信息。"
    if details.basis is Basis.PROPOSALS:
        raise FieldError("min_strength", said + f"请提高匹配度要求（现为 {details.min_strength}）。")
    raise FieldError(
        "query",
        said + "请填写更具体的关键词（可用引号表示词组），或再选择信息类型、技术领域、镇区来缩小范围。",
    )


def _apply(sub: Subscription, details: Details) -> None:
    sub.name = details.name or ""
    sub.basis = details.basis
    sub.frequency = details.frequency
    sub.query = details.query
    sub.kind = details.kind
    sub.tech_field = details.tech_field
    sub.town = details.town
    sub.min_strength = details.min_strength


def create(details: Details, *, actor: User, refuse_floods: bool = True) -> Subscription:
    """A new subscription of ``actor``'s (at most SUBSCRIPTIONS_PER_USER in force). Only the demo
    data, whose postings the index has not seen before they are committed, skips the flood check."""
    policy.require(actor, "subscription.create")
    limit = _setting("SUBSCRIPTIONS_PER_USER")
    if len(active_of(actor)) >= limit:
        raise FieldError("name", f"每位用户最多保留 {limit} 个订阅，请先取消不再需要的订阅。")
    tidy = check(details, actor, refuse_floods=refuse_floods)
    sub = Subscription(user_id=actor.id, user=actor)
    _apply(sub, tidy)
    db.session.add(sub)
    db.session.flush()
    record("subscription.created", sub, actor=actor, changes=diff({}, sub.details()))
    db.session.flush()
    return sub


def edit(sub: Subscription, details: Details, *, actor: User) -> Subscription:
    policy.require(actor, "subscription.edit", sub)
    before = sub.details()
    tidy = check(details, actor)
    _apply(sub, tidy)
    db.session.flush()
    changes = diff(before, sub.details())
    if changes:
        record("subscription.updated", sub, actor=actor, changes=changes)
        db.session.flush()
    return sub


def cancel(sub: Subscription, *, actor: User) -> Subscription:
    """Cancelled for good: nothing more is collected or sent; its page and history stay."""
    policy.require(actor, "subscription.edit", sub)
    sub.cancelled_at = utcnow()
    record("subscription.cancelled", sub, actor=actor, changes={"cancelled": [False, True]})
    db.session.flush()
    return sub


# --- collecting -------------------------------------------------------------------------------


def _own_postings(user: User) -> list[Posting]:
    """The user's organisation's published, current postings (what proposals are for)."""
    return [p for p in posting_queries.published_of(user.organization_id) if not p.is_expired]


class _Matcher:
    """Matches a batch of new postings against subscriptions, sharing the work between them: one
    search per distinct query (its filters are applied in SQL; per filter set only when the bare
    query finds more than the index ranks), and one proposal list per new posting — the pair
    strength is the same from both sides, so the new posting's proposals name the subscribers' own
    postings it answers, with the strength and shared words their pages show."""

    def __init__(self, batch: list[int]) -> None:
        self.batch = batch
        self.postings = {p.id: p for p in posting_queries.by_ids(batch)}
        self.found: dict[tuple[Any, ...], tuple[set[int], list[str], bool]] = {}
        self.proposed: dict[int, dict[int, list[tuple[search.Candidate, Posting]]]] = {}
        self.visible: dict[tuple[Any, ...], list[int]] = {}

    def _visible(self, user: User) -> list[int]:
        """The batch's postings ``user`` may see (policy's SQL twin), but their organisation's own.
        Asked once per role and organisation, on which alone listed_postings depends."""
        key = (user.role, user.organization_id)
        if key not in self.visible:
            self.visible[key] = list(
                db.session.scalars(
                    select(Posting.id)
                    .where(Posting.id.in_(self.batch), policy.listed_postings(user), _not_own(user))
                    .order_by(Posting.id)
                )
            )
        return self.visible[key]

    def _candidates(self, sub: Subscription, user: User) -> list[int]:
        found = []
        for pid in self._visible(user):
            posting = self.postings[pid]
            if posting.published_at is None or posting.published_at < sub.created_at:
                continue
            if sub.basis is Basis.SEARCH and (
                (sub.kind is not None and posting.kind is not sub.kind)
                or (sub.tech_field_id is not None and posting.tech_field_id != sub.tech_field_id)
                or (sub.town_id is not None and posting.town_id != sub.town_id)
            ):
                continue
            found.append(pid)
        return found

    def _search(self, key: tuple[Any, ...]) -> tuple[set[int], list[str], bool]:
        if key not in self.found:
            query, kind, field_id, town_id = key
            found = search.find(query, kind=kind, tech_field_id=field_id, town_id=town_id)
            if found.relaxed or found.query.empty:
                self.found[key] = (set(), found.query.words, found.capped)
            else:
                self.found[key] = ({pid for pid, _ in found.ranked}, found.query.words, found.capped)
        return self.found[key]

    def by_search(self, sub: Subscription, user: User) -> dict[int, dict[str, Any]]:
        candidates = self._candidates(sub, user)
        if not candidates:
            return {}
        if not sub.query:
            return {pid: {"words": []} for pid in candidates}
        found, words, capped = self._search((sub.query, None, None, None))
        if capped and not set(candidates) <= found:
            found, words, _ = self._search((sub.query, sub.kind, sub.tech_field_id, sub.town_id))
        hits: dict[int, dict[str, Any]] = {}
        for pid in candidates:
            if pid in found:
                posting = self.postings[pid]
                text = f"{posting.title}\n{' '.join(posting.keywords or [])}\n{posting.description}"
                spans = search.spans(text, words)
                present = sorted({span.word for span in spans}, key=words.index)
                hits[pid] = {"words": present or words, "phrases": _phrases(text, spans, sub.query)}
        return hits

    def _proposed(self, posting_id: int) -> dict[int, list[tuple[search.Candidate, Posting]]]:
        """The new posting's proposals among published, current postings, by organisation."""
        if posting_id not in self.proposed:
            new = self.postings[posting_id]
            found = search.propose(new)
            answered = {
                p.id: p
                for p in db.session.scalars(
                    select(Posting).where(
                        Posting.id.in_([c.posting_id for c in found]),
                        Posting.status == PostingStatus.PUBLISHED,
                        Posting.kind.in_(new.kind.complements),
                    )
                )
                if not p.is_expired and new.kind in p.kind.complements
            }
            by_org: dict[int, list[tuple[search.Candidate, Posting]]] = {}
            for candidate in found:
                if candidate.posting_id in answered:
                    mine = answered[candidate.posting_id]
                    by_org.setdefault(mine.organization_id, []).append((candidate, mine))
            self.proposed[posting_id] = by_org
        return self.proposed[posting_id]

    def by_proposals(self, sub: Subscription, user: User) -> dict[int, dict[str, Any]]:
        floor = max(sub.min_strength or MAX_STRENGTH, posting_queries.SHOWN_MIN_STRENGTH)
        hits: dict[int, dict[str, Any]] = {}
        for pid in self._candidates(sub, user):
            for candidate, mine in self._proposed(pid).get(user.organization_id, []):
                if candidate.strength < floor:
                    continue
                if pid not in hits or hits[pid]["strength"] < candidate.strength:
                    hits[pid] = {
                        "own_posting_id": mine.id,
                        "own_title": mine.title,
                        "strength": candidate.strength,
                        "words": list(candidate.words)[:8],
                    }
        return hits


def _phrases(text: str, spans: list[search.Span], query: str) -> list[str]:
    """What matched, as a reader sees it: the words of the query as typed that stand in ``text``;
    else the matched stretches of ``text``, words side by side making one ("热" + "变形" →
    "热变形"), each once, in order of appearance."""
    typed = [w.strip('"“”') for w in query.split()]
    literal = [w for w in typed if w and w.lower() in text.lower()]
    if literal:
        return literal[:8]
    stretches: list[list[int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if stretches and span.start <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], span.end)
        else:
            stretches.append([span.start, span.end])
    found: list[str] = []
    for start, end in stretches:
        if text[start:end] not in found:
            found.append(text[start:end])
    return found[:8]


def _insert(rows: list[dict[str, Any]]) -> None:
    """Delivered-items rows; one already there (another worker's, an earlier run's) is kept."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(rows), CHUNK):
        db.session.execute(
            insert(SubscriptionItem)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["subscription_id", "posting_id"])
        )


def match(
    posting_ids: Iterable[int], subscriptions: list[Subscription] | None = None
) -> list[dict[str, Any]]:
    """The delivered-items rows the postings make for the subscriptions (every active one by
    default): reads only."""
    batch = sorted(set(posting_ids))
    if not batch:
        return []
    if subscriptions is None:
        subscriptions = list(
            db.session.scalars(
                select(Subscription)
                .join(User, Subscription.user_id == User.id)
                .where(Subscription.cancelled_at.is_(None), User.active.is_(True))
                .options(selectinload(Subscription.user))
                .order_by(Subscription.id)
            )
        )
    matcher = _Matcher(batch)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for sub in subscriptions:
        user = sub.user
        hits = (
            matcher.by_proposals(sub, user) if sub.basis is Basis.PROPOSALS else matcher.by_search(sub, user)
        )
        rows += [
            {
                "subscription_id": sub.id,
                "posting_id": pid,
                "reason": reason,
                "matched_at": now,
                "shown": False,
            }
            for pid, reason in hits.items()
        ]
    return rows


def store(rows: list[dict[str, Any]]) -> None:
    """Store matches (at most once each); the caller commits."""
    if rows:
        _insert(rows)


def collect() -> int:
    """Match the postings published since the last run against every subscription; returns how
    many matches were found (some may have been stored already by another worker)."""
    row = db.session.get(ConsumerCursor, CURSOR)
    cursor = Cursor.from_json(row.state) if row is not None else Cursor(upto=newest_id(db.engine))
    seen: list[int] = []
    fresh: set[int] = set()
    for changes in unread(db.engine, cursor):
        seen += [c.id for c in changes]
        fresh.update(c.object_id for c in changes if c.action in NEW and c.object_id is not None)
    published = (
        set(
            db.session.scalars(
                select(Posting.id).where(Posting.id.in_(fresh), Posting.status == PostingStatus.PUBLISHED)
            )
        )
        if fresh
        else set()
    )
    rows = match(published)
    db.session.commit()  # end the reading transaction before writing
    store(rows)
    _advance(seen)
    db.session.commit()
    return len(rows)


def _advance(seen: list[int]) -> None:
    """Move the shared cursor over ``seen`` (whatever another worker moved it over meanwhile)."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ConsumerCursor)
        .values(name=CURSOR, state=Cursor(upto=newest_id(db.engine)).to_json(), updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    row = db.session.scalars(
        select(ConsumerCursor).where(ConsumerCursor.name == CURSOR).with_for_update()
    ).one()
    db.session.refresh(row)
    cursor = Cursor.from_json(row.state or {})
    cursor.advance(seen)
    row.state = cursor.to_json()


# --- digests ----------------------------------------------------------------------------------


def due(sub: Subscription, now: datetime) -> bool:
    """Whether a digest of ``sub`` is due at ``now``: immediate ones at once; daily ones once a
    day from DIGEST_HOUR (site time); weekly ones on SUBSCRIPTION_WEEKDAY from DIGEST_HOUR, or
    whenever a week has passed since the last (the worker was down that day)."""
    if sub.frequency is Frequency.IMMEDIATE:
        return True
    local = clock.local(now)
    if local.hour < _setting("DIGEST_HOUR"):
        return False
    today = local.date()
    last = clock.local(sub.last_digest_at).date() if sub.last_digest_at else None
    if sub.frequency is Frequency.DAILY:
        return last is None or last < today
    on_the_day = today.weekday() == _setting("SUBSCRIPTION_WEEKDAY")
    return (on_the_day and (last is None or last < today)) or (last is not None and (today - last).days >= 7)


def deliver(now: datetime | None = None) -> int:
    """Send each due subscription's pending items as one digest; returns how many were sent."""
    now = now or utcnow()
    waiting = select(SubscriptionItem.subscription_id).where(SubscriptionItem.digest_at.is_(None))
    candidates = [
        (sub.id, sub.digests)
        for sub in db.session.scalars(
            select(Subscription)
            .where(Subscription.cancelled_at.is_(None), Subscription.id.in_(waiting))
            .order_by(Subscription.id)
        )
        if due(sub, now)
    ]
    db.session.commit()
    sent = 0
    for start in range(0, len(candidates), DIGESTS_PER_COMMIT):
        sent += sum(
            _send(sub_id, version, now) for sub_id, version in candidates[start : start + DIGESTS_PER_COMMIT]
        )
        db.session.commit()
    return sent


def _send(sub_id: int, version: int, now: datetime) -> bool:
    """One digest, if this worker wins the subscription's claim (its digest counter still at
    ``version``): the pending items the user may still see are marked sent with the digest's
    number and journaled; the others are dropped. The caller commits."""
    claimed = execute_dml(
        update(Subscription)
        .where(
            Subscription.id == sub_id, Subscription.digests == version, Subscription.cancelled_at.is_(None)
        )
        .values(digests=version + 1, last_digest_at=now)
    )
    if not claimed.rowcount:
        return False
    sub = db.session.get(Subscription, sub_id)
    assert sub is not None
    db.session.refresh(sub)
    items = list(
        db.session.scalars(
            select(SubscriptionItem)
            .where(SubscriptionItem.subscription_id == sub_id, SubscriptionItem.digest_at.is_(None))
            .order_by(SubscriptionItem.id)
        )
    )
    user = sub.user
    visible: set[int] = set()
    if user.active and items:
        visible = set(
            db.session.scalars(
                select(Posting.id).where(
                    Posting.id.in_([i.posting_id for i in items]), policy.listed_postings(user)
                )
            )
        )
    for item in items:
        item.digest_at = now
        item.shown = item.posting_id in visible
        item.digest = version + 1 if item.shown else None
    shown = sum(1 for i in items if i.shown)
    if shown:
        record(
            "subscription.digest",
            sub,
            actor=None,
            changes={"digest": [None, version + 1], "items": [None, shown]},
        )
    db.session.flush()
    return bool(shown)


def run(now: datetime | None = None) -> tuple[int, int]:
    """Collect what is new, then send what is due: (matches found, digests sent)."""
    return collect(), deliver(now)


def _every_minute(_now: datetime) -> bool:
    return True


@jobs.periodic("subscriptions.run", when=_every_minute)
def _run_job() -> None:
    found, sent = run()
    if found or sent:
        current_app.logger.info("subscriptions: %s matches, %s digests", found, sent)
