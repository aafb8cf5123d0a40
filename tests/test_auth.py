"""Registration and its validation, login/logout, password change, organisation profile."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core.extensions import db
from matchmaker.taxonomy.models import Town
from tests.conftest import PASSWORD, Auth, Factory

VALID_CODE = "91350100M000100Y43"


def registration(app: Flask, **overrides: Any) -> dict[str, Any]:
    with app.app_context():
        town_id = db.session.scalar(select(Town.id).where(Town.name == "范水镇"))
    data = {
        "org_name": "宝应县测试机械有限公司",
        "org_type": OrgType.ENTERPRISE.value,
        "credit_code": VALID_CODE,
        "town": str(town_id),
        "tier": "",
        "contact_name": "张三",
        "contact_phone": "13912345678",
        "email": "Zhang@Example.com",
        "password": "secret-pass-1",
        "password_confirm": "secret-pass-1",
    }
    data.update(overrides)
    return data


def test_register_creates_pending_organisation_then_the_user_logs_in(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    response = client.post("/auth/register", data=registration(app))
    assert response.status_code == 302 and response.location == "/auth/login"
    assert "注册信息已提交" in client.get("/auth/login").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "zhang@example.com"))
        assert user is not None and user.check_password("secret-pass-1")
        org = user.organization
        assert org.status is OrgStatus.PENDING
        assert org.credit_code == VALID_CODE and org.town and org.town.name == "范水镇"
    auth.login("zhang@example.com", "secret-pass-1")
    page = client.get("/home").get_data(as_text=True)
    assert "等待主管部门认证" in page


def test_university_registers_without_credit_code_or_town(app: Flask, client: FlaskClient) -> None:
    data = registration(app, org_type="university", credit_code="", town="", org_name="某大学")
    assert client.post("/auth/register", data=data).status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.name == "某大学"))
        assert org is not None and org.type is OrgType.UNIVERSITY and org.credit_code is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"credit_code": "91350100M000100Y44"}, "校验位不正确"),
        ({"credit_code": ""}, "企业必须填写统一社会信用代码"),
        ({"credit_code": "12345"}, "应为18位"),
        ({"town": ""}, "企业请选择所属镇区"),
        ({"org_name": ""}, "请填写单位名称"),
        ({"org_type": "bureau"}, "不是有效的选择"),
        ({"email": "not-an-email"}, "邮箱格式不正确"),
        ({"password_confirm": "different-pass"}, "两次输入的密码不一致"),
        ({"password": "short", "password_confirm": "short"}, "密码长度应为8到128位"),
        ({"contact_phone": "12345"}, "有效的手机号"),
    ],
)
def test_register_rejects_bad_input_next_to_field_and_keeps_input(
    app: Flask, client: FlaskClient, overrides: dict[str, str], message: str
) -> None:
    data = registration(app, **overrides)
    response = client.post("/auth/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'value="张三"' in page  # what the user typed is kept
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "zhang@example.com")) is None


def test_register_never_reveals_whether_an_email_has_an_account(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    fresh = client.post("/auth/register", data=registration(app, email="fresh@example.com"))
    fresh_page = client.get(fresh.location).get_data(as_text=True)
    make.user(email="zhang@example.com")
    taken = client.post(
        "/auth/register",
        data=registration(app, org_name="另一家公司", credit_code="91321023MA0000099Y"),
    )
    assert (taken.status_code, taken.location) == (fresh.status_code, fresh.location)
    assert "注册信息已提交" in fresh_page and "注册信息已提交" in client.get(taken.location).get_data(
        as_text=True
    )
    with app.app_context():  # nothing of the second registration was kept
        assert db.session.scalar(select(Organization).where(Organization.name == "另一家公司")) is None
        user = db.session.scalar(select(User).where(User.email == "zhang@example.com"))
        assert user is not None and not user.check_password("secret-pass-1")


def test_register_refuses_duplicate_organisations(app: Flask, client: FlaskClient, make: Factory) -> None:
    make.org(name="宝应县测试机械有限公司")
    page = client.post("/auth/register", data=registration(app, email="new@example.com")).get_data(
        as_text=True
    )
    assert "该单位已在平台注册" in page


def test_duplicate_credit_code_is_refused(app: Flask, client: FlaskClient) -> None:
    client.post("/auth/register", data=registration(app))
    client.post("/auth/logout")
    page = client.post(
        "/auth/register", data=registration(app, email="b@example.com", org_name="另一家公司")
    ).get_data(as_text=True)
    assert "已被其他单位使用" in page


def test_login_logout(client: FlaskClient, auth: Auth, make: Factory) -> None:
    email = make.user()
    response = auth.login(email)
    assert response.status_code == 302 and response.location == "/home"
    assert client.get("/home").status_code == 200
    assert client.get("/auth/logout").status_code == 405  # logout is a POST only
    assert auth.logout().status_code == 302
    response = client.get("/home")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_login_is_case_insensitive_on_email(auth: Auth, make: Factory) -> None:
    make.user(email="mixed@example.com")
    assert auth.login("MIXED@Example.com").location == "/home"


def test_wrong_password_is_refused_in_chinese(client: FlaskClient, auth: Auth, make: Factory) -> None:
    email = make.user()
    response = auth.login(email, "wrong-password")
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_inactive_user_cannot_log_in(app: Flask, auth: Auth, make: Factory) -> None:
    email = make.user()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.active = False
        db.session.commit()
    assert "已停用" in auth.login(email).get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/postings/mine", "/postings/mine"),
        ("https://evil.example.com/", "/home"),
        ("//evil.example.com/", "/home"),
        ("/\\evil.example.com", "/home"),
        ("javascript:alert(1)", "/home"),
    ],
)
def test_next_redirect_only_to_local_paths(
    client: FlaskClient, make: Factory, target: str, expected: str
) -> None:
    email = make.user()
    response = client.post(f"/auth/login?next={target}", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302 and response.location == expected


def test_change_password_requires_current_password(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    email = make.user()
    auth.login(email)
    data = {
        "current_password": "wrong",
        "new_password": "new-pass-123",
        "new_password_confirm": "new-pass-123",
    }
    page = client.post("/auth/password", data=data).get_data(as_text=True)
    assert "当前密码不正确" in page
    data["current_password"] = PASSWORD
    assert client.post("/auth/password", data=data).status_code == 302
    auth.logout()
    assert auth.login(email, PASSWORD).status_code == 200  # old password refused
    assert auth.login(email, "new-pass-123").location == "/home"


def test_rejected_organisation_corrects_details_and_reapplies(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    email = make.user(status=OrgStatus.REJECTED)
    org_id = make.org_of(email)
    auth.login(email)
    assert "重新申请认证" in client.get("/auth/organization").get_data(as_text=True)
    assert client.post("/auth/organization/resubmit").status_code == 302
    assert make.get_org(org_id)["status"] is OrgStatus.PENDING
    # Asking again while pending is refused with a message, not an error page.
    response = client.post(
        "/auth/organization/resubmit", headers={"Referer": "http://localhost/auth/organization"}
    )
    assert response.status_code == 303
    assert "只有未通过认证的单位可以重新申请" in client.get("/auth/organization").get_data(as_text=True)


def test_verified_organisation_renaming_itself_needs_verification_again(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    email = make.user()
    org_id = make.org_of(email)
    auth.login(email)
    with app.app_context():
        town_id = db.session.scalar(select(Town.id).where(Town.name == "安宜镇"))
    data = {
        "org_name": "新名字有限公司",
        "credit_code": VALID_CODE,
        "town": str(town_id),
        "tier": "",
        "contact_name": "李四",
        "contact_phone": "13800000001",
        "description": "",
    }
    assert client.post("/auth/organization", data=data).status_code == 302
    org = make.get_org(org_id)
    assert org["name"] == "新名字有限公司" and org["status"] is OrgStatus.PENDING
    assert org["events"][0][0] == "organization.updated"
