"""忘记密码: a single-use link by mail that expires within the hour, the same answer whether or not
the address exists; without mail, a one-time password from bureau staff that must be replaced at
the next login. And each user's choice of how notifications arrive by mail."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import PasswordReset, User
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.core.models import utcnow
from tests.conftest import PASSWORD, Factory
from tests.test_notifications import Inbox, body, mail_app, smtp  # noqa: F401  (fixtures)

NEW = "winter-lotus-root-88"


def reset_link(inbox: Inbox, count: int = 1) -> str:
    message = inbox.wait_for(count)[count - 1]
    found = re.search(r"https://zjtx\.example\.cn(/auth/reset/\S+)", body(message))
    assert found, body(message)
    return found.group(1)


def test_reset_by_mail_works_once_and_ends_every_login(mail_app: Flask, smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    inbox, _ = smtp
    make = Factory(mail_app)
    email = make.user()
    client, other_device = mail_app.test_client(), mail_app.test_client()
    other_device.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert other_device.get("/auth/account").status_code == 200

    answer = client.post("/auth/forgot", data={"email": email.upper()})
    assert answer.status_code == 200 and "请查收邮件" in answer.get_data(as_text=True)
    link = reset_link(inbox)
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"new_password": "123456", "new_password_confirm": "123456"})
    assert weak.status_code == 200 and "密码" in weak.get_data(as_text=True)
    done = client.post(link, data={"new_password": NEW, "new_password_confirm": NEW})
    assert done.status_code == 302 and done.location.endswith("/auth/login")
    assert other_device.get("/auth/account").status_code == 302  # logged out everywhere
    assert client.post("/auth/login", data={"email": email, "password": NEW}).status_code == 302
    client.post("/auth/logout")
    spent = client.get(link)
    assert spent.status_code == 404 and "无效或已过期" in spent.get_data(as_text=True)
    with mail_app.app_context():
        actions = [a for (a,) in db.session.execute(db.select(JournalEntry.action))]
        assert "user.password_reset_requested" in actions and "user.password_reset" in actions
        assert NEW not in str([e.changes for e in db.session.scalars(db.select(JournalEntry))])


def test_the_answer_is_the_same_for_unknown_addresses(mail_app: Flask, smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    inbox, _ = smtp
    email = Factory(mail_app).user()
    client = mail_app.test_client()

    def answer(address: str) -> str:
        text = client.post("/auth/forgot", data={"email": address}).get_data(as_text=True)
        return re.sub(r"<strong>[^<]*</strong>|csrf_token[^>]*", "", text)

    assert answer(email) == answer("nobody@example.com")
    assert len(inbox.wait_for(2, timeout=0.5)) == 1  # a mail only to the real account


def test_links_expire_within_the_hour(mail_app: Flask, smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    inbox, _ = smtp
    email = Factory(mail_app).user()
    client = mail_app.test_client()
    client.post("/auth/forgot", data={"email": email})
    link = reset_link(inbox)
    with mail_app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"new_password": NEW, "new_password_confirm": NEW}).status_code == 404
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_requests_per_account_are_limited(mail_app: Flask, smtp: tuple[Inbox, int]) -> None:  # noqa: F811
    inbox, _ = smtp
    email = Factory(mail_app).user()
    client = mail_app.test_client()
    for _ in range(accounts.MAX_OPEN_RESETS + 2):
        assert client.post("/auth/forgot", data={"email": email}).status_code == 200
    assert len(inbox.wait_for(accounts.MAX_OPEN_RESETS + 1, timeout=1)) == accounts.MAX_OPEN_RESETS


def test_without_mail_the_page_says_whom_to_ask(client: FlaskClient) -> None:
    page = client.get("/auth/forgot").get_data(as_text=True)
    assert "暂未开通邮件" in page and "一次性密码" in page
    assert "忘记密码" in client.get("/auth/login").get_data(as_text=True)


def test_one_time_password_from_bureau_must_be_replaced(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    bureau = make.bureau()
    client.post("/auth/login", data={"email": bureau, "password": PASSWORD})
    issued = client.post(f"/admin/users/{make.user_id(email)}/one-time-password")
    assert issued.status_code == 200 and issued.headers["Cache-Control"].startswith("no-store")
    password = re.search(r'id="one-time-password">([a-z0-9]+)<', issued.get_data(as_text=True)).group(1)
    client.post("/auth/logout")
    assert (
        client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 200
    )  # old one gone
    assert client.post("/auth/login", data={"email": email, "password": password}).status_code == 302
    forced = client.get("/postings/mine")
    assert forced.status_code == 302 and forced.location.endswith("/auth/password")
    changed = client.post(
        "/auth/password",
        data={"current_password": password, "new_password": NEW, "new_password_confirm": NEW},
    )
    assert changed.status_code == 302
    assert client.get("/postings/mine").status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        assert not user.must_change_password
    enterprise = make.user()
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": enterprise, "password": PASSWORD})
    assert client.post(f"/admin/users/{make.user_id(email)}/one-time-password").status_code == 403


def test_each_user_chooses_how_mail_arrives(app: Flask, client: FlaskClient, make: Factory) -> None:
    email = make.user()
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    page = client.get("/auth/account").get_data(as_text=True)
    assert "每天汇总发送一封邮件" in page and "暂未开通邮件发送" in page
    assert client.post("/auth/account/email", data={"email_mode": "immediate"}).status_code == 302
    assert client.post("/auth/account/email", data={"email_mode": "bogus"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User.email_mode).where(User.email == email)) == "immediate"
