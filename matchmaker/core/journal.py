"""The journal: one append-only table of every change — who, when, from where, what, on which object,
which fields from what to what — written in the same transaction as the change itself.

State-change methods and services call ``record``; a rolled-back change therefore leaves no entry
and a committed one always has one. The journal is the audit log bureau staff read, the history
shown on a posting's or an organisation's page, and the feed that consumers (the search index of
each machine, notifications) read with cursors of their own (matchmaker/consumers.py).
Passwords and secrets never enter it (SECRET_FIELDS).
"""

from __future__ import annotations

import enum
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, bindparam, event, select, update
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from matchmaker.core.extensions import Base, db
from matchmaker.core.models import UTCDateTime, utcnow

if TYPE_CHECKING:
    from matchmaker.accounts.models import User

# Where the change came from: the client address of a web request, "命令行" for a command. Set by
# the web layer and the CLI, read here, so services need not know about requests.
origin: ContextVar[str | None] = ContextVar("journal_origin", default=None)

SECRET_FIELDS = frozenset({"password", "password_hash", "token_hash", "key_hash", "secret"})
MASKED_FIELDS = frozenset({"confidential_detail"})  # recorded as changed, never by content
MASK = "（保密内容）"
UNRESOLVED = "matchmaker.journal.unresolved"  # entries whose object got its id only in this flush
WRITTEN = "matchmaker.journal.written"  # this transaction wrote entries: consumers run after commit

