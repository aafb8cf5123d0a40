"""Postings — 研发需求, 配套需求, 配套供给, 科技成果 — and their review lifecycle."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User
from matchmaker.core import clock
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import Base
from matchmaker.core.journal import Journaled, record
from matchmaker.core.models import TimestampMixin, UTCDateTime, enum_column, utcnow
from matchmaker.core.states import StateMachine
from matchmaker.postings.values import (
    CloseReason,
    Confirmation,
    CooperationMode,
    IPStatus,
    ListKind,
    Maturity,
    PostingKind,
    PostingStatus,
    Visibility,
)
from matchmaker.taxonomy.models import TechField, Town

EDITABLE = (PostingStatus.DRAFT, PostingStatus.RETURNED)


class Posting(StateMachine, Journaled, TimestampMixin, Base):
    """One need, offer or outcome an organisation puts on the platform."""

    __tablename__ = "postings"
    __table_args__ = (
        # Each list's filter then its order, so a page reads its rows in order and stops (issue 25):
        # lists and the home page (kind, newest published first), narrowed by 技术领域 or 镇区;
        Index("ix_postings_list", "kind", "status", "published_at", "id"),
        # … and a visitor's (public ones only) or "另有 N 条登录后可见" (members-only ones only);
        Index("ix_postings_list_visibility", "kind", "status", "visibility", "published_at", "id"),
        Index(
            "ix_postings_list_field", "kind", "status", "tech_field_id", "visibility", "published_at", "id"
        ),
        Index("ix_postings_list_town", "kind", "status", "town_id", "visibility", "published_at", "id"),
        # 为我推荐 and an organisation's counts by state; 我的发布 (most recently changed first);
        Index("ix_postings_org_status", "organization_id", "status", "published_at", "id"),
        Index("ix_postings_org_updated", "organization_id", "updated_at", "id"),
        # the review queue (first submitted, first reviewed);
        Index("ix_postings_review_queue", "status", "submitted_at", "id"),
        # the 计划进展 dashboard counts the postings published in a span (not drafts) from this index alone.
        Index("ix_postings_published_at_status", "published_at", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PostingKind] = mapped_column(enum_column(PostingKind), index=True)
    status: Mapped[PostingStatus] = mapped_column(
        enum_column(PostingStatus), default=PostingStatus.DRAFT, index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    tech_field_id: Mapped[int | None] = mapped_column(ForeignKey("tech_fields.id"), index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    industry_chain: Mapped[str | None] = mapped_column(String(50))
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    valid_until: Mapped[date | None] = mapped_column(Date)
    cooperation_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    maturity: Mapped[Maturity | None] = mapped_column(enum_column(Maturity))
    ip_status: Mapped[IPStatus | None] = mapped_column(enum_column(IPStatus))
    ip_detail: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.PUBLIC)
    confidential_detail: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[CloseReason | None] = mapped_column(enum_column(CloseReason))
    close_note: Mapped[str | None] = mapped_column(Text)
    # The pairing that solved it (lineage: need → pairing → agreement), when closed as solved on the platform.
    solved_by_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id", use_alter=True))
    # Found by a specialist on a visit (specialists.models.Visit): the provenance kept to the agreement,
    # and the enterprise's confirmation that must come before review.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    confirmation: Mapped[Confirmation | None] = mapped_column(enum_column(Confirmation))
    confirmation_note: Mapped[str | None] = mapped_column(Text)  # the refusal's or staff's reason
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    found_by: Mapped[User | None] = relationship(foreign_keys=[found_by_id])
    import_batch: Mapped[ImportBatch | None] = relationship()
    tech_field: Mapped[TechField | None] = relationship()
    town: Mapped[Town | None] = relationship()
    journal_type: ClassVar[str] = "posting"
    REFUSAL: ClassVar[str] = "“{state}”状态的信息不能{verb}。"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("status", PostingStatus.DRAFT)  # a new posting is a draft even before a flush
        super().__init__(**kwargs)

    def __str__(self) -> str:
        return self.title

    # --- derived state -------------------------------------------------------------------

    @property
    def is_expired(self) -> bool:
        """Past its validity date; expired postings leave the lists but keep their status."""
        return self.valid_until is not None and self.valid_until < clock.today()

    @property
    def days_left(self) -> int | None:
        """Days until the posting expires (negative once it has), None when valid indefinitely."""
        return None if self.valid_until is None else (self.valid_until - clock.today()).days

    @property
    def status_label(self) -> str:
        if self.status is PostingStatus.PUBLISHED and self.is_expired:
            return "已过期"
        return self.status.label

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def cooperation_mode_labels(self) -> list[str]:
        return [m.label for m in (CooperationMode(v) for v in self.cooperation_modes or [])]

    # --- transitions (the only places that assign status) --------------------------------

    def _require_confirmed(self) -> None:
        """A need a specialist wrote on the enterprise's behalf goes nowhere until the enterprise
        (or, for one without users, bureau staff) has confirmed it — whatever the door."""
        if self.confirmation is Confirmation.AWAITING:
            raise InvalidTransition("这条需求由专员走访时代填，须经企业确认后才能提交审核或发布。")
        if self.confirmation is Confirmation.REFUSED:
            raise InvalidTransition("企业已拒绝这条代填的需求，不能提交审核或发布。")

    def submit(self, by: User) -> None:
        """Owner sends a draft or returned posting to the bureau for review."""
        self._require(EDITABLE, "提交审核")
        self._require_confirmed()
        if not self.organization.is_verified:
            raise InvalidTransition("贵单位尚未通过主管部门认证，暂时只能保存草稿，认证通过后即可提交发布。")
        self.submitted_at = utcnow()
        self._move(PostingStatus.PENDING, "posting.submitted", by)

    def publish_imported(self, by: User) -> None:
        """Bureau staff import a list they collected and checked themselves: published at once."""
        self._require((PostingStatus.DRAFT,), "导入发布")
        self._require_confirmed()
        now = utcnow()
        self.submitted_at = self.published_at = now
        self._move(PostingStatus.PUBLISHED, "posting.imported", by, "主管部门导入")

    def withdraw(self, by: User) -> None:
        """Owner takes a submitted or published posting back to draft (e.g. to revise it)."""
        self._require((PostingStatus.PENDING, PostingStatus.PUBLISHED), "撤回")
        self._move(PostingStatus.DRAFT, "posting.withdrawn", by)

    def publish(self, by: User, note: str | None = None) -> None:
        """Reviewer approves a submitted posting."""
        self._require((PostingStatus.PENDING,), "发布")
        self._require_confirmed()
        self.published_at = utcnow()
        self.return_reason = None
        self._move(PostingStatus.PUBLISHED, "posting.published", by, note)

    def return_for_revision(self, by: User, reason: str) -> None:
        """Reviewer sends a submitted posting back with a reason the owner sees."""
        self._require((PostingStatus.PENDING,), "退回")
        if not reason or not reason.strip():
            raise InvalidTransition("退回修改必须写明理由，以便发布单位修改。")
        self.return_reason = reason.strip()
        self._move(PostingStatus.RETURNED, "posting.returned", by, reason)

    def close(self, by: User, reason: CloseReason, note: str | None = None, *, solved_by: Any = None) -> None:
        """Owner (or bureau) ends the posting for good, saying why — and, when it was solved
        through one of its pairings, which one (the lineage need → pairing)."""
        if self.status is PostingStatus.CLOSED:
            raise InvalidTransition("该信息已关闭。")
        if solved_by is not None and reason is not CloseReason.SOLVED_ON_PLATFORM:
            raise InvalidTransition("只有“通过平台解决”才能关联对接。")
        self.close_reason = reason
        self.close_note = note.strip() if note and note.strip() else None
        self.closed_at = utcnow()
        extra = {}
        if solved_by is not None:
            self.solved_by_id = solved_by.id
            extra["solved_by"] = [None, solved_by.id]
        self._move(
            PostingStatus.CLOSED,
            "posting.closed",
            by,
            f"{reason.label}" + (f"：{self.close_note}" if self.close_note else ""),
            **extra,
        )

    def renew(self, by: User, days: int) -> None:
        """Extend a published posting's validity by ``days`` from today or from its current end,
        whichever is later (the one-click answer to "expires in 14 days")."""
        self._require((PostingStatus.PUBLISHED,), "延长有效期")
        if self.valid_until is None:
            raise InvalidTransition("该信息长期有效，无需延长。")
        new = max(self.valid_until, clock.today()) + timedelta(days=days)
        record("posting.renewed", self, actor=by, changes={"valid_until": [self.valid_until, new]})
        self.valid_until = new


# ------------------------------------------------------------------------------------------------
# Published lists (研发攻关需求清单, 创新成果清单, 供需清单): dated, numbered, frozen snapshots.


class PublishedList(Base):
    """A list as it was published: its rows are copied, so later edits never change it."""

    __tablename__ = "published_lists"
    __table_args__ = (UniqueConstraint("list_kind", "year", "serial", name="uq_published_lists_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_kind: Mapped[ListKind] = mapped_column(
        enum_column(ListKind), default=ListKind.RD_NEEDS, server_default=ListKind.RD_NEEDS.value
    )
    year: Mapped[int]
    serial: Mapped[int]  # 第 N 期 of its kind within the year
    title: Mapped[str] = mapped_column(String(120))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what was chosen, in words
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # template columns → text
    issued_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    journal_type: ClassVar[str] = "list"

    @property
    def number(self) -> str:
        return f"{self.year}年第{self.serial}期"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def withdraw(self, by: User, reason: str) -> None:
        """A wrongly published list is marked 已撤回 (kept, with who and why); its number stays used."""
        if self.is_withdrawn:
            raise InvalidTransition("该清单已撤回。")
        if not reason.strip():
            raise InvalidTransition("撤回清单必须写明理由。")
        self.withdrawn_at, self.withdrawn_by, self.withdraw_reason = utcnow(), by, reason.strip()
        record("list.withdrawn", self, actor=by, note=self.withdraw_reason)


# ------------------------------------------------------------------------------------------------
# Provenance of imported postings: who imported which file, when, and how far it has got.
#
# A large confirmed import runs in the background as a resumable job (postings/imports/jobs.py): it commits
# its rows in chunks and records, in the same transaction, the last file row it has imported, so a
# worker that dies mid-way leaves a job that resumes exactly where it stopped.


class ImportBatch(Base):
    """One confirmed import of a spreadsheet of postings."""

    __tablename__ = "import_batches"

    STATUS_LABELS: ClassVar[dict[str, str]] = {
        "queued": "排队中",
        "running": "导入中",
        "done": "已完成",
        "failed": "失败",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_valid: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_imported: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="done", server_default="done")
    token: Mapped[str | None] = mapped_column(String(64))  # the staged file a job reads
    last_row: Mapped[int] = mapped_column(default=0, server_default="0")  # file row imported last
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User] = relationship()

    journal_type: ClassVar[str] = "import"

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS.get(self.status, self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        return 100 if not self.rows_valid else round(100 * self.rows_imported / self.rows_valid)
