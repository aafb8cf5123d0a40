"""Organisations, their users and the bureau's verification decisions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Exists, ForeignKey, Index, String, Text, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.accounts.values import OrgStatus, OrgType, Role
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.journal import Journaled, record
from matchmaker.core.models import TimestampMixin, UTCDateTime, enum_column, utcnow
from matchmaker.taxonomy.models import EnterpriseTier, Town


class Organization(Journaled, TimestampMixin, db.Model):
    """An enterprise, university, institute or bureau; users act on its behalf."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[OrgType] = mapped_column(enum_column(OrgType), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise_tiers.id"))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OrgStatus] = mapped_column(enum_column(OrgStatus), default=OrgStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    town: Mapped[Town | None] = relationship()
    tier: Mapped[EnterpriseTier | None] = relationship()
    users: Mapped[list[User]] = relationship(back_populates="organization")
    if TYPE_CHECKING:  # mapped below, once User exists
        has_account: bool

    journal_type: ClassVar[str] = "organization"

    def __str__(self) -> str:
        return self.name

    @property
    def role(self) -> Role:
        return self.type.role

    @property
    def is_verified(self) -> bool:
        return self.status is OrgStatus.VERIFIED

    def verify(self, by: User, reason: str | None = None) -> None:
        """Bureau staff confirm the organisation is who it says it is; its users may publish."""
        if self.status is OrgStatus.VERIFIED:
            raise InvalidTransition("该单位已通过认证。")
        self._decide(OrgStatus.VERIFIED, "organization.verified", by, reason)
        self.verified_at = utcnow()

    def reject(self, by: User, reason: str) -> None:
        """Bureau staff refuse verification; the reason is shown to the organisation's users."""
        if self.status is not OrgStatus.PENDING:
            raise InvalidTransition("只有待认证的单位可以驳回。")
        if not reason.strip():
            raise InvalidTransition("驳回认证必须填写理由。")
        self._decide(OrgStatus.REJECTED, "organization.rejected", by, reason)

    def request_verification(self, by: User) -> None:
        """A rejected organisation, having corrected its details, asks to be verified again."""
        if self.status is not OrgStatus.REJECTED:
            raise InvalidTransition("只有未通过认证的单位可以重新申请。")
        self._decide(OrgStatus.PENDING, "organization.resubmitted", by, None)

    def identity_changed(self) -> None:
        """Name or credit code of a verified organisation changed: the bureau checks it again
        (journaled as part of the edit that caused it, accounts/operations.update_organization)."""
        if self.status is OrgStatus.VERIFIED:
            self.status = OrgStatus.PENDING
            self.status_reason = "单位名称或统一社会信用代码已变更，需重新认证。"

    def _decide(self, status: OrgStatus, action: str, by: User, reason: str | None) -> None:
        """The one writer of ``status``: the decision and its journal entry, together."""
        record(action, self, actor=by, changes={"status": [self.status, status]}, note=reason)
        self.status = status
        self.status_reason = reason.strip() if reason and reason.strip() else None


class User(UserMixin, TimestampMixin, db.Model):
    """A person who logs in and acts for one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A one-time password from bureau staff must be replaced at the next login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    email_mode: Mapped[str] = mapped_column(String(10), default="daily", server_default="daily")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bureau staff: also be told of each new item in the review and verification queues.
    notify_queues: Mapped[bool] = mapped_column(default=False, server_default="0")

    organization: Mapped[Organization] = relationship(back_populates="users")

    journal_type: ClassVar[str] = "user"

    def __str__(self) -> str:
        return f"{self.name}（{self.organization.name}）"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login puts in the session and remember-me cookies: the key of this login's
        server-side session (accounts/sessions.py), never the user's id, so ending the session
        ends every copy of those cookies."""
        key: str | None = getattr(self, "login_key", None)
        if key is None:
            raise RuntimeError("User.get_id() called outside a login session")
        return key

    @property
    def role(self) -> Role:
        return self.organization.role

    @property
    def is_bureau(self) -> bool:
        return self.role is Role.BUREAU

    def set_password(self, password: str) -> None:
        """Hash with the configured method (scrypt by default; tests use a cheap one)."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def normalize_email(email: str) -> str:
        """E-mail addresses are matched case-insensitively."""
        return email.strip().lower()


def account_clause(org_id: Any) -> Exists:
    """SQL: the organisation ``org_id`` (a column or value) has at least one active user account.
    Organisations created by an import have none until bureau staff open one."""
    return exists().where(User.organization_id == org_id, User.active.is_(True))


# Loaded on first use (one query), not with every organisation.
Organization.has_account = column_property(  # type: ignore[assignment]
    account_clause(Organization.id), deferred=True
)


# ------------------------------------------------------------------------------------------------
# Login sessions kept on the server (so they can be ended) and failed logins (for throttling).
#
# The browser's cookies carry only a random session key; its SHA-256 digest is stored here. Ending
# a session (logout, password change, an account disabled) therefore ends every copy of its cookies,
# remember-me cookie included.


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


# ------------------------------------------------------------------------------------------------
# API tokens: a user's credentials for the JSON API, stored only as a SHA-256 digest.


TOKEN_PREFIX = "mm_"


def digest(secret: str) -> str:
    """A token's stored form. Tokens are 256 random bits, so a fast hash is as good as a slow one."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(db.Model):
    """One named token; it acts as its user, with that user's role and permissions."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))  # first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    journal_type: ClassVar[str] = "token"

    @classmethod
    def issue(cls, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
        """A new token and its secret; the secret is shown once and never stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, token_hash=digest(secret), hint=secret[:8], expires_at=expires_at)
        return token, secret

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def is_valid(self) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and not self.is_expired

    @property
    def is_usable(self) -> bool:
        return self.is_valid and self.user.is_active

    @property
    def state_label(self) -> str:
        if self.revoked_at is not None:
            return "已吊销"
        return "已过期" if self.is_expired else "有效"

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()

    def touch(self, every_seconds: int = 300) -> bool:
        """Record use, at most once per ``every_seconds`` (a write per API call would be waste)."""
        now = utcnow()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() >= every_seconds:
            self.last_used_at = now
            return True
        return False
