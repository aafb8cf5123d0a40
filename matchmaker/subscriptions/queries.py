"""Reads other capabilities and the pages call: a subscription by id, a user's in force, the limit."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from matchmaker.core.extensions import db
from matchmaker.subscriptions.models import Subscription


def subscription(subscription_id: int) -> Subscription | None:
    """A subscription by id, whoever's (the caller asks the policy)."""
    return db.session.get(Subscription, subscription_id)


def active_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.user_id == user_id, Subscription.cancelled_at.is_(None))
        )
        or 0
    )


def limit() -> int:
    """How many subscriptions a user may keep (SUBSCRIPTIONS_PER_USER)."""
    return int(current_app.config["SUBSCRIPTIONS_PER_USER"])
