"""Bureau administration: editable vocabularies and bureau staff accounts."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.taxonomy.models import Town
from tests.conftest import Auth, Factory


def town(app: Flask, name: str) -> Town | None:
    with app.app_context():
        return db.session.scalar(select(Town).where(Town.name == name))


def test_add_rename_and_retire_a_town(app: Flask, client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.bureau())
    assert "宝应经济开发区" in client.get("/admin/taxonomies/towns").get_data(as_text=True)
    response = client.post("/admin/taxonomies/towns", data={"name": "  宝应高新区 ", "position": ""})
    assert response.status_code == 302
    added = town(app, "宝应高新区")
    assert added is not None and added.active and added.position > 150  # placed last

    response = client.post(
        f"/admin/taxonomies/towns/{added.id}",
        data={"name": "宝应高新技术产业园", "position": "1", "active": ""},
    )
    assert response.status_code == 302
    renamed = town(app, "宝应高新技术产业园")
    assert renamed is not None and not renamed.active and renamed.position == 1

    # A retired town no longer appears in the forms.
    auth.logout()
    auth.login(make.user())
    form = client.get("/postings/new/rd-need").get_data(as_text=True)
    assert "宝应高新技术产业园" not in form and "范水镇" in form


def test_duplicate_or_empty_term_is_refused(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    auth.login(make.bureau())
    response = client.post("/admin/taxonomies/towns", data={"name": "范水镇"})
    assert response.status_code == 422 and "已存在" in response.get_data(as_text=True)
    response = client.post("/admin/taxonomies/tech-fields", data={"name": "   "})
    assert response.status_code == 422 and "请填写名称" in response.get_data(as_text=True)
    other = town(app, "夏集镇")
    assert other is not None
    response = client.post(f"/admin/taxonomies/towns/{other.id}", data={"name": "范水镇", "position": "3"})
    assert response.status_code == 422 and "已存在" in response.get_data(as_text=True)
    assert town(app, "夏集镇") is not None
    response = client.post("/admin/taxonomies/tiers", data={"name": "新梯度", "position": "-4"})
    assert response.status_code == 422 and "排序应为0到100000的整数" in response.get_data(as_text=True)


def test_bureau_creates_bureau_accounts(app: Flask, client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.bureau())
    data = {
        "org_name": "宝应县科学技术局",
        "name": "李科员",
        "email": "li@example.com",
        "phone": "",
        "password": "lotus-pond-2026",
    }
    assert client.post("/admin/users", data=data).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "li@example.com"))
        assert user is not None and user.is_bureau and user.organization.type is OrgType.BUREAU
    again = client.post("/admin/users", data=data)
    assert again.status_code == 422 and "该邮箱已有账号" in again.get_data(as_text=True)
    enterprise_org = make.org(name="某企业有限公司")
    assert enterprise_org
    clash = client.post("/admin/users", data={**data, "email": "x@example.com", "org_name": "某企业有限公司"})
    assert clash.status_code == 422 and "与所选角色不符" in clash.get_data(as_text=True)
    auth.logout()
    assert auth.login("li@example.com").status_code == 302
    assert client.get("/review/postings").status_code == 200