LABELS: dict[str, str] = {
    "posting.created": "创建草稿",
    "posting.updated": "修改内容",
    "posting.submitted": "提交审核",
    "posting.withdrawn": "撤回",
    "posting.published": "审核通过并发布",
    "posting.returned": "退回修改",
    "posting.closed": "关闭",
    "posting.imported": "主管部门导入并发布",
    "posting.changed": "数据变更",
    "posting.reindex": "重新建立索引",
    "organization.registered": "注册",
    "organization.created": "建档",
    "organization.updated": "修改单位信息",
    "organization.verified": "通过认证",
    "organization.rejected": "驳回认证",
    "organization.resubmitted": "重新申请认证",
    "organization.changed": "变更关键信息，待重新认证",
    "user.created": "创建账号",
    "user.logged_in": "登录",
    "user.logged_out": "退出登录",
    "user.password_changed": "修改密码",
    "user.session_ended": "结束一处登录",
    "user.disabled": "停用账号",
    "user.enabled": "启用账号",
    "user.locked": "多次密码错误，临时锁定",
    "token.created": "创建 API 令牌",
    "token.revoked": "吊销 API 令牌",
    "term.created": "新增分类条目",
    "term.updated": "修改分类条目",
    "import.confirmed": "确认导入",
    "list.published": "发布清单",
    "list.withdrawn": "撤回清单",
    "system.restored": "从备份恢复",
    "pairing.created": "表达合作意向",
    "pairing.introduced": "主管部门牵线",
    "pairing.accepted": "接受意向，开始对接",
    "pairing.declined": "婉拒",
    "pairing.negotiating": "进入洽谈",
    "pairing.signed": "签约",
    "pairing.unsigned": "协议删除，回到洽谈中",
    "pairing.failed": "未成功",
    "pairing.message": "发送消息",
    "pairing.nudged": "主管部门提醒",
    "posting.renewed": "延长有效期",
    "user.password_reset": "重置密码",
    "user.one_time_password": "主管部门发放一次性密码",
    "user.email_mode": "修改邮件通知设置",
    "user.queue_notices": "修改待办通知设置",
    "agreement.recorded": "登记协议",
    "agreement.edited": "修改协议",
    "agreement.confirmed": "对方确认",
    "agreement.verified": "主管部门核验",
    "agreement.returned": "退回补正",
    "agreement.reopened": "修改后待重新核验",
    "agreement.reconfirm": "修改了计数依据，退回对方重新确认",
    "agreement.deleted": "删除协议",
    "event.created": "创建活动",
    "event.updated": "修改活动",
    "event.invited": "邀请参会",
    "event.registered": "报名参会",
    "event.registration_updated": "修改报名",
    "event.registration_cancelled": "取消报名",
    "event.meeting_requested": "约见洽谈",
    "event.scheduled": "排定洽谈日程",
    "event.meeting_moved": "调整洽谈",
    "event.meeting_removed": "取消一场洽谈",
    "event.meeting_added": "人工安排洽谈",
    "event.held": "活动已举办",
    "event.cancelled": "取消活动",
    "event.outcome": "记录洽谈结果",
    "agreement.file_added": "上传证明材料",
    "agreement.file_removed": "删除证明材料",
    "indicator.target": "修改目标",
    "indicator.rules": "修改计数规则",
    "organization.tier_changed": "变更企业梯度",
    "organization.measure_recorded": "录入指标数据",
    "indicator.tier_target": "修改梯度培育目标",
    "user.password_reset_requested": "申请重置密码",
    "call.created": "发布榜单",
    "call.proposed": "企业提出榜单，待主管部门审批",
    "call.approved": "主管部门批准榜单",
    "call.cancelled": "撤销榜单",
    "call.awarded": "揭榜：选定方案",
    "call.invited": "邀请揭榜",
    "proposal.submitted": "提交揭榜方案",
    "proposal.updated": "修改揭榜方案",
    "proposal.withdrawn": "撤回揭榜方案",
    "proposal.scored": "评审打分",
    "proposal.file_added": "上传方案附件",
    "proposal.file_removed": "删除方案附件",
    "pairing.from_call": "揭榜入选，建立对接",
    "plan.created": "新建计划",
    "plan.updated": "修改计划信息",
    "plan.closed": "结束计划",
    "specialist.appointed": "聘任专员",
    "specialist.updated": "修改专员信息",
    "specialist.ended": "结束专员聘任",
    "assignment.created": "分配服务企业",
    "assignment.ended": "结束服务分配",
    "visit.recorded": "记录走访",
    "posting.found": "走访发现需求，待企业确认",
    "posting.confirmed": "企业确认代填的需求",
    "posting.refused": "企业拒绝代填的需求",
    "posting.confirmed_by_staff": "主管部门代企业确认",
    "diagnosis.recorded": "需求诊断",
    "subscription.created": "新建订阅",
    "subscription.updated": "修改订阅",
    "subscription.cancelled": "取消订阅",
    "subscription.digest": "发送订阅推送",
    "pairing.attributed": "主管部门认定发现人、居间人",
    "agreement.attributed": "主管部门认定发现人、居间人",
    "followup.asked": "发出回访",
    "followup.answered": "回答回访",
    "followup.overdue": "回访逾期未答，告知服务专员",
}
OBJECT_LABELS = {
    "posting": "信息",
    "organization": "单位",
    "user": "账号",
    "token": "API 令牌",
    "term": "分类条目",
    "import": "导入批次",
    "list": "清单",
    "system": "系统",
    "pairing": "对接",
    "agreement": "协议",
    "indicator": "指标",
    "plan": "计划",
    "event": "活动",
    "call": "榜单",
    "proposal": "揭榜方案",
    "specialist": "专员",
    "assignment": "服务分配",
    "visit": "走访记录",
    "diagnosis": "需求诊断",
    "subscription": "订阅",
    "followup": "回访",
}


class JournalEntry(Base):
    """One change. Never updated or deleted, except by retention (``flask audit prune``)."""

    __tablename__ = "journal"
    __table_args__ = (
        Index("ix_journal_object", "object_type", "object_id", "id"),
        Index("ix_journal_actor", "actor_id", "id"),
        Index("ix_journal_action", "action"),
        Index("ix_journal_at", "at"),
        {"sqlite_autoincrement": True},  # ids are never reused, even after the newest is pruned
    )

    LABELS: ClassVar[dict[str, str]] = LABELS

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    address: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int | None]
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def label(self) -> str:
        return LABELS.get(self.action, self.action)

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.object_type, self.object_type)

    @property
    def status_change(self) -> tuple[str, str] | None:
        """(from, to) of a status change, as the codes stored."""
        change = (self.changes or {}).get("status")
        return (change[0], change[1]) if change else None


