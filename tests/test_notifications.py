"""Notifications: one for each event that concerns someone, saying what happened and linking to
it; the header's unread count; e-mail at once or as a daily digest through a real local SMTP
server; and nothing lost or broken without one (or with one that fails)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from matchmaker import create_app
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.core import clock, jobs
from matchmaker.core.extensions import db
from matchmaker.notifications import operations as notifications
from matchmaker.notifications.models import ConsumerCursor, Notification
from matchmaker.notifications.values import EmailMode
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.values import PairingState
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory, app_config
from tests.test_pairings import NEED, OUTCOME, login

RD, RO = PostingKind.RD_NEED, PostingKind.RESEARCH_OUTCOME


class Inbox:
    """aiosmtpd handler: every message the platform hands to the SMTP server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[attr-defined]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mail_app(db_path: Path, smtp: tuple[Inbox, int]) -> Iterator[Flask]:
    app = create_app(
        app_config(db_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], BASE_URL="https://zjtx.example.cn")
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def notes(app: Flask, email: str, *, besides_review: bool = True) -> list[Notification]:
    """The user's notifications, oldest first (without "your posting was published", which every
    factory-made posting brings its owner, unless asked)."""
    with app.app_context():
        user = accounts.find_user_by_email(email)
        stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        if besides_review:
            stmt = stmt.where(Notification.kind != "review")
        found = list(db.session.scalars(stmt))
        for n in found:
            db.session.expunge(n)
        return found


def follow(client: FlaskClient, notification: Notification) -> str:
    """Open a notification as its user would: it becomes read and leads to a page that works."""
    response = client.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 302 and response.location == notification.link
    page = client.get(notification.link)
    assert page.status_code == 200
    return page.get_data(as_text=True)


@pytest.fixture
def sides(make: Factory) -> dict:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    return {
        "enterprise": enterprise,
        "university": university,
        "bureau": make.bureau(),
        "need": make.posting(enterprise, RD, **NEED),
        "outcome": make.posting(university, RO, **OUTCOME),
    }


def test_each_event_notifies_the_other_side_with_a_working_link(
    app: Flask, client: FlaskClient, make: Factory, sides: dict
) -> None:
    enterprise, university = sides["enterprise"], sides["university"]
    pairing = make.pairing(university, sides["need"], own_id=sides["outcome"])
    interest = notes(app, enterprise)[-1]
    assert (
        interest.kind == "interest" and NEED["title"] in interest.title and "表达了合作意向" in interest.title
    )
    login(client, enterprise)
    assert "接受，开始对接" in follow(client, interest)
    assert notes(app, enterprise)[-1].read_at is not None

    client.post(f"/pairings/{pairing}/accept")
    answer = notes(app, university)[-1]
    assert answer.kind == "answer" and "接受了" in answer.title
    client.post(f"/pairings/{pairing}/messages", data={"text": "请问何时方便到厂里看设备？"})
    login(client, university)
    message = notes(app, university)[-1]
    assert message.kind == "message" and message.body == "请问何时方便到厂里看设备？"
    assert "请问何时方便" in follow(client, message)
    client.post(f"/pairings/{pairing}/advance", data={"to": "negotiating"})
    progress = notes(app, enterprise)[-1]
    assert progress.kind == "progress" and "洽谈中" in progress.title

    login(client, sides["bureau"])
    client.post(f"/pairings/{pairing}/nudge", data={"note": "请更新进展"})
    for side in (enterprise, university):
        assert notes(app, side)[-1].kind == "nudge"
    assert notes(app, sides["bureau"]) == []  # the actor is not told of their own step


def test_a_decline_tells_the_reason(app: Flask, make: Factory, sides: dict) -> None:
    make.pairing(sides["university"], sides["need"], PairingState.DECLINED)
    told = notes(app, sides["university"])[-1]
    assert "婉拒" in told.title and "成本不合适" in told.body


