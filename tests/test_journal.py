"""The journal: every write leaves exactly one entry naming its actor, written in the change's own
transaction (a rollback leaves none), never holding a secret; bureau staff read it as the audit log,
administrators with `flask audit`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.taxonomy.models import Town
from tests.conftest import PASSWORD, Auth, Factory


def newest(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(JournalEntry.id).order_by(JournalEntry.id.desc()).limit(1)) or 0


def since(app: Flask, after: int) -> list[dict[str, Any]]:
    with app.app_context():
        return [
            {
                "action": e.action,
                "actor": e.actor.email if e.actor else None,
                "type": e.object_type,
                "id": e.object_id,
                "changes": e.changes,
                "note": e.note,
                "address": e.address,
            }
            for e in db.session.scalars(
                select(JournalEntry).where(JournalEntry.id > after).order_by(JournalEntry.id)
            )
        ]


@dataclass
class World:
    owner: str
    bureau: str
    university: str
    draft: int
    pending: int
    published: int
    pending_org: int


@pytest.fixture
def world(make: Factory) -> World:
    owner = make.user()
    return World(
        owner=owner,
        bureau=make.bureau(),
        university=make.user(org_type=OrgType.UNIVERSITY),
        draft=make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT),
        pending=make.posting(owner, PostingKind.RD_NEED, PostingStatus.PENDING),
        published=make.posting(owner, PostingKind.RD_NEED),
        pending_org=make.org(status=OrgStatus.PENDING),
    )


POSTING_FORM = {
    "title": "新的研发需求标题",
    "description": "这是一段足够长的详细描述，超过二十个字，用于检查操作记录。",
    "visibility": "public",
}

# (who logs in, method, url, form data, the entries expected: one per object changed)
WRITES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("owner", "post", "/postings/new/rd-need", POSTING_FORM, "posting.created"),
    ("owner", "post", "/postings/{draft}/edit", POSTING_FORM, "posting.updated"),
    ("owner", "post", "/postings/{draft}/submit", {}, "posting.submitted"),
    ("owner", "post", "/postings/{published}/withdraw", {}, "posting.withdrawn"),
    ("owner", "post", "/postings/{published}/close", {"reason": "abandoned", "note": ""}, "posting.closed"),
    ("bureau", "post", "/review/postings/{pending}/publish", {"note": ""}, "posting.published"),
    (
        "bureau",
        "post",
        "/review/postings/{pending}/return",
        {"reason": "请补充技术指标。"},
        "posting.returned",
    ),
    ("bureau", "post", "/review/organizations/{pending_org}/verify", {"note": ""}, "organization.verified"),
    (
        "bureau",
        "post",
        "/review/organizations/{pending_org}/reject",
        {"reason": "资料不符。"},
        "organization.rejected",
    ),
    ("bureau", "post", "/admin/taxonomies/towns", {"name": "新设镇", "position": "5"}, "term.created"),
    (
        "bureau",
        "post",
        "/admin/users",
        {"org_name": "宝应县科学技术局", "name": "新科员", "email": "new@staff.cn", "password": PASSWORD},
        "organization.created user.created",  # a new department and its first account
    ),
    ("owner", "post", "/auth/account", {"name": "省平台", "days": "30"}, "token.created"),
    (
        "owner",
        "post",
        "/auth/password",
        {
            "current_password": PASSWORD,
            "new_password": "another-long-pass",
            "new_password_confirm": "another-long-pass",
        },
        "user.password_changed",
    ),
]


@pytest.mark.parametrize(
    ("who", "method", "url", "data", "action"), WRITES, ids=[w[4].split()[-1] for w in WRITES]
)
def test_every_write_leaves_exactly_one_entry_naming_its_actor(
    app: Flask,
    client: FlaskClient,
    auth: Auth,
    world: World,
    who: str,
    method: str,
    url: str,
    data: dict[str, Any],
    action: str,
) -> None:
    email = getattr(world, who)
    auth.login(email)
    after = newest(app)
    response = getattr(client, method)(url.format(**vars(world)), data=data)
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:500]
    entries = [
        e for e in since(app, after) if e["action"] != "user.logged_in"
    ]  # re-login after a password change
    assert [e["action"] for e in entries] == action.split()
    assert all(e["actor"] == email and e["address"] == "127.0.0.1" for e in entries)


def test_other_writes_each_leave_their_entry(
    app: Flask, client: FlaskClient, auth: Auth, world: World, make: Factory
) -> None:
    """Registration, login, logout, organisation edits, disabling, tokens revoked, lists, imports."""
    with app.app_context():
        town = str(db.session.scalar(select(Town.id).where(Town.name == "安宜镇")))
    after = newest(app)
    client.post(
        "/auth/register",
        data={
            "org_name": "注册的公司",
            "org_type": "enterprise",
            "credit_code": "91321023MA0000099Y",
            "town": town,
            "tier": "",
            "contact_name": "张三",
            "contact_phone": "13912345678",
            "email": "reg@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert [e["action"] for e in since(app, after)] == ["organization.registered"]
    steps: list[tuple[Callable[[], Any], str, str]] = [
        (lambda: auth.login("reg@example.com"), "user.logged_in", "reg@example.com"),
        (
            lambda: client.post(
                "/auth/organization",
                data={
                    "org_name": "注册的公司",
                    "credit_code": "91321023MA0000099Y",
                    "town": town,
                    "tier": "",
                    "contact_name": "李四",
                    "contact_phone": "13912345678",
                    "description": "",
                },
            ),
            "organization.updated",
            "reg@example.com",
        ),
        (lambda: auth.logout(), "user.logged_out", "reg@example.com"),
        (lambda: auth.login(world.bureau), "user.logged_in", world.bureau),
        (
            lambda: client.post(f"/admin/users/{make.user_id(world.university)}/disable"),
            "user.disabled",
            world.bureau,
        ),
        (
            lambda: client.post(f"/admin/users/{make.user_id(world.university)}/enable"),
            "user.enabled",
            world.bureau,
        ),
        (
            lambda: client.post(
                "/lists/new", data={"list_kind": "rd_needs", "tech_field": "", "town": "", "confirmed": "yes"}
            ),
            "list.published",
            world.bureau,
        ),
    ]
    for act, action, actor in steps:
        mark = newest(app)
        act()
        entries = since(app, mark)
        assert [e["action"] for e in entries] == [action], entries
        assert entries[0]["actor"] == actor
    with app.app_context():
        list_id = db.session.scalar(
            select(JournalEntry.object_id).where(JournalEntry.action == "list.published")
        )
    mark = newest(app)
    client.post(f"/lists/{list_id}/withdraw", data={"reason": "误发"})
    assert [(e["action"], e["note"]) for e in since(app, mark)] == [("list.withdrawn", "误发")]
    mark = newest(app)
    csv = "类型,标题,详细描述,单位名称\n研发需求,导入的研发需求,导入的详细描述足够长，超过二十个字，用于检查操作记录。,导入的新公司\n"
    page = client.post(
        "/admin/imports", data={"file": (BytesIO(csv.encode()), "x.csv")}, content_type="multipart/form-data"
    )
    token = page.get_data(as_text=True).split('name="token" type="hidden" value="')[1].split('"')[0]
    client.post("/admin/imports/confirm", data={"token": token})
    actions = [e["action"] for e in since(app, mark)]
    assert actions.count("import.confirmed") == 1  # the operation: one entry…
    assert (
        actions.count("posting.imported") == 1 and actions.count("organization.created") == 1
    )  # …each object its own
    assert all(e["actor"] == world.bureau for e in since(app, mark))


def test_a_rolled_back_change_leaves_no_entry(app: Flask, world: World) -> None:
    from matchmaker.accounts import operations as accounts
    from matchmaker.postings import operations as postings
    from matchmaker.postings.models import Posting

    before = newest(app)
    with app.app_context():
        owner = accounts.find_user_by_email(world.owner)
        postings.submit_posting(db.session.get(Posting, world.draft), actor=owner)
        db.session.flush()
        assert db.session.scalar(select(JournalEntry.id).order_by(JournalEntry.id.desc()).limit(1)) > before
        db.session.rollback()  # written in the transaction, gone with it
    assert newest(app) == before


def test_secrets_never_reach_the_journal(app: Flask, client: FlaskClient, auth: Auth, world: World) -> None:
    auth.login(world.owner)
    page = client.post("/auth/account", data={"name": "省平台", "days": "30"}).get_data(as_text=True)
    secret = page.split('<pre class="code" id="new-token">')[1].split("<")[0]
    client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another-long-pass",
            "new_password_confirm": "another-long-pass",
        },
    )
    with app.app_context():
        everything = json.dumps(
            [(e.changes, e.note) for e in db.session.scalars(select(JournalEntry))], ensure_ascii=False
        )
    for leaked in (secret, "another-long-pass", PASSWORD):
        assert leaked not in everything


def test_confidential_details_are_journaled_as_changed_never_by_content(
    app: Flask, client: FlaskClient, auth: Auth, world: World
) -> None:
    auth.login(world.owner)
    after = newest(app)
    client.post(
        f"/postings/{world.draft}/edit", data={**POSTING_FORM, "confidential_detail": "客户是某某电池厂"}
    )
    entry = since(app, after)[0]
    assert entry["changes"]["confidential_detail"] == [None, "（保密内容）"]
    assert "某某电池厂" not in json.dumps(entry, ensure_ascii=False)


def test_the_audit_page_filters_and_exports(
    app: Flask, client: FlaskClient, auth: Auth, world: World
) -> None:
    auth.login(world.bureau)
    client.post(f"/review/postings/{world.pending}/publish", data={"note": "同意"})
    page = client.get("/admin/audit?action=posting.published").get_data(as_text=True)
    assert "审核通过并发布" in page and "提交审核" not in page.split("<tbody>")[1]
    by_object = client.get(f"/admin/audit?object=posting&object_id={world.pending}").get_data(as_text=True)
    assert "提交审核" in by_object and "审核通过并发布" in by_object and "创建草稿" in by_object
    by_person = client.get("/admin/audit", query_string={"person": world.bureau}).get_data(as_text=True)
    assert "审核通过并发布" in by_person and "创建草稿" not in by_person.split("<tbody>")[1]
    assert "日期格式" in client.get("/admin/audit?since=2026-13-45").get_data(as_text=True)
    export = client.get(f"/admin/audit.xlsx?object=posting&object_id={world.pending}")
    sheet = openpyxl.load_workbook(BytesIO(export.data)).active
    assert [c.value for c in sheet[1]][:3] == ["编号", "时间", "操作"]
    assert {row[2].value for row in sheet.iter_rows(min_row=2)} >= {"提交审核", "审核通过并发布"}
    auth.logout()
    auth.login(world.owner)
    assert client.get("/admin/audit").status_code == 403


def test_audit_command_and_retention(app: Flask, world: World) -> None:
    from datetime import timedelta

    from matchmaker.core.models import utcnow

    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "--object", f"posting:{world.published}"]).output
    assert "审核通过并发布" in out and "提交审核" in out and "创建草稿" in out
    assert "对象应写作" in runner.invoke(args=["audit", "--object", "nonsense:x"]).output
    with app.app_context():
        old = db.session.get(JournalEntry, 1)
        old.at = utcnow() - timedelta(days=4000)
        recent = db.session.get(JournalEntry, 2)
        recent.at = utcnow() - timedelta(days=100)
        db.session.commit()
    pruned = runner.invoke(args=["audit", "prune"])
    assert pruned.exit_code == 0 and "已删除 1 条" in pruned.output
    with app.app_context():
        assert db.session.get(JournalEntry, 1) is None and db.session.get(JournalEntry, 2) is not None


def test_a_savepoint_inside_a_change_leaves_the_consumers_to_its_own_commit(
    app: Flask, make: Factory
) -> None:
    """SQLAlchemy also calls after_commit when a savepoint is released, and after_rollback when
    one is rolled back; the transaction goes on. The search index and the notifications must
    still read the whole change right after the transaction's own commit (the demo data's
    subscriptions are created in savepoints: each release waited out SQLite's lock, 5 s)."""
    from matchmaker import search
    from matchmaker.core import journal
    from matchmaker.core.consumers import Cursor
    from matchmaker.notifications.models import ConsumerCursor
    from matchmaker.notifications.operations import NAME
    from matchmaker.postings.models import Posting

    owner = make.user()
    posting_id = make.posting(owner)
    with app.test_request_context():
        search.check()  # the index exists before the change
        posting = db.session.get(Posting, posting_id)
        assert posting is not None
        posting.title = "高精度伺服电机温升抑制技术需求"
        with db.session.begin_nested():
            journal.record("test.inside", None, actor=None, object_type="organization")
        with pytest.raises(ValueError), db.session.begin_nested():
            journal.record("test.undone", None, actor=None, object_type="organization")
            raise ValueError
        db.session.commit()
        newest = db.session.scalar(select(JournalEntry.id).order_by(JournalEntry.id.desc()).limit(1))
        actions = list(db.session.scalars(select(JournalEntry.action).where(JournalEntry.id > newest - 2)))
        assert actions == ["posting.changed", "test.inside"]  # the undone one is gone
        cursor = db.session.get(ConsumerCursor, NAME)
        assert cursor is not None and Cursor.from_json(cursor.state).upto == newest  # read at the commit
        report = search.check()
        assert report.pending == 0 and not report.stale  # indexed at the commit, not later
        assert posting_id in [i for i, _ in search.find("温升抑制").ranked]
