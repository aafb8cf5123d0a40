"""Logins are server-side sessions: logout, a password change or a disabled account ends every copy
of their cookies; remember-me is random per login and bounded; bureau sessions end when idle."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from matchmaker.accounts.models import ApiToken, LoginSession, User
from matchmaker.core.extensions import db
from tests.conftest import PASSWORD, Auth, Factory

COOKIES = ("session", "remember_token")


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding copies of ``client``'s cookies (as a thief would)."""
    thief = app.test_client()
    for name in COOKIES:
        cookie = client.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def logged_in(client: FlaskClient) -> bool:
    return client.get("/home").status_code == 200


def login(client: FlaskClient, email: str, *, remember: bool = False) -> None:
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/auth/login", data=data).status_code == 302


def test_logout_ends_the_session_everywhere_it_was_copied(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    email = make.user()
    login(client, email)
    thief = copy_of(app, client)
    assert logged_in(thief)
    auth.logout()
    assert not logged_in(client)
    assert not logged_in(thief)


def test_session_cookie_carries_a_random_key_not_the_user_id(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    login(client, email)
    first = copy_of(app, client)
    client.post("/auth/logout")
    login(client, email)
    with app.app_context():
        rows = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
        assert len(rows) == 2 and rows[0].end_reason == "logout" and rows[1].ended_at is None
        assert rows[0].key_hash != rows[1].key_hash
    assert not logged_in(first) and logged_in(client)


def test_remember_me_is_random_per_login_bounded_and_revoked_by_logout(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    login(client, email, remember=True)
    first = client.get_cookie("remember_token")
    assert first is not None
    assert first.expires is not None
    with app.app_context():
        session = db.session.scalars(select(LoginSession)).one()
        assert session.remember and session.expires_at - session.created_at <= timedelta(days=30)
    only_remember = app.test_client()
    only_remember.set_cookie("remember_token", first.value)
    assert logged_in(only_remember)  # the cookie alone logs in…
    client.post("/auth/logout")
    login(client, email, remember=True)
    second = client.get_cookie("remember_token")
    assert second is not None and second.value != first.value  # …a new one every login
    fresh = app.test_client()
    fresh.set_cookie("remember_token", first.value)
    assert not logged_in(fresh)  # …and the logged-out one is dead


def test_password_change_ends_every_other_login_and_offers_to_revoke_tokens(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    secret = make.token(email)
    other_device = app.test_client()
    login(other_device, email, remember=True)
    login(client, email)
    copied = copy_of(app, client)
    data = {
        "current_password": PASSWORD,
        "new_password": "a-new-long-password",
        "new_password_confirm": "a-new-long-password",
        "revoke_tokens": "y",
    }
    response = client.post("/auth/password", data=data)
    assert response.status_code == 302
    assert logged_in(client)  # the device in hand goes on, with a new session
    assert not logged_in(copied) and not logged_in(other_device)
    remember_only = app.test_client()
    remember_only.set_cookie("remember_token", other_device.get_cookie("remember_token").value)
    assert not logged_in(remember_only)
    assert client.get("/api/v1/postings", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    with app.app_context():
        assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken)))


def test_password_change_keeps_tokens_unless_asked(app: Flask, client: FlaskClient, make: Factory) -> None:
    email = make.user()
    secret = make.token(email)
    login(client, email)
    data = {
        "current_password": PASSWORD,
        "new_password": "a-new-long-password",
        "new_password_confirm": "a-new-long-password",
    }
    assert client.post("/auth/password", data=data).status_code == 302
    assert client.get("/api/v1/postings", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_disabling_an_account_ends_its_logins_and_tokens(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    email = make.user()
    secret = make.token(email)
    victim = app.test_client()
    login(victim, email, remember=True)
    auth.login(make.bureau())
    assert client.post(f"/admin/users/{make.user_id(email)}/disable").status_code in (302, 303)
    assert not logged_in(victim)
    assert victim.get("/api/v1/postings", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "已停用" in auth.client.application.test_client().post(
        "/auth/login", data={"email": email, "password": PASSWORD}
    ).get_data(as_text=True)
    assert client.post(f"/admin/users/{make.user_id(email)}/enable").status_code in (302, 303)
    login(victim, email)
    assert logged_in(victim)


def test_only_bureau_staff_disable_accounts_and_never_themselves(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    member, other = make.user(), make.user()
    auth.login(member)
    assert client.post(f"/admin/users/{make.user_id(other)}/disable").status_code == 403
    auth.logout()
    bureau = make.bureau()
    auth.login(bureau)
    response = client.post(f"/admin/users/{make.user_id(bureau)}/disable")
    assert response.status_code == 403 and "不能停用自己的账号" in response.get_data(as_text=True)


def age_sessions(app: Flask, email: str, minutes: int) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        past = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()
        for session in past:
            db.session.execute(
                update(LoginSession)
                .where(LoginSession.id == session.id)
                .values(last_seen_at=session.last_seen_at - timedelta(minutes=minutes))
            )
        db.session.commit()


def test_bureau_sessions_end_after_30_idle_minutes_even_when_remembered(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    bureau = make.bureau()
    login(client, bureau, remember=True)
    age_sessions(app, bureau, 29)
    assert logged_in(client)  # and this visit counts as activity
    age_sessions(app, bureau, 31)
    response = client.get("/home", follow_redirects=True)
    assert "为了账号安全已自动退出" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_member_sessions_idle_out_later_and_remembered_ones_not_at_all(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    login(client, email)
    remembered = app.test_client()
    login(remembered, email, remember=True)
    age_sessions(app, email, 60)
    assert logged_in(client) and logged_in(remembered)
    age_sessions(app, email, 241)
    assert not logged_in(client)
    assert logged_in(remembered)


def test_absolute_lifetime_ends_a_session(app: Flask, client: FlaskClient, make: Factory) -> None:
    email = make.user()
    login(client, email)
    with app.app_context():
        db.session.execute(update(LoginSession).values(expires_at=LoginSession.created_at))
        db.session.commit()
    assert not logged_in(client)


def test_account_page_lists_logins_and_ends_another_device(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    laptop = app.test_client()
    login(laptop, email)
    login(client, email)
    page = client.get("/auth/account").get_data(as_text=True)
    assert "登录设备" in page and "当前设备" in page
    with app.app_context():
        laptop_id = db.session.scalars(select(LoginSession.id).order_by(LoginSession.id)).first()
    assert client.post(f"/auth/account/logins/{laptop_id}/end").status_code == 302
    assert not logged_in(laptop) and logged_in(client)
    intruder = make.user()
    other = app.test_client()
    login(other, intruder)
    assert other.post(f"/auth/account/logins/{laptop_id}/end").status_code == 403
