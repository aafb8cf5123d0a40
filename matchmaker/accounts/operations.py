"""Registration, users and organisation verification."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from matchmaker import policy
from matchmaker.accounts import creditcode, passwords, sessions
from matchmaker.accounts.models import ApiToken, Organization, PasswordReset, User, key_digest
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.journal import diff, record
from matchmaker.core.models import utcnow
from matchmaker.notifications.values import EmailMode
from matchmaker.taxonomy.models import EnterpriseTier, Town


class EmailTaken(FieldError):
    """The e-mail already has an account. Self-registration answers as if it had worked, so the
    form does not reveal who is registered; bureau staff creating accounts are told."""

    def __init__(self) -> None:
        super().__init__("email", "该邮箱已有账号。")


@dataclass
class OrganizationDetails:
    """What an organisation tells the bureau about itself."""

    name: str
    type: OrgType
    credit_code: str | None = None
    town: Town | None = None
    tier: EnterpriseTier | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    description: str | None = None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == User.normalize_email(email)))


def find_organization(name: str) -> Organization | None:
    return db.session.scalar(select(Organization).where(Organization.name == name.strip()))


def _check_organization(details: OrganizationDetails, existing: Organization | None = None) -> None:
    """Rules that involve the database or several fields at once."""
    name = details.name.strip()
    if not name:
        raise FieldError("org_name", "请填写单位名称。")
    other = find_organization(name)
    if other is not None and other is not existing:
        raise FieldError("org_name", "该单位已在平台注册，请联系本单位已注册的用户或主管部门。")
    if details.type is OrgType.ENTERPRISE and not details.credit_code:
        raise FieldError("credit_code", "企业必须填写统一社会信用代码。")
    if details.credit_code:
        problem = creditcode.problem(details.credit_code)
        if problem:
            raise FieldError("credit_code", problem)
        code = creditcode.normalize(details.credit_code)
        holder = db.session.scalar(select(Organization).where(Organization.credit_code == code))
        if holder is not None and holder is not existing:
            raise FieldError("credit_code", "该统一社会信用代码已被其他单位使用。")


def _apply_organization(org: Organization, details: OrganizationDetails) -> None:
    org.name = details.name.strip()
    org.type = details.type
    org.credit_code = creditcode.normalize(details.credit_code) if details.credit_code else None
    is_enterprise = details.type is OrgType.ENTERPRISE
    org.town = details.town if is_enterprise else None
    org.tier = details.tier if is_enterprise else None
    org.contact_name = details.contact_name or None
    org.contact_phone = details.contact_phone or None
    org.description = details.description or None


def _org_fields(org: Organization) -> dict[str, object]:
    return {
        "name": org.name,
        "type": org.type,
        "credit_code": org.credit_code,
        "town": org.town.name if org.town else None,
        "tier": org.tier.name if org.tier else None,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "description": org.description,
        "status": org.status,
    }


def create_user(
    email: str,
    password: str,
    name: str,
    organization: Organization,
    phone: str | None = None,
    *,
    actor: User | None,
) -> User:
    """A new login for ``organization`` (by bureau staff, or ``actor=None`` for the command line);
    the e-mail must be unused, the password acceptable."""
    if actor is not None:
        policy.require(actor, "user.create")
    user = _new_user(email, password, name, organization, phone)
    record(
        "user.created",
        user,
        actor=actor,
        changes=diff({}, {"email": user.email, "name": user.name, "organization": organization.name}),
    )
    return user


def _new_user(email: str, password: str, name: str, organization: Organization, phone: str | None) -> User:
    if problem := passwords.problem(password, email=email):
        raise FieldError("password", problem)
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=User.normalize_email(email),
        name=name.strip(),
        phone=phone or None,
        organization=organization,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def register(
    details: OrganizationDetails, *, email: str, password: str, name: str, phone: str | None
) -> User:
    """Self-registration: a pending organisation and its first user (EmailTaken, raised after
    the same work a registration does, if the e-mail has an account already)."""
    if details.type is OrgType.BUREAU:
        raise FieldError("org_type", "主管部门账号由主管部门创建，不能自行注册。")
    _check_organization(details)
    if find_user_by_email(email) is not None:
        generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
        raise EmailTaken()
    org = Organization()
    _apply_organization(org, details)
    db.session.add(org)
    user = _new_user(email, password, name, org, phone)
    record(
        "organization.registered", org, actor=user, changes=diff({}, {**_org_fields(org), "user": user.email})
    )
    return user


def update_organization(org: Organization, details: OrganizationDetails, *, actor: User) -> None:
    """An organisation's users (or the bureau) correct its details; the type never changes. A
    verified organisation that changes its own name or credit code is verified again."""
    policy.require(actor, "organization.edit", org)
    details.type = org.type
    _check_organization(details, existing=org)
    before = _org_fields(org)
    _apply_organization(org, details)
    db.session.flush()  # the town and tier objects are loaded for the journal
    if (org.name, org.credit_code) != (
        before["name"],
        before["credit_code"],
    ) and actor.organization_id == org.id:
        org.identity_changed()
    record("organization.updated", org, actor=actor, changes=diff(before, _org_fields(org)))
    db.session.flush()


def ensure_organization(
    name: str, org_type: OrgType, *, verified: bool = True, actor: User | None = None
) -> Organization:
    """The organisation called ``name``, created (verified) if missing — by bureau staff creating
    colleagues, or (``actor=None``) the command line and demo data."""
    org = find_organization(name)
    if org is None:
        org = Organization(name=name.strip(), type=org_type)
        if verified:
            org.status = OrgStatus.VERIFIED
            org.verified_at = utcnow()
        db.session.add(org)
        db.session.flush()
        record(
            "organization.created",
            org,
            actor=actor,
            changes=diff({}, {"name": org.name, "type": org_type, "status": org.status}),
        )
    elif org.role is not org_type.role:
        raise FieldError("org_name", f"单位“{name}”已存在，类型为{org.type.label}，与所选角色不符。")
    return org


def verify_organization(org: Organization, *, actor: User, reason: str | None = None) -> None:
    policy.require(actor, "organization.verify", org)
    org.verify(actor, reason)
    db.session.flush()


def reject_organization(org: Organization, *, actor: User, reason: str) -> None:
    policy.require(actor, "organization.verify", org)
    org.reject(actor, reason)
    db.session.flush()


def request_verification(org: Organization, *, actor: User) -> None:
    policy.require(actor, "organization.resubmit", org)
    org.request_verification(actor)
    db.session.flush()


def change_password(user: User, current: str, new: str, *, revoke_tokens: bool = False) -> None:
    """A new password ends every login of the user (the caller starts a fresh one for the device
    in hand) and, if asked, revokes the user's API tokens."""
    if not user.check_password(current):
        raise FieldError("current_password", "当前密码不正确。")
    if problem := passwords.problem(new, email=user.email):
        raise FieldError("new_password", problem)
    user.set_password(new)
    user.must_change_password = False
    ended = sessions.end_all(user, "password")
    revoked = 0
    if revoke_tokens:
        for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
            revoked += token.revoked_at is None
            token.revoke()
    changes = {"logins_ended": [None, ended], "tokens_revoked": [None, revoked]}
    record("user.password_changed", user, actor=user, changes=changes)  # never the password itself
    db.session.flush()


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Bureau staff disable an account (its logins end at once, its tokens stop working) or
    enable it again."""
    policy.require(actor, "user.disable", user)
    if user.active == active:
        return
    user.active = active
    ended = sessions.end_all(user, "disabled") if not active else 0
    record(
        "user.enabled" if active else "user.disabled",
        user,
        actor=actor,
        changes={"active": [not active, active], **({"logins_ended": [None, ended]} if ended else {})},
    )
    db.session.flush()


def count_pending_organizations() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Organization).where(Organization.status == OrgStatus.PENDING)
        )
        or 0
    )


# --- forgotten passwords ---------------------------------------------------------------------

RESET_LIFETIME = timedelta(hours=1)
MAX_OPEN_RESETS = 3  # per account and hour: a stranger cannot flood someone's mailbox
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no l/1, o/0: read out over the phone


def begin_password_reset(email: str) -> tuple[User, str] | None:
    """A single-use reset key for the active account with this address, or None (no such account,
    or too many recent requests). The caller answers the same way in every case."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    now = utcnow()
    recent = db.session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1))
    )
    if (recent or 0) >= MAX_OPEN_RESETS:
        return None
    reset, key = PasswordReset.begin(user, RESET_LIFETIME)
    db.session.add(reset)
    record("user.password_reset_requested", user, actor=None)
    db.session.flush()
    return user, key


