"""API tokens: created and revoked on the account page or by the CLI, stored only as a digest."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from matchmaker.accounts.models import ApiToken, digest
from matchmaker.core.extensions import db
from tests.conftest import Auth, Factory

SECRET = re.compile(r"mm_[A-Za-z0-9_-]{40,}")


def test_create_use_and_revoke_a_token_on_the_account_page(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    auth.login(make.user())
    response = client.post("/auth/account", data={"name": "省平台数据同步", "days": "30"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "只显示这一次" in page
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(page).group(0)

    with app.app_context():
        token = db.session.scalars(select(ApiToken)).one()
        assert token.token_hash == digest(secret) and secret not in (token.hint, token.name)
        assert 29 <= (token.expires_at - token.created_at).days <= 30
        token_id = token.id

    api = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/postings", headers=api).status_code == 200
    listing = client.get("/auth/account").get_data(as_text=True)
    assert "省平台数据同步" in listing and secret[:8] in listing and secret not in listing  # shown once

    assert client.post(f"/auth/account/tokens/{token_id}/revoke").status_code == 302
    assert "已吊销" in client.get("/auth/account").get_data(as_text=True)
    assert client.get("/api/v1/postings", headers=api).status_code == 401


def test_token_form_errors_and_cap(app: Flask, client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.user())
    page = client.post("/auth/account", data={"name": "", "days": "90"}).get_data(as_text=True)
    assert "请填写令牌用途" in page
    assert "不是有效的选择" in client.post("/auth/account", data={"name": "x", "days": "7"}).get_data(
        as_text=True
    )
    for n in range(10):
        client.post("/auth/account", data={"name": f"令牌{n}", "days": "0"})
    page = client.post("/auth/account", data={"name": "第十一个", "days": "0"}).get_data(as_text=True)
    assert "最多10个有效令牌" in page
    with app.app_context():
        tokens = db.session.scalars(select(ApiToken)).all()
        assert len(tokens) == 10 and all(t.expires_at is None for t in tokens)


def test_cli_prints_a_working_token(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, make: Factory
) -> None:
    email = make.user()
    result = runner.invoke(args=["create-token", email, "--name", "同步脚本", "--days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert SECRET.fullmatch(secret)
    assert (
        client.get("/api/v1/vocabularies", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    with app.app_context():
        assert db.session.scalars(select(ApiToken.name)).one() == "同步脚本"

    missing = runner.invoke(args=["create-token", "nobody@example.com"])
    assert missing.exit_code != 0 and "没有邮箱为" in missing.output