def test_review_decisions_and_strong_proposals_are_notified(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    make.posting(enterprise, RD, **NEED)
    returned = make.posting(university, RO, postings.PostingStatus.RETURNED, title="待完善的成果")
    assert "退回修改" in notes(app, university, besides_review=False)[-1].title
    make.posting(university, RO, **OUTCOME)  # published: matches the enterprise's need strongly
    published = [n for n in notes(app, university, besides_review=False) if n.kind == "review"][-1]
    assert "已审核通过并发布" in published.title and "高匹配" in (published.body or "")
    proposal = [n for n in notes(app, enterprise) if n.kind == "proposal"]
    assert proposal and OUTCOME["title"] in proposal[0].title and "匹配度" in proposal[0].title
    login(client, enterprise)
    assert OUTCOME["title"] in follow(client, proposal[0])
    login(client, university)
    assert "请补充技术指标" in follow(
        client,
        next(n for n in notes(app, university, besides_review=False) if n.link.endswith(f"/{returned}")),
    )


def test_expiring_postings_are_reminded_once_and_renewable(
    app: Flask, client: FlaskClient, runner: object, make: Factory
) -> None:
    owner = make.user()
    posting = make.posting(
        owner,
        RD,
        valid_until=clock.today() + timedelta(days=7),
        **{k: NEED[k] for k in ("title", "description")},
    )
    result = runner.invoke(args=["send-digests"])  # type: ignore[attr-defined]
    assert result.exit_code == 0 and "到期提醒 1 条" in result.output and "未配置邮件" in result.output
    runner.invoke(args=["send-digests"])  # type: ignore[attr-defined]
    expiring = [n for n in notes(app, owner) if n.kind == "expiring"]
    assert len(expiring) == 1 and "到期" in expiring[0].title
    login(client, owner)
    assert "有效期延长半年" in follow(client, expiring[0])
    client.post(f"/postings/{posting}/renew")
    with app.app_context():
        assert db.session.get(Posting, posting).valid_until > clock.today() + timedelta(days=150)


def test_header_shows_the_unread_count_and_mark_all_read(
    app: Flask, client: FlaskClient, make: Factory, sides: dict
) -> None:
    make.pairing(sides["university"], sides["need"])
    login(client, sides["enterprise"])
    home = client.get("/home").get_data(as_text=True)
    assert 'class="badge"' in home and ">1<" in home
    assert "表达了合作意向" in client.get("/notifications/?unread=1").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert "没有未读通知" in client.get("/notifications/?unread=1").get_data(as_text=True)
    someone_elses = notes(app, sides["university"])
    if someone_elses:
        assert client.post(f"/notifications/{someone_elses[0].id}/open").status_code == 404


def test_without_smtp_nothing_breaks_and_nothing_is_lost(
    app: Flask, runner: object, make: Factory, sides: dict
) -> None:
    make.pairing(sides["university"], sides["need"])
    assert [n.kind for n in notes(app, sides["enterprise"])] == ["proposal", "interest"]
    result = runner.invoke(args=["send-digests"])  # type: ignore[attr-defined]
    assert result.exit_code == 0 and "未配置邮件" in result.output
    assert all(n.emailed_at is None for n in notes(app, sides["enterprise"]))  # kept, for the platform


def test_daily_digest_through_a_real_smtp_server(mail_app: Flask, smtp: tuple[Inbox, int]) -> None:
    inbox, _ = smtp
    make = Factory(mail_app)
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    make.pairing(university, need)
    other = make.posting(
        enterprise, RD, title="第二条需求", description="另一条研发需求，描述足够具体，超过二十个字。"
    )
    make.pairing(university, other)
    assert inbox.messages == []  # daily is the default: nothing mailed yet
    result = mail_app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0 and "每日汇总邮件 1 封" in result.output, result.output
    [digest] = inbox.wait_for(1)
    text = body(digest)
    assert digest["To"] == enterprise and "今日通知（4 条）" in digest["Subject"]  # 2 published, 2 interests
    assert NEED["title"] in text and "第二条需求" in text and "https://zjtx.example.cn/pairings/" in text
    mail_app.test_cli_runner().invoke(args=["send-digests"])
    assert len(inbox.wait_for(2, timeout=0.5)) == 1  # nothing twice


def test_immediate_mail_and_a_failing_server(mail_app: Flask, smtp: tuple[Inbox, int], db_path: Path) -> None:
    inbox, _ = smtp
    make = Factory(mail_app)
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    with mail_app.app_context():
        accounts.set_email_mode(accounts.find_user_by_email(enterprise), EmailMode.IMMEDIATE)
        db.session.commit()
    need = make.posting(enterprise, RD, **NEED)
    make.pairing(university, need)
    mails = [m for m in inbox.wait_for(2) if "表达了合作意向" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == enterprise
    assert "https://zjtx.example.cn/pairings/" in body(mails[0])
    before = len(inbox.messages)

    # A mail server that is down: the user's action still succeeds; the mail waits for the next run.
    broken = create_app(
        app_config(
            db_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), BASE_URL="https://x.cn", MAIL_TIMEOUT=1
        )
    )
    other = Factory(broken)
    second = other.posting(
        enterprise, RD, title="第三条需求", description="又一条研发需求，描述足够具体，超过二十个字。"
    )
    other.pairing(university, second)
    with broken.app_context():
        notifications.run(db.engine)  # whatever an after-commit run had to leave to the next one
        notifications.deliver_immediate()  # the server is down: it raises nothing, sends nothing
        waiting = db.session.scalars(
            select(Notification).where(Notification.emailed_at.is_(None), Notification.kind == "interest")
        ).all()
        assert [n.mail_attempts for n in waiting if "第三条需求" in n.title] in ([1], [2])  # kept, not mailed
        db.engine.dispose()
    assert not any("第三条需求" in m["Subject"] for m in inbox.messages)
    result = mail_app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0
    assert any("第三条需求" in m["Subject"] for m in inbox.wait_for(before + 1))


def test_each_mail_goes_out_once_however_many_senders_run_at_once(
    mail_app: Flask, smtp: tuple[Inbox, int]
) -> None:
    """Every commit that makes notifications starts a sender; on several workers and machines they
    overlap. One notice, one mail (CI once caught the same "published" mail sent twice)."""
    inbox, _ = smtp
    mail_app.config["NOTIFY_AFTER_COMMIT"] = False  # the senders below are the only ones
    make = Factory(mail_app)
    enterprise = make.user()
    with mail_app.app_context():
        accounts.set_email_mode(accounts.find_user_by_email(enterprise), EmailMode.IMMEDIATE)
        db.session.commit()
    for i in range(3):
        make.posting(enterprise, RD, title=f"第{i + 1}条需求", description=NEED["description"])
    with mail_app.app_context():
        assert notifications.run(db.engine) == 3  # three "published" notices
    start = threading.Barrier(4)

    def sender() -> None:
        with mail_app.app_context():
            start.wait(5)
            notifications.deliver_immediate()
            db.engine.dispose()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    inbox.wait_for(4, timeout=1.0)
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert len(subjects) == 3 and len(set(subjects)) == 3, subjects
    with mail_app.app_context():
        assert (
            db.session.scalar(
                select(db.func.count()).select_from(Notification).where(Notification.emailed_at.is_(None))
            )
            == 0
        )


def test_a_notice_is_not_left_for_tomorrow_when_the_consumer_is_busy(
    app: Flask, make: Factory, sides: dict
) -> None:
    """Right after a commit another process (a mail being claimed, another worker's run) can hold
    the consumer's cursor; the interest must still reach the enterprise within seconds, not wait for
    the next change or the morning's send-digests (CI once caught exactly this race)."""
    taken, released = threading.Event(), threading.Event()

    def hold_the_cursor() -> None:
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(
                update(ConsumerCursor)
                .where(ConsumerCursor.name == notifications.NAME)
                .values(updated_at=ConsumerCursor.updated_at)
            )
            taken.set()
            time.sleep(1.0)
            connection.rollback()
        released.set()

    def busy_right_after_this_commit(session: Session) -> None:
        if session.info.get(notifications.WRITTEN) and not taken.is_set():
            threading.Thread(target=hold_the_cursor, daemon=True).start()
            taken.wait(5)

    event.listen(Session, "after_commit", busy_right_after_this_commit, insert=True)
    try:
        make.pairing(sides["university"], sides["need"])
    finally:
        event.remove(Session, "after_commit", busy_right_after_this_commit)
    assert taken.is_set() and released.wait(5)
    deadline = time.monotonic() + 10
    while "interest" not in [n.kind for n in notes(app, sides["enterprise"])] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [n.kind for n in notes(app, sides["enterprise"])] == ["proposal", "interest"]


def test_a_burst_of_catch_ups_costs_the_web_process_nothing_and_the_worker_its_threads(
    db_path: Path, make: Factory, sides: dict
) -> None:
    """While another process holds the cursor, every commit asks for a catch-up; they are jobs on
    the queue, not one waiting thread (and pooled connection) each in the web process: CI once saw
    such a pile empty the pool, and the search index's drain fail for want of a connection. The
    real worker (one thread here) then makes the notice."""
    queued = create_app(app_config(db_path, JOBS_IMMEDIATE=False, NOTIFY_AFTER_COMMIT=False))
    Factory(queued).pairing(sides["university"], sides["need"])  # its notice is left to the jobs
    assert [n.kind for n in notes(queued, sides["enterprise"])] == ["proposal"]
    taken, release = threading.Event(), threading.Event()

    def hold_the_cursor() -> None:
        with queued.app_context(), db.engine.connect() as connection:
            connection.execute(
                update(ConsumerCursor)
                .where(ConsumerCursor.name == notifications.NAME)
                .values(updated_at=ConsumerCursor.updated_at)
            )
            taken.set()
            release.wait(10)
            connection.rollback()

    holder = threading.Thread(target=hold_the_cursor, daemon=True)
    holder.start()
    assert taken.wait(5)
    with queued.app_context():
        for _ in range(20):
            notifications.deliver_in_background(catch_up=True)
        busy = db.engine.pool.checkedout()
        assert jobs.queue().pending() >= 20
    release.set()
    holder.join(10)
    assert busy <= 1  # the holder's only
    worker = jobs.consumer(queued, workers=1)
    worker.start()
    try:
        assert jobs.wait_until_idle(queued, timeout=30)
    finally:
        worker.stop(graceful=True)
    assert [n.kind for n in notes(queued, sides["enterprise"])] == ["proposal", "interest"]
    with queued.app_context():
        db.engine.dispose()


def test_notifications_are_made_once_even_if_the_consumer_runs_again(
    app: Flask, make: Factory, sides: dict
) -> None:
    make.pairing(sides["university"], sides["need"])
    with app.app_context():
        assert notifications.run(db.engine) == 0
    assert [n.kind for n in notes(app, sides["enterprise"])] == ["proposal", "interest"]


def test_a_colleague_of_the_actor_is_told_too(app: Flask, make: Factory, sides: dict) -> None:
    colleague = make.user(make.org_of(sides["enterprise"]))
    pairing = make.pairing(sides["university"], sides["need"])
    with app.app_context():
        p = pairings.existing(db.session.get(Posting, sides["need"]), make.org_of(sides["university"]))
        assert p is not None and p.id == pairing
        user = db.session.scalar(select(User).where(User.email == sides["university"]))
        pairings.post_message(p, "补充一点资料。", actor=user)
        db.session.commit()
    assert [n.kind for n in notes(app, colleague)] == ["interest", "message"]


def test_a_title_with_a_line_break_never_stops_the_mail(
    mail_app: Flask, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A posting title stored with CR/LF (the API accepted them once) went into a mail header:
    every send-digests run crashed, lost the notice it had claimed and stopped all other digests.
    Now the header is one line, and a notice that cannot be mailed at all is handed back while the
    others go out."""
    inbox, _ = smtp
    mail_app.config["NOTIFY_AFTER_COMMIT"] = False  # send-digests below is the only sender
    make = Factory(mail_app)
    hostile, calm, university = make.user(), make.user(), make.user(org_type=OrgType.UNIVERSITY)
    broken = make.posting(hostile, RD, **NEED)
    fine = make.posting(
        calm, RD, title="第二条需求", description="另一条研发需求，描述足够具体，超过二十个字。"
    )
    with mail_app.app_context():  # written before one-line fields refused line breaks
        db.session.execute(
            update(Posting).where(Posting.id == broken).values(title="轴承\r\nBcc: victim@example.cn")
        )
        accounts.set_email_mode(accounts.find_user_by_email(hostile), EmailMode.IMMEDIATE)
        db.session.commit()
    make.pairing(university, broken)
    make.pairing(university, fine)
    with mail_app.app_context():
        notifications.run(db.engine)
    result = mail_app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    mails = list(inbox.messages)  # the command sends before it returns
    assert {m["To"] for m in mails} == {hostile, calm}  # the others' digest went out too
    assert any("轴承 Bcc: victim@example.cn" in m["Subject"] for m in mails)  # on one line
    assert all(m["Bcc"] is None for m in mails)
    assert not [n for n in notes(mail_app, hostile) if n.kind == "interest" and n.emailed_at is None]

    # A notice whose mail cannot even be built: the others still go out; it is handed back.
    make.pairing(make.user(org_type=OrgType.UNIVERSITY), broken)
    make.pairing(make.user(org_type=OrgType.UNIVERSITY), fine)
    with mail_app.app_context():
        notifications.run(db.engine)
        for email in (hostile, calm):
            accounts.set_email_mode(accounts.find_user_by_email(email), EmailMode.IMMEDIATE)
        db.session.commit()
    real_text = notifications._text

    def refuse_the_hostile(n: Notification) -> str:
        if n.user.email == hostile:
            raise ValueError("cannot build this mail")
        return real_text(n)

    monkeypatch.setattr(notifications, "_text", refuse_the_hostile)
    result = mail_app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    assert {m["To"] for m in inbox.messages[len(mails) :]} == {calm}
    waiting = [n for n in notes(mail_app, hostile) if n.kind == "interest" and n.emailed_at is None]
    assert len(waiting) == 1 and waiting[0].mail_attempts == 1  # handed back, tried again next run


# What each capability's notices.py answers. A journaled object type that once told someone and
# has no rule registered any more would silently tell nobody: this is the list that says so.
TOLD = {
    "agreement": {
        "agreement.recorded",
        "agreement.edited",
        "agreement.confirmed",
        "agreement.verified",
        "agreement.returned",
        "agreement.reconfirm",
        "agreement.reopened",
        "agreement.deleted",
    },
    "organization": {
        "organization.verified",
        "organization.rejected",
        "organization.registered",
        "organization.resubmitted",
        "organization.updated",
    },
    "user": {"user.locked", "user.password_changed", "user.password_reset"},
    "posting": {
        "posting.submitted",
        "posting.published",
        "posting.returned",
        "posting.found",
        "posting.confirmed",
        "posting.refused",
        "posting.confirmed_by_staff",
    },
    "specialist": {"specialist.appointed"},
    "assignment": {"assignment.created"},
    "diagnosis": {"diagnosis.recorded"},
    "call": {"call.proposed", "call.approved", "call.invited", "call.cancelled", "call.awarded"},
    "proposal": {"proposal.submitted"},
    "followup": {"followup.asked", "followup.overdue"},
    "pairing": {
        "pairing.created",
        "pairing.introduced",
        "pairing.accepted",
        "pairing.declined",
        "pairing.message",
        "pairing.negotiating",
        "pairing.signed",
        "pairing.failed",
        "pairing.nudged",
    },
    "event": {
        "event.invited",
        "event.meeting_requested",
        "event.scheduled",
        "event.meeting_moved",
        "event.meeting_removed",
        "event.meeting_added",
        "event.cancelled",
        "event.updated",
    },
}


def test_every_capabilitys_rules_are_registered_when_the_app_starts(app: Flask) -> None:
    """The factory imports every <capability>/notices.py, each registers its rules, and every
    journaled object type that tells someone has its rules (none forgotten, none left to a module
    nobody imports)."""
    from matchmaker import register_notices
    from matchmaker.notifications import rules

    package = Path(__file__).resolve().parents[1] / "matchmaker"
    on_disk = {f"matchmaker.{p.parent.name}.notices" for p in package.glob("*/notices.py")}
    listed = {m.__name__ for m in register_notices()}
    assert listed == on_disk  # a new notices.py is listed in the factory
    answered = rules.actions()
    for module in listed:  # and registers something
        assert any(r.__module__ == module for a in answered for r in rules.rules_for(a)), module
    by_type: dict[str, set[str]] = {}
    for action in answered:
        by_type.setdefault(action.split(".")[0], set()).add(action)
    missing = {t: actions - by_type.get(t, set()) for t, actions in TOLD.items()}
    assert not any(missing.values()), f"journaled actions that tell nobody any more: {missing}"
    with pytest.raises(ValueError, match="unknown journal action"):
        rules.register("agreement.signd", rules.rules_for("agreement.recorded")[0])
