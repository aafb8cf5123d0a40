"""Registration, users and organisation verification."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from matchmaker import creditcode
from matchmaker.exceptions import FieldError, InvalidTransition
from matchmaker.extensions import db
from matchmaker.models import EnterpriseTier, Organization, OrgStatus, OrgType, Town, User
from matchmaker.models.base import utcnow
from matchmaker.services import require_bureau

MIN_PASSWORD_LENGTH = 8


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


def create_user(
    email: str, password: str, name: str, organization: Organization, phone: str | None = None
) -> User:
    """A new login for ``organization``; the e-mail must be unused."""
    if find_user_by_email(email) is not None:
        raise FieldError("email", "该邮箱已注册，请直接登录或使用其他邮箱。")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError("password", f"密码至少{MIN_PASSWORD_LENGTH}位。")
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
    """Self-registration: a pending organisation and its first user."""
    if details.type is OrgType.BUREAU:
        raise FieldError("org_type", "主管部门账号由主管部门创建，不能自行注册。")
    _check_organization(details)
    org = Organization()
    _apply_organization(org, details)
    db.session.add(org)
    return create_user(email, password, name, org, phone=phone)


def update_organization(org: Organization, details: OrganizationDetails, *, actor: User) -> None:
    """An organisation's users (or the bureau) correct its details; the type never changes."""
    if actor.organization_id != org.id:
        require_bureau(actor)
    details.type = org.type
    _check_organization(details, existing=org)
    old_identity = (org.name, org.credit_code)
    _apply_organization(org, details)
    if (org.name, org.credit_code) != old_identity and actor.organization_id == org.id:
        org.identity_changed(actor)
    db.session.flush()


def ensure_organization(name: str, org_type: OrgType, *, verified: bool = True) -> Organization:
    """The organisation called ``name``, created (verified) if missing — for the CLI and demo data."""
    org = find_organization(name)
    if org is None:
        org = Organization(name=name.strip(), type=org_type)
        if verified:
            org.status = OrgStatus.VERIFIED
            org.verified_at = utcnow()
        db.session.add(org)
        db.session.flush()
    elif org.role is not org_type.role:
        raise FieldError("org_name", f"单位“{name}”已存在，类型为{org.type.label}，与所选角色不符。")
    return org


def verify_organization(org: Organization, *, actor: User, reason: str | None = None) -> None:
    require_bureau(actor)
    org.verify(actor, reason)
    db.session.flush()


def reject_organization(org: Organization, *, actor: User, reason: str) -> None:
    require_bureau(actor)
    org.reject(actor, reason)
    db.session.flush()


def request_verification(org: Organization, *, actor: User) -> None:
    if actor.organization_id != org.id:
        raise InvalidTransition("只能为本单位重新申请认证。")
    org.request_verification(actor)
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise FieldError("current_password", "当前密码不正确。")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise FieldError("new_password", f"新密码至少{MIN_PASSWORD_LENGTH}位。")
    user.set_password(new)
    db.session.flush()


def count_pending_organizations() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Organization).where(Organization.status == OrgStatus.PENDING)
        )
        or 0
    )
