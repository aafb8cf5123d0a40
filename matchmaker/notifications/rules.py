"""Who is told what: the registry of notification rules, and the helpers the rules share.

Each capability keeps its own rules in ``<capability>/notices.py``: a rule is a function
``(session, journal entry) -> notifications`` registered for the journal actions it answers::

    @rules.on("pairing.created", "pairing.accepted")
    def about_pairing(session: Session, entry: JournalEntry) -> list[Notification]: ...

The factory imports every notices module (``matchmaker.NOTICES``), so all rules are registered
before the first commit; the consumer (notifications/operations.py) reads the journal and calls,
for each entry, the rules registered for its action — in the transaction that moves its cursor.
A rule only builds notifications (it never commits); it may read anything, and it is told the
entry's object may have changed or gone since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.core.journal import LABELS, JournalEntry
from matchmaker.notifications.models import Notification

Rule = Callable[[Session, JournalEntry], list[Notification]]

_RULES: dict[str, list[Rule]] = {}
_REMINDERS: list[Callable[[], int]] = []


def register(action: str, rule: Rule) -> None:
    """``rule`` is asked about every journal entry of ``action``. Registering the same rule again
    (its module imported twice) changes nothing; an action the journal does not know is refused at
    start, not left to tell nobody."""
    if action not in LABELS:
        raise ValueError(f"notification rule {rule.__qualname__} for unknown journal action {action!r}")
    found = _RULES.setdefault(action, [])
    key = (rule.__module__, rule.__qualname__)
    if all((r.__module__, r.__qualname__) != key for r in found):
        found.append(rule)


def on(*actions: str) -> Callable[[Rule], Rule]:
    """Decorator: register the rule for each of ``actions``."""

    def registering(rule: Rule) -> Rule:
        for action in actions:
            register(action, rule)
        return rule

    return registering


def actions() -> frozenset[str]:
    """The journal actions some rule answers (the consumer reads only those entries)."""
    return frozenset(a for a, found in _RULES.items() if found)


def rules_for(action: str) -> tuple[Rule, ...]:
    return tuple(_RULES.get(action, ()))


def notices(session: Session, entry: JournalEntry) -> list[Notification]:
    """Everything every rule registered for the entry's action says about it."""
    return [n for rule in _RULES.get(entry.action, ()) for n in rule(session, entry)]


def reminder(remind: Callable[[], int]) -> Callable[[], int]:
    """Decorator: ``remind`` runs in the daily run (in its session, committed after it) and returns
    how many notifications it made — for what no journal entry announces (a date drawing near)."""
    if remind not in _REMINDERS:
        _REMINDERS.append(remind)
    return remind


def remind() -> int:
    """Every registered reminder, once; how many notifications they made."""
    return sum(r() for r in _REMINDERS)


# --- helpers for the rules ------------------------------------------------------------------


def users(session: Session, org_id: int | None, *, besides: int | None = None) -> list[User]:
    """The active users of an organisation (but ``besides``)."""
    if org_id is None:
        return []
    stmt = select(User).where(User.organization_id == org_id, User.active.is_(True))
    return [u for u in session.scalars(stmt) if u.id != besides]


def each(
    told: Iterable[User], entry: JournalEntry, kind: str, title: str, body: str | None, link: str
) -> list[Notification]:
    """The same notification for each of ``told``, from ``entry``."""
    return [
        Notification(user_id=u.id, kind=kind, title=title[:200], body=body, link=link, journal_id=entry.id)
        for u in told
    ]


def bureau_staff(session: Session) -> list[User]:
    """Every active bureau user (for what must reach someone: 居间对接, calls awaiting approval)."""
    return list(
        session.scalars(
            select(User)
            .join(Organization, User.organization_id == Organization.id)
            .where(Organization.type == OrgType.BUREAU, User.active.is_(True))
            .order_by(User.id)
        )
    )


def staff_watching(session: Session, *, besides: int | None = None) -> list[User]:
    """Active bureau staff who asked (under 我的账号) to be told of new items in their queues."""
    stmt = (
        select(User)
        .join(Organization, User.organization_id == Organization.id)
        .where(Organization.type == OrgType.BUREAU, User.active.is_(True), User.notify_queues.is_(True))
        .order_by(User.id)
    )
    return [u for u in session.scalars(stmt) if u.id != besides]


def actor_id(entry: JournalEntry) -> int | None:
    """Who took the step (never told of their own doing), if anyone."""
    return entry.actor.id if entry.actor else None
