"""Issuing, revoking and checking API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from matchmaker import policy
from matchmaker.accounts.models import TOKEN_PREFIX, ApiToken, User, digest
from matchmaker.core.exceptions import FieldError, PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.core.journal import diff, record
from matchmaker.core.models import utcnow

MAX_ACTIVE_TOKENS = 10


def issue_token(user: User, name: str, *, days: int | None = None, actor: User) -> tuple[ApiToken, str]:
    """A new token for ``user`` (who must be the actor); returns it with its one-time secret."""
    if actor.id != user.id:
        raise PermissionDenied("只能为自己的账号创建令牌。")  # never on someone else's behalf
    name = name.strip()
    if not name:
        raise FieldError("name", "请填写令牌用途。")
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise FieldError("name", f"每个账号最多{MAX_ACTIVE_TOKENS}个有效令牌，请先吊销不用的令牌。")
    expires_at = utcnow() + timedelta(days=days) if days else None
    token, secret = ApiToken.issue(user, name[:50], expires_at)
    db.session.add(token)
    db.session.flush()
    record(  # the hint identifies it; the secret is never journaled
        "token.created",
        token,
        actor=actor,
        changes=diff({}, {"name": token.name, "hint": token.hint, "expires_at": expires_at}),
    )
    return token, secret


def revoke_token(token: ApiToken, *, actor: User) -> None:
    policy.require(actor, "account.own", token)
    if token.revoked_at is None:
        token.revoke()
        record("token.revoked", token, actor=actor, changes={"name": [token.name, token.name]})
    db.session.flush()


def tokens_of(user: User) -> list[ApiToken]:
    """All the user's tokens, newest first (revoked and expired ones too, for the record)."""
    return list(
        db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )


def active_tokens(user: User) -> list[ApiToken]:
    return [t for t in tokens_of(user) if t.is_valid]


def authenticate(secret: str) -> ApiToken | None:
    """The usable token whose secret this is, or None (unknown, revoked, expired, user inactive)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == digest(secret))
    )
    return token if token is not None and token.is_usable else None
