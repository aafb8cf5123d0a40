"""Login sessions kept on the server (so they can be ended) and failed logins (for throttling).

The browser's cookies carry only a random session key; its SHA-256 digest is stored here. Ending
a session (logout, password change, an account disabled) therefore ends every copy of its cookies,
remember-me cookie included.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.accounts import User
from matchmaker.models.base import UTCDateTime, utcnow


def key_digest(key: str) -> str:
    """A session key's stored form; keys are 256 random bits, so a fast hash suffices."""
    return hashlib.sha256(key.encode()).hexdigest()


class LoginSession(db.Model):
    """One login on one device: created at login, ended by logout or by the account's owner."""

    __tablename__ = "login_sessions"

    END_LABELS: ClassVar[dict[str, str]] = {
        "logout": "已退出",
        "idle": "长时间未操作",
        "expired": "已到期",
        "password": "修改密码后失效",
        "reset": "重置密码后失效",
        "disabled": "账号已停用",
        "ended": "已在其他设备上结束",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()

    @classmethod
    def begin(
        cls, user: User, *, remember: bool, lifetime: timedelta, address: str | None, user_agent: str | None
    ) -> tuple[LoginSession, str]:
        """A new session and its key (the key goes into the cookie and is never stored)."""
        key = secrets.token_urlsafe(32)
        now = utcnow()
        session = cls(
            user=user,
            key_hash=key_digest(key),
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            address=(address or "")[:45] or None,
            user_agent=(user_agent or "")[:200] or None,
        )
        return session, key

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def idle_limit(self, minutes_bureau: int, minutes_member: int) -> timedelta | None:
        """How long this session may sit unused: always bounded for bureau staff; for others only
        when they did not ask to be remembered."""
        if self.user.is_bureau:
            return timedelta(minutes=minutes_bureau) if minutes_bureau > 0 else None
        minutes = 0 if self.remember else minutes_member
        return timedelta(minutes=minutes) if minutes > 0 else None

    def lapse(self, now: datetime, idle: timedelta | None) -> str | None:
        """Why the session can no longer be used at ``now`` ("expired", "idle"), or None."""
        if now >= self.expires_at:
            return "expired"
        if idle is not None and now - self.last_seen_at > idle:
            return "idle"
        return None

    def end(self, reason: str) -> None:
        if self.ended_at is None:
            self.ended_at = utcnow()
            self.end_reason = reason

    @property
    def end_label(self) -> str:
        return self.END_LABELS.get(self.end_reason or "", "")


class LoginFailure(db.Model):
    """One failed login, counted against the e-mail tried and against the address it came from.

    Kept in the database because that is what every worker and every web machine of an
    installation shares, with no extra server.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # "account" or "address"
    key: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PasswordReset(db.Model):
    """A single-use link to set a new password, sent by e-mail; only its digest is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @classmethod
    def begin(cls, user: User, lifetime: timedelta) -> tuple[PasswordReset, str]:
        key = secrets.token_urlsafe(32)
        now = utcnow()
        return cls(user=user, key_hash=key_digest(key), created_at=now, expires_at=now + lifetime), key

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
