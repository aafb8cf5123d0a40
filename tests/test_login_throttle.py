"""Guessing passwords: throttled per account and per address with back-off, the same for unknown
e-mails, and timed alike; passwords that are too short or too common are refused."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from matchmaker.accounts import passwords
from matchmaker.accounts.models import LoginFailure
from matchmaker.core.extensions import db
from tests.conftest import PASSWORD, Factory


def attempt(client: FlaskClient, email: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(
        "/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def rewind_failures(app: Flask, minutes: int) -> None:
    """Let ``minutes`` pass for every recorded failure."""
    from datetime import timedelta

    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)).all():
            db.session.execute(
                update(LoginFailure)
                .where(LoginFailure.id == failure.id)
                .values(at=failure.at - timedelta(minutes=minutes))
            )
        db.session.commit()


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    for _ in range(4):
        assert "邮箱或密码不正确" in attempt(client, email, "wrong-guess-1").get_data(as_text=True)
    page = attempt(client, email, "wrong-guess-1").get_data(as_text=True)
    assert "已暂时锁定" in page and "之后再试" in page
    locked = attempt(client, email, PASSWORD)  # the right password, during the lock
    assert locked.status_code == 200 and "已暂时锁定" in locked.get_data(as_text=True)
    rewind_failures(app, 2)  # the first lock lasts one minute
    assert attempt(client, email, PASSWORD).status_code == 302
    with app.app_context():  # success forgets the account's failures
        assert db.session.scalar(select(func.count()).where(LoginFailure.scope == "account")) == 0


def test_locks_grow_with_each_further_failure(app: Flask, client: FlaskClient, make: Factory) -> None:
    email = make.user()
    for _ in range(5):
        attempt(client, email, "wrong-guess-1")
    rewind_failures(app, 2)
    attempt(client, email, "wrong-guess-2")  # sixth failure: two minutes
    rewind_failures(app, 1)
    assert "已暂时锁定" in attempt(client, email, PASSWORD).get_data(as_text=True)
    rewind_failures(app, 2)
    assert attempt(client, email, PASSWORD).status_code == 302


def test_unknown_emails_are_counted_and_locked_like_known_ones(client: FlaskClient) -> None:
    for _ in range(4):
        assert "邮箱或密码不正确" in attempt(client, "nobody@example.com", "guess-guess").get_data(
            as_text=True
        )
    assert "已暂时锁定" in attempt(client, "nobody@example.com", "guess-guess").get_data(as_text=True)


def test_one_address_guessing_many_accounts_is_throttled(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    victims = [make.user() for _ in range(5)]
    for i in range(20):
        attempt(client, victims[i % 5] if i % 2 else f"x{i}@example.com", "wrong-guess-1", "10.9.9.9")
    rewind_failures(app, 0)
    fresh = make.user()
    page = attempt(client, fresh, PASSWORD, "10.9.9.9").get_data(as_text=True)
    assert "此网络地址登录失败次数过多" in page
    assert attempt(client, fresh, PASSWORD, "10.1.1.1").status_code == 302  # other addresses are not


def test_unknown_and_known_emails_cost_the_same_password_check(
    client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timing: an unknown e-mail must spend a password hash like a known one does."""
    import werkzeug.security

    calls: list[str] = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(werkzeug.security, "check_password_hash", counting)
    monkeypatch.setattr(passwords, "check_password_hash", counting)
    from matchmaker.accounts import models as accounts

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    email = make.user()
    attempt(client, email, "wrong-guess-1")
    known = len(calls)
    attempt(client, "nobody@example.com", "wrong-guess-1", "10.0.0.2")
    assert known == 1 and len(calls) == 2


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "密码长度应为8到128位"),
        ("x" * 129, "密码长度应为8到128位"),
        ("12345678", "太常见"),
        ("password", "太常见"),
        ("Password", "太常见"),
        ("woaini1314", "太常见"),
        ("aaaaaaaaaaaa", "太常见"),
    ],
)
def test_weak_passwords_are_refused_everywhere(
    app: Flask, client: FlaskClient, make: Factory, password: str, message: str
) -> None:
    assert message in (passwords.problem(password) or "")
    client.post("/auth/login", data={"email": make.user(), "password": PASSWORD})
    data = {"current_password": PASSWORD, "new_password": password, "new_password_confirm": password}
    assert message in client.post("/auth/password", data=data).get_data(as_text=True)


def test_the_bundled_list_is_large_and_long_passphrases_pass() -> None:
    assert len(passwords.common_passwords()) > 5000
    assert passwords.problem("荷塘月色 2026 宝应") is None
    assert passwords.problem("correct horse battery staple") is None
    assert "不能与登录邮箱相同" in (
        passwords.problem("zhang.san@example.com", email="zhang.san@example.com") or ""
    )
