"""Application-wide behaviour: configuration, security headers and cookies, CSRF, SQLite, errors, migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import check
from sqlalchemy import text

from matchmaker import create_app
from matchmaker.core.extensions import db
from tests.conftest import Auth, Factory, app_config, sqlite_only


def test_secret_key_is_generated_per_installation_never_defaulted(tmp_path: Path, db_path: Path) -> None:
    config = app_config(db_path)
    del config["SECRET_KEY"]
    app = create_app(config)
    key_file = tmp_path / "instance" / "secret_key"
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) >= 32
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only
    assert create_app(config).config["SECRET_KEY"] == app.config["SECRET_KEY"]  # stable across workers
    other = create_app({**config, "INSTANCE_PATH": tmp_path / "other"})
    assert other.config["SECRET_KEY"] != app.config["SECRET_KEY"]  # unique per installation


def test_configured_secret_key_wins(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_SECRET_KEY", "from-the-environment")
    config = app_config(db_path)
    del config["SECRET_KEY"]
    assert create_app(config).config["SECRET_KEY"] == "from-the-environment"


def test_security_headers_and_cookie_flags(client: FlaskClient, auth: Auth, make: Factory) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    login = auth.login(make.user())
    cookie = login.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_is_enforced_on_forms_and_logout(db_path: Path, make: Factory) -> None:
    email = make.user()
    app = create_app(app_config(db_path, WTF_CSRF_ENABLED=True))
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": "lotus-pond-2026"})
    assert response.status_code == 400 and "刷新页面" in response.get_data(as_text=True)
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/auth/login", data={"email": email, "password": "lotus-pond-2026", "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.post("/auth/logout").status_code == 400  # logout without a token is refused
    with app.app_context():
        db.engine.dispose()


@sqlite_only
def test_sqlite_is_configured_for_a_web_server(app: Flask) -> None:
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_models_and_migrations_agree(app: Flask) -> None:
    """A model change without a migration fails here (alembic autogenerate finds a diff)."""
    with app.app_context():
        check()  # raises (SystemExit via flask-migrate) when an upgrade operation is pending


@pytest.mark.parametrize(
    ("url", "code", "title"), [("/nope", 404, "页面不存在"), ("/postings/abc/", 404, "页面不存在")]
)
def test_error_pages_are_chinese(client: FlaskClient, url: str, code: int, title: str) -> None:
    response = client.get(url)
    assert response.status_code == code and title in response.get_data(as_text=True)


def test_forbidden_page_is_chinese(client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.user())
    response = client.get("/review/postings")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)


def test_static_css_is_served_locally(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/static/css/app.css"' in page and "http" not in page.split("<body")[0].replace(
        "http-equiv", ""
    )
    with client.get("/static/css/app.css") as css:
        assert css.status_code == 200 and b".site-header" in css.data


@pytest.mark.parametrize(
    "url",
    [
        "/postings/99999999999999999999",
        "/postings/99999999999999999999/edit",
        "/postings/rd-need/?page=99999999999999999999",
        "/postings/rd-need/?page=1000000",
        "/postings/rd-need/?field=99999999999999999999&town=-1",
        "/postings/rd-need/?field=١٢",  # non-ASCII digits
        "/postings/rd-need/?q=%00abc",
        "/postings/mine?page=99999999999999999999&status=nonsense",
        "/review/organizations/99999999999999999999",
        "/review/postings?page=99999999999999999999",
        "/admin/taxonomies/towns/99999999999999999999",
    ],
)
def test_hostile_urls_never_give_500(client: FlaskClient, auth: Auth, make: Factory, url: str) -> None:
    make.posting(make.user())
    for email in (None, make.user(), make.bureau()):
        if email:
            auth.login(email)
        assert client.get(url).status_code in (200, 302, 400, 403, 404)
        if email:
            auth.logout()


def test_a_nul_character_in_a_request_is_a_clear_400(client: FlaskClient) -> None:
    """No database stores NUL (PostgreSQL refuses it): refused before any view, in Chinese."""
    page = client.get("/search?q=%00abc")
    assert page.status_code == 400 and "请求有误" in page.get_data(as_text=True)
    assert client.post("/auth/login", data={"email": "a\x00@b.cn", "password": "x"}).status_code == 400
    api = client.get("/api/v1/postings?q=%00")
    assert api.status_code == 400 and api.get_json()["message"]