def find_reset(key: str) -> PasswordReset | None:
    """The reset this key opens, if it is unused and unexpired."""
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.key_hash == key_digest(key)))
    return reset if reset is not None and reset.usable(utcnow()) and reset.user.active else None


def complete_password_reset(key: str, new: str) -> User:
    """Set the new password through a reset link: the link (and every other open one of the
    account) is spent, every login ends."""
    reset = find_reset(key)
    if reset is None:
        raise FieldError("new_password", "重置链接无效或已过期，请重新申请。")
    user = reset.user
    if problem := passwords.problem(new, email=user.email):
        raise FieldError("new_password", problem)
    now = utcnow()
    for other in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = now
    user.set_password(new)
    user.must_change_password = False
    ended = sessions.end_all(user, "password")
    record("user.password_reset", user, actor=user, changes={"logins_ended": [None, ended]})
    db.session.flush()
    return user


def issue_one_time_password(user: User, *, actor: User) -> str:
    """Without e-mail, bureau staff give a user a one-time password (told by phone); it must be
    replaced at the next login. Every login of the user ends; the password is never journaled."""
    policy.require(actor, "user.disable", user)
    password = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(12))
    user.set_password(password)
    user.must_change_password = True
    ended = sessions.end_all(user, "password")
    record("user.one_time_password", user, actor=actor, changes={"logins_ended": [None, ended]})
    db.session.flush()
    return password


def set_queue_notices(user: User, wanted: bool) -> None:
    """Bureau staff choose whether new postings to review, organisations and agreements to verify
    are notified to them (under 我的账号)."""
    policy.require(user, "queues.notify")
    if user.notify_queues == wanted:
        return
    record("user.queue_notices", user, actor=user, changes={"notify_queues": [user.notify_queues, wanted]})
    user.notify_queues = wanted
    db.session.flush()


def set_email_mode(user: User, mode: EmailMode) -> None:
    if user.email_mode == mode.value:
        return
    record("user.email_mode", user, actor=user, changes={"email_mode": [user.email_mode, mode.value]})
    user.email_mode = mode.value
    db.session.flush()