def plain(value: Any) -> Any:
    """A value as JSON can hold it (enums by code, dates ISO, amounts as text, objects by name)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} of the fields that changed (secrets never, masked fields masked)."""
    changed = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = plain(before.get(name)), plain(after.get(name))
        if name in SECRET_FIELDS or old == new:
            continue
        if name in MASKED_FIELDS:
            old, new = (MASK if old else None), (MASK if new else None)
        changed[name] = [old, new]
    return changed


class Journaled:
    """A model whose changes are journaled under its ``journal_type``: ``history`` is its own
    entries, newest first (the history shown on its page)."""

    if TYPE_CHECKING:  # provided by the model (no annotations here: declarative would map them)
        journal_type: ClassVar[str]
        id: int

    @property
    def history(self) -> list[JournalEntry]:
        return list(
            db.session.scalars(
                select(JournalEntry)
                .where(JournalEntry.object_type == self.journal_type, JournalEntry.object_id == self.id)
                .order_by(JournalEntry.id.desc())
            )
        )


def record(
    action: str,
    target: Any,
    *,
    actor: User | None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
    object_type: str | None = None,
) -> JournalEntry:
    """Add the entry for a change to the current transaction. ``target`` is the changed object
    (its class names its ``journal_type``) or None with ``object_type``; an object not yet
    flushed gets its id filled in when the flush assigns it."""
    kind = object_type or getattr(target, "journal_type", None)
    if kind is None:
        raise TypeError(f"no journal type for {target!r}")
    safe = {k: v for k, v in (changes or {}).items() if k not in SECRET_FIELDS} or None
    entry = JournalEntry(
        at=utcnow(),
        actor=actor,
        actor_org_id=actor.organization_id if actor is not None else None,
        address=origin.get(),
        action=action,
        object_type=kind,
        object_id=getattr(target, "id", None) if target is not None else None,
        changes=plain(safe) if safe else None,
        note=note.strip() if note and note.strip() else None,
    )
    db.session.add(entry)
    db.session.info[WRITTEN] = True
    if target is not None and entry.object_id is None:
        db.session.info.setdefault(UNRESOLVED, []).append((entry, target))
    return entry


@event.listens_for(Session, "after_flush")
def _resolve_ids(session: Session, _context: UOWTransaction) -> None:
    """Objects created in this flush now have ids: put them on their entries (same transaction)."""
    pending = session.info.get(UNRESOLVED)
    if not pending:
        return
    ready = [(e, t) for e, t in pending if t.id is not None and e.id is not None]
    if ready:
        statement = (
            update(JournalEntry.__table__)
            .where(JournalEntry.__table__.c.id == bindparam("entry_id"))
            .values(object_id=bindparam("target_id"))
        )
        session.connection().execute(statement, [{"entry_id": e.id, "target_id": t.id} for e, t in ready])
        for entry, target in ready:
            set_committed_value(entry, "object_id", target.id)  # in step, without another UPDATE
    session.info[UNRESOLVED] = [(e, t) for e, t in pending if (e, t) not in ready]


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if session.in_nested_transaction():
        # Back to a savepoint: the entries written before it stay, and so does WRITTEN; those
        # written after it are gone from the session (and their ids may be given again).
        pending = session.info.get(UNRESOLVED)
        if pending:
            session.info[UNRESOLVED] = [(e, t) for e, t in pending if e in session]
        return
    session.info.pop(UNRESOLVED, None)
    session.info.pop(WRITTEN, None)
