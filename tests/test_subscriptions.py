"""Subscriptions (订阅推送): a user saves a search, or "new proposals for my postings above N",
and hears of each new posting once, with why it matched, at the frequency chosen — never of a
posting they may not see; one that would flood is refused saying how to narrow it; editable and
cancellable on 我的账号's pages and through the API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from matchmaker import create_app
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.notifications.models import Notification
from matchmaker.notifications.values import EmailMode
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus, Visibility
from matchmaker.subscriptions import operations as subscriptions
from matchmaker.subscriptions.models import Subscription, SubscriptionItem
from matchmaker.subscriptions.values import Basis, Frequency
from tests.conftest import Factory, app_config
from tests.test_notifications import Inbox, body, smtp  # noqa: F401 - the real SMTP server fixture
from tests.test_pairings import NEED, OUTCOME, login, page

RD, RO = PostingKind.RD_NEED, PostingKind.RESEARCH_OUTCOME
# 2027-01-04 is a Monday; the site's zone is Asia/Shanghai (UTC+8) and DIGEST_HOUR 7.
MONDAY_0600 = datetime(2027, 1, 3, 22, 0, tzinfo=UTC)
MONDAY_0700 = datetime(2027, 1, 3, 23, 0, tzinfo=UTC)
TUESDAY_0700 = datetime(2027, 1, 4, 23, 0, tzinfo=UTC)
SEARCH = {
    "basis": "search",
    "frequency": "immediate",
    "name": "",
    "query": "",
    "kind": "",
    "min_strength": "",
}


def subscribe(client: FlaskClient, **form: Any) -> Any:
    return client.post("/account/subscriptions/", data={**SEARCH, **form}, follow_redirects=True)


def run(app: Flask, now: datetime | None = None) -> tuple[int, int]:
    with app.app_context():
        return subscriptions.run(now)


def told(app: Flask, email: str) -> list[Notification]:
    with app.app_context():
        user = accounts.find_user_by_email(email)
        found = list(
            db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id, Notification.kind == "subscription")
                .order_by(Notification.id)
            )
        )
        for n in found:
            db.session.expunge(n)
        return found


def items(app: Flask) -> list[tuple[int, int, bool]]:
    with app.app_context():
        return [
            (i.subscription_id, i.posting_id, i.shown)
            for i in db.session.scalars(select(SubscriptionItem).order_by(SubscriptionItem.id))
        ]


@pytest.fixture
def people(make: Factory) -> dict[str, str]:
    return {
        "enterprise": make.user(),
        "university": make.user(org_type=OrgType.UNIVERSITY),
        "bureau": make.bureau(),
    }


def test_a_saved_search_tells_of_a_new_posting_once_and_says_why(
    app: Flask, client: FlaskClient, make: Factory, people: dict[str, str]
) -> None:
    login(client, people["university"])
    shown = subscribe(client, query="热变形 补偿", name="机床热变形").get_data(as_text=True)
    assert "已订阅“机床热变形”" in shown
    need = make.posting(people["enterprise"], RD, **NEED)
    make.posting(
        people["enterprise"],
        RD,
        title="注塑模具冷却水路优化",
        description="模具冷却不均导致翘曲，希望优化冷却水路设计方案。",
    )
    found, sent = run(app)
    assert (found, sent) == (1, 1)
    [note] = told(app, people["university"])
    assert note.title == "订阅“机床热变形”有 1 条新信息"
    assert NEED["title"] in (note.body or "") and "匹配原因：含关键词「热变形」、「补偿」" in (
        note.body or ""
    )
    assert f"/postings/{need}" in (note.body or "")
    detail = page(client, note.link)
    assert NEED["title"] in detail and '<mark class="hl">补偿</mark>' in detail
    assert run(app) == (0, 0)  # nothing new: nothing told again
    with app.app_context():  # edited and published again: still the same item, told once
        posting = db.session.get(Posting, need)
        owner = accounts.find_user_by_email(people["enterprise"])
        postings.withdraw_posting(posting, actor=owner)
        postings.submit_posting(posting, actor=owner)
        postings.publish_posting(posting, actor=make._reviewer())
        db.session.commit()
    assert run(app)[1] == 0
    assert len(told(app, people["university"])) == 1


def test_at_most_once_per_item_under_concurrent_workers(
    app: Flask, make: Factory, people: dict[str, str], db_path: Path
) -> None:
    with app.app_context():
        user = accounts.find_user_by_email(people["university"])
        subscriptions.create(
            subscriptions.Details("热变形", Basis.SEARCH, Frequency.IMMEDIATE, query="热变形"), actor=user
        )
        db.session.commit()
    need = make.posting(people["enterprise"], RD, **NEED)
    with app.app_context():
        rows = subscriptions.match([need])
        assert len(rows) == 1
    # Two workers that matched the same posting store it at the same moment: one row.
    other = create_app(app_config(db_path))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(target: Flask) -> None:
        try:
            with target.app_context():
                barrier.wait()
                subscriptions.store([dict(r) for r in rows])
                db.session.commit()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(a,)) for a in (app, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(items(app)) == 1
    # The table itself refuses a second row for the same subscription and posting.
    with app.app_context():
        sub_id = items(app)[0][0]
        db.session.add(SubscriptionItem(subscription_id=sub_id, posting_id=need, reason={}))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    # Two workers delivering at once: one digest.
    sent: list[int] = []
    barrier = threading.Barrier(2)

    def deliverer(target: Flask) -> None:
        with target.app_context():
            barrier.wait()
            sent.append(subscriptions.deliver())

    threads = [threading.Thread(target=deliverer, args=(a,)) for a in (app, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(sent) == [0, 1]
    assert len(told(app, people["university"])) == 1
    with other.app_context():
        db.engine.dispose()


def test_nobody_is_told_of_a_posting_they_may_not_see(
    app: Flask, make: Factory, people: dict[str, str]
) -> None:
    with app.app_context():
        for email in (people["university"], people["bureau"]):
            subscriptions.create(
                subscriptions.Details("隔膜", Basis.SEARCH, Frequency.DAILY, query="隔膜"),
                actor=accounts.find_user_by_email(email),
            )
        db.session.commit()
    owner = people["enterprise"]
    directed = make.posting(owner, RD, title="仅主管部门的锂电池隔膜需求", visibility=Visibility.BUREAU)
    make.posting(owner, RD, PostingStatus.PENDING, title="待审核的锂电池隔膜需求")
    make.posting(owner, RD, PostingStatus.DRAFT, title="草稿中的锂电池隔膜需求")
    public = make.posting(owner, RD, title="公开的锂电池隔膜涂覆需求")
    run(app, MONDAY_0600)
    by_user = {}
    with app.app_context():
        for sub in db.session.scalars(select(Subscription)):
            by_user[sub.user.email] = {
                i.posting_id
                for i in db.session.scalars(
                    select(SubscriptionItem).where(SubscriptionItem.subscription_id == sub.id)
                )
            }
    assert by_user[people["university"]] == {public}  # neither the 定向 one nor the unpublished ones
    assert by_user[people["bureau"]] == {public, directed}  # staff may see the 定向 one
    with app.app_context():  # before the daily digest, the public one becomes 定向 too
        posting = db.session.get(Posting, public)
        posting.visibility = Visibility.BUREAU
        db.session.commit()
    with time_machine.travel(MONDAY_0700):
        run(app, MONDAY_0700)
    assert told(app, people["university"]) == []  # dropped: no longer visible
    [note] = told(app, people["bureau"])
    assert "2 条新信息" in note.title and "仅主管部门的锂电池隔膜需求" in (note.body or "")


def test_a_flooding_subscription_is_refused_saying_how_to_narrow_it(
    app: Flask, client: FlaskClient, make: Factory, people: dict[str, str]
) -> None:
    login(client, people["university"])
    empty = subscribe(client).get_data(as_text=True)
    assert "请至少填写关键词，或选择信息类型、技术领域、镇区中的一项" in empty
    for n in range(4):
        make.posting(
            people["enterprise"],
            RD,
            title=f"伺服电机控制需求{n}",
            description="需要伺服电机高精度位置控制算法与驱动器调试服务。",
        )
    app.config["SUBSCRIPTION_FLOOD_PER_DAY"] = 0.1  # 3 in 30 days
    flood = subscribe(client, kind=RD.value).get_data(as_text=True)
    assert "最近 30 天发布的信息中有 4 条会推送给您" in flood
    assert "请填写更具体的关键词" in flood
    assert "请填写更具体的关键词" in subscribe(client, query="伺服电机").get_data(as_text=True)
    assert "已订阅" in subscribe(client, query='伺服电机 驱动器 "热变形"').get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 1


def test_each_user_keeps_a_limited_number(app: Flask, client: FlaskClient, people: dict[str, str]) -> None:
    app.config["SUBSCRIPTIONS_PER_USER"] = 2
    login(client, people["enterprise"])
    assert "已订阅" in subscribe(client, query="伺服").get_data(as_text=True)
    assert "已订阅" in subscribe(client, query="电机").get_data(as_text=True)
    refused = subscribe(client, query="模具").get_data(as_text=True)
    assert "每位用户最多保留 2 个订阅，请先取消不再需要的订阅。" in refused


def test_edit_and_cancel_on_the_account_pages_journaled(
    app: Flask, client: FlaskClient, make: Factory, people: dict[str, str]
) -> None:
    login(client, people["university"])
    assert "订阅推送" in page(client, "/auth/account")
    subscribe(client, query="注塑", frequency="daily")
    with app.app_context():
        sub_id = db.session.scalars(select(Subscription.id)).one()
    edit = f"/account/subscriptions/{sub_id}/edit"
    assert 'value="注塑"' in page(client, edit)
    saved = client.post(
        edit, data={**SEARCH, "query": "热变形", "frequency": "weekly"}, follow_redirects=True
    )
    assert "订阅已保存" in saved.get_data(as_text=True) and "每周汇总一次" in saved.get_data(as_text=True)
    cancelled = client.post(f"/account/subscriptions/{sub_id}/cancel", follow_redirects=True)
    assert "已取消订阅" in cancelled.get_data(as_text=True)
    make.posting(people["enterprise"], RD, **NEED)
    assert run(app, MONDAY_0700) == (0, 0)  # a cancelled subscription hears nothing
    assert client.post(edit, data={**SEARCH, "query": "模具"}).status_code == 403  # nor changes
    with app.app_context():
        actions = [
            e.action
            for e in db.session.scalars(
                select(JournalEntry)
                .where(JournalEntry.object_type == "subscription")
                .order_by(JournalEntry.id)
            )
        ]
    assert actions == ["subscription.created", "subscription.updated", "subscription.cancelled"]
    # someone else's subscription is not found
    login(client, people["enterprise"])
    assert client.get(f"/account/subscriptions/{sub_id}").status_code == 404


@pytest.mark.parametrize(
    ("frequency", "quiet", "due"),
    [
        ("immediate", [], [MONDAY_0600]),
        ("daily", [MONDAY_0600], [MONDAY_0700]),
        ("weekly", [MONDAY_0600 - timedelta(days=1), MONDAY_0600], [MONDAY_0700]),
    ],
)
def test_immediate_daily_and_weekly_timing(
    app: Flask,
    make: Factory,
    people: dict[str, str],
    frequency: str,
    quiet: list[datetime],
    due: list[datetime],
) -> None:
    with app.app_context():
        subscriptions.create(
            subscriptions.Details("热变形", Basis.SEARCH, Frequency(frequency), query="热变形"),
            actor=accounts.find_user_by_email(people["university"]),
        )
        db.session.commit()
    make.posting(people["enterprise"], RD, **NEED)
    for moment in quiet:
        with time_machine.travel(moment):
            assert run(app, moment)[1] == 0, moment
    with time_machine.travel(due[0]):
        assert run(app, due[0])[1] == 1
    assert len(told(app, people["university"])) == 1
    # the next posting waits for the next slot (immediate: none)
    make.posting(
        people["enterprise"],
        RD,
        title="主轴热变形在线测量",
        description="需要主轴热变形在线测量装置，精度达到微米级。",
    )
    later = due[0] + timedelta(hours=2)
    with time_machine.travel(later):
        assert run(app, later)[1] == (1 if frequency == "immediate" else 0)
    if frequency == "daily":
        assert run(app, TUESDAY_0700)[1] == 1
    if frequency == "weekly":
        assert run(app, TUESDAY_0700)[1] == 0
        assert run(app, MONDAY_0700 + timedelta(days=7))[1] == 1
    assert len(told(app, people["university"])) == 2


def test_new_proposals_for_my_postings_above_a_strength(
    app: Flask, client: FlaskClient, make: Factory, people: dict[str, str]
) -> None:
    outcome = make.posting(people["university"], RO, **OUTCOME)
    login(client, people["university"])
    refused = subscribe(client, basis="proposals", min_strength="").get_data(as_text=True)
    assert "匹配度应为 1 到 100 之间的整数" in refused
    assert "已订阅" in subscribe(client, basis="proposals", min_strength="10").get_data(as_text=True)
    need = make.posting(people["enterprise"], RD, **NEED)
    make.posting(
        people["enterprise"],
        RD,
        title="注塑模具冷却水路优化",
        description="模具冷却不均导致翘曲，希望优化冷却水路设计方案。",
    )
    run(app)
    [note] = told(app, people["university"])
    assert NEED["title"] in (note.body or "")
    assert f"与本单位「{OUTCOME['title']}」匹配度" in (note.body or "") and "共同的词" in (note.body or "")
    assert "注塑模具" not in (note.body or "")
    with app.app_context():
        [item] = db.session.scalars(select(SubscriptionItem)).all()
        assert item.posting_id == need and item.reason["own_posting_id"] == outcome
        assert item.reason["strength"] >= 10
    login(client, people["bureau"])
    staff = subscribe(client, basis="proposals", min_strength="10").get_data(as_text=True)
    assert "主管部门没有自己发布的信息，请按搜索条件订阅。" in staff


def test_the_api_lists_creates_reads_changes_and_cancels(
    app: Flask, client: FlaskClient, make: Factory, people: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {make.token(people['university'])}"}
    created = client.post(
        "/api/v1/subscriptions",
        json={"basis": "search", "frequency": "daily", "query": "热变形", "field": None},
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    sub = created.get_json()
    assert sub["name"] == "热变形" and sub["frequency"] == "daily" and sub["active"] is True
    assert created.headers["Location"].endswith(f"/api/v1/subscriptions/{sub['id']}")
    make.posting(people["enterprise"], RD, **NEED)
    run(app, MONDAY_0600)
    one = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=headers).get_json()
    assert [i["title"] for i in one["items"]] == [NEED["title"]]
    assert one["items"][0]["words"] == ["热变形"] and one["items"][0]["sent"] is False
    assert "含关键词「热变形」" in one["items"][0]["why"]
    listed = client.get("/api/v1/subscriptions", headers=headers).get_json()
    assert [s["id"] for s in listed["items"]] == [sub["id"]] and listed["limit"] == 10
    patched = client.patch(
        f"/api/v1/subscriptions/{sub['id']}", json={"frequency": "weekly"}, headers=headers
    )
    assert patched.status_code == 200 and patched.get_json()["frequency"] == "weekly"
    assert patched.get_json()["query"] == "热变形"
    empty = client.patch(f"/api/v1/subscriptions/{sub['id']}", json={"query": None}, headers=headers)
    assert empty.status_code == 422 and "请至少填写关键词" in empty.get_json()["message"]
    unknown = client.post(
        "/api/v1/subscriptions",
        json={"basis": "search", "frequency": "daily", "town": "火星镇"},
        headers=headers,
    )
    assert unknown.status_code == 422
    others = {"Authorization": f"Bearer {make.token(people['enterprise'])}"}
    assert client.get(f"/api/v1/subscriptions/{sub['id']}", headers=others).status_code == 404
    assert client.delete(f"/api/v1/subscriptions/{sub['id']}", headers=others).status_code == 404
    gone = client.delete(f"/api/v1/subscriptions/{sub['id']}", headers=headers)
    assert gone.status_code == 200 and gone.get_json()["active"] is False
    again = client.delete(f"/api/v1/subscriptions/{sub['id']}", headers=headers)
    assert again.status_code == 403 and "该订阅已取消" in again.get_json()["message"]
    assert client.get("/api/v1/subscriptions", headers=headers).get_json()["items"] == []


@pytest.fixture
def mail_app(db_path: Path, smtp: tuple[Inbox, int]) -> Iterator[Flask]:  # noqa: F811
    app = create_app(
        app_config(db_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], BASE_URL="https://zjtx.example.cn")
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_digest_is_mailed_with_the_reasons(mail_app: Flask, smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    make = Factory(mail_app)
    university, enterprise = make.user(org_type=OrgType.UNIVERSITY), make.user()
    with mail_app.app_context():
        user = accounts.find_user_by_email(university)
        accounts.set_email_mode(user, EmailMode.IMMEDIATE)
        subscriptions.create(
            subscriptions.Details("热变形", Basis.SEARCH, Frequency.IMMEDIATE, query="热变形"), actor=user
        )
        db.session.commit()
    make.posting(enterprise, RD, **NEED)
    run(mail_app)
    inbox, _ = smtp
    mails = [m for m in inbox.wait_for(1) if "订阅" in str(m["Subject"])]
    assert len(mails) == 1 and mails[0]["To"] == university
    text = body(mails[0])
    assert NEED["title"] in text and "匹配原因：含关键词「热变形」" in text
    assert "https://zjtx.example.cn/account/subscriptions/" in text


def test_the_demo_data_has_a_couple_of_subscriptions(app: Flask, runner: Any) -> None:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "订阅 2 个" in result.output
    with app.app_context():
        found = {(s.name, s.basis, s.frequency) for s in db.session.scalars(select(Subscription))}
    assert found == {
        ("成果的新需求推荐", Basis.PROPOSALS, Frequency.WEEKLY),
        ("检测相关的新成果", Basis.SEARCH, Frequency.DAILY),
    }
