"""API tokens: a user's credentials for the JSON API, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.accounts import User
from matchmaker.models.base import UTCDateTime, utcnow

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
