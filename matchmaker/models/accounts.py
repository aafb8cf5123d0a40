"""Organisations, their users and the bureau's verification decisions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Exists, ForeignKey, String, Text, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.exceptions import InvalidTransition
from matchmaker.extensions import db
from matchmaker.models.base import ChoiceEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from matchmaker.models.journal import Journaled, record
from matchmaker.models.taxonomy import EnterpriseTier, Town


class Role(ChoiceEnum):
    """What a user may do, derived from the type of the user's organisation."""

    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高校院所"
    BUREAU = "bureau", "主管部门"


class OrgType(ChoiceEnum):
    """Organisation types of DOMAIN.md §6."""

    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高等院校"
    INSTITUTE = "institute", "科研院所"
    NEW_RD = "new_rd", "新型研发机构"
    BUREAU = "bureau", "主管部门"

    @property
    def role(self) -> Role:
        """The role every user of such an organisation has."""
        if self is OrgType.ENTERPRISE:
            return Role.ENTERPRISE
        if self is OrgType.BUREAU:
            return Role.BUREAU
        return Role.UNIVERSITY

    @classmethod
    def self_registrable(cls) -> list[OrgType]:
        """Bureau organisations are never created by self-registration."""
        return [t for t in cls if t is not OrgType.BUREAU]


class OrgStatus(ChoiceEnum):
    """Verification state of an organisation."""

    PENDING = "pending", "待认证"
    VERIFIED = "verified", "已认证"
    REJECTED = "rejected", "未通过认证"


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
        (journaled as part of the edit that caused it, services/accounts.update_organization)."""
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
        server-side session (services/sessions.py), never the user's id, so ending the session
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
