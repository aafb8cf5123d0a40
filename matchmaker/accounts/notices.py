"""Who is told what about accounts: a user of what happened to their password or login (mailed at
once whatever their mail setting), an organisation's users of its verification, and bureau staff
who watch the verification queue of a new or renewed application."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus
from matchmaker.core.journal import JournalEntry
from matchmaker.core.web import site_path
from matchmaker.notifications import rules
from matchmaker.notifications.models import Notification
from matchmaker.notifications.rules import actor_id, each, staff_watching, users


@rules.on("user.locked", "user.password_changed", "user.password_reset")
def about_user(session: Session, entry: JournalEntry) -> list[Notification]:
    user = session.get(User, entry.object_id) if entry.object_id else None
    if user is None:
        return []
    texts = {
        "user.locked": ("您的账号因多次密码错误被临时锁定", entry.note),
        "user.password_changed": ("您的密码已修改", "如果不是您本人操作，请立即联系主管部门。"),
        "user.password_reset": ("您的密码已通过重置链接修改", "如果不是您本人操作，请立即联系主管部门。"),
    }
    if entry.action not in texts:
        return []
    title, body = texts[entry.action]
    return each([user], entry, "account", title, body, site_path("auth.account"))


@rules.on(
    "organization.verified",
    "organization.rejected",
    "organization.registered",
    "organization.resubmitted",
    "organization.updated",
)
def about_organization(session: Session, entry: JournalEntry) -> list[Notification]:
    """An organisation verified or refused (with the reason), to its users; a new or renewed
    application, to the staff who watch the verification queue."""
    org = session.get(Organization, entry.object_id)
    if org is None:
        return []
    actor = actor_id(entry)
    if entry.action == "organization.verified":
        return each(
            users(session, org.id, besides=actor),
            entry,
            "account",
            f"贵单位“{org.name}”已通过主管部门认证",
            "现在可以发布信息、表达合作意向、登记和确认协议。",
            site_path("auth.organization"),
        )
    if entry.action == "organization.rejected":
        return each(
            users(session, org.id, besides=actor),
            entry,
            "account",
            f"贵单位“{org.name}”的认证申请未通过",
            f"理由：{entry.note or ''}。修改单位信息后可重新申请认证。",
            site_path("auth.organization"),
        )
    status = (entry.changes or {}).get("status") or [None, None]
    if entry.action == "organization.updated" and status[1] == OrgStatus.PENDING.value:
        return each(  # a verified organisation changed its name or credit code: checked again
            staff_watching(session, besides=actor),
            entry,
            "queue",
            f"{org.name}变更了单位名称或统一社会信用代码，等待重新认证",
            f"{org.type.label} · 统一社会信用代码 {org.credit_code or '—'}",
            site_path("review.organization", org_id=org.id),
        )
    if entry.action in ("organization.registered", "organization.resubmitted"):
        again = "重新" if entry.action == "organization.resubmitted" else ""
        return each(
            staff_watching(session, besides=actor),
            entry,
            "queue",
            f"{org.name}{again}申请认证，等待审核",
            f"{org.type.label} · 统一社会信用代码 {org.credit_code or '—'}",
            site_path("review.organization", org_id=org.id),
        )
    return []
