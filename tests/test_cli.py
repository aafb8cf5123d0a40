"""The CLI commands other work relies on: init-db, create-user, demo-data."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from matchmaker import create_app
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.agreements import counting
from matchmaker.agreements.models import Agreement
from matchmaker.agreements.values import AgreementStatus
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.notifications.models import Notification
from matchmaker.pairings.models import Pairing, PairingMessage
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingStatus
from matchmaker.taxonomy.models import TechField, Town
from tests.conftest import app_config, new_database


def test_init_db_creates_schema_and_is_safe_twice(tmp_path: Path) -> None:
    app = create_app(app_config(new_database(tmp_path / "fresh.sqlite3")))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert "新增分类条目 31 个" in first.output
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "新增分类条目 0 个" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TechField)) == 11
        assert db.session.scalar(select(func.count()).select_from(Town)) == 15
        db.engine.dispose()


def test_init_db_keeps_edited_vocabularies(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        town = db.session.scalar(select(Town).where(Town.name == "安宜镇"))
        town.name = "安宜镇（城区）"
        db.session.commit()
    runner.invoke(args=["init-db"])
    with app.app_context():
        names = set(db.session.scalars(select(Town.name)))
        assert "安宜镇（城区）" in names and "安宜镇" not in names


def test_create_user_creates_verified_organisation(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "staff@example.com",
            "--role",
            "bureau",
            "--org",
            "宝应县科学技术局",
            "--password",
            "lotus-pond-2026",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "staff@example.com"))
        assert user is not None and user.is_bureau and user.check_password("lotus-pond-2026")
        assert user.organization.status is OrgStatus.VERIFIED and user.organization.type is OrgType.BUREAU


def test_create_user_prompts_for_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "prof@example.com", "--role", "university", "--org", "某大学"],
        input="lotus-pond-2026\nlotus-pond-2026\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "prof@example.com"))
        assert user is not None and user.check_password("lotus-pond-2026")


def test_create_user_joins_existing_organisation_and_refuses_role_mismatch(
    app: Flask, runner: FlaskCliRunner
) -> None:
    args = ["--role", "enterprise", "--org", "宝应某公司", "--password", "lotus-pond-2026"]
    assert runner.invoke(args=["create-user", "a@example.com", *args]).exit_code == 0
    assert runner.invoke(args=["create-user", "b@example.com", *args]).exit_code == 0
    mismatch = runner.invoke(
        args=[
            "create-user",
            "c@example.com",
            "--role",
            "bureau",
            "--org",
            "宝应某公司",
            "--password",
            "lotus-pond-2026",
        ]
    )
    assert mismatch.exit_code != 0 and "与所选角色不符" in mismatch.output
    duplicate = runner.invoke(args=["create-user", "a@example.com", *args])
    assert duplicate.exit_code != 0 and "该邮箱已有账号" in duplicate.output
    short = runner.invoke(
        args=[
            "create-user",
            "d@example.com",
            "--role",
            "enterprise",
            "--org",
            "宝应某公司",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0 and "密码长度应为8到128位" in short.output
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.name == "宝应某公司"))
        assert org is not None and len(org.users) == 2


def test_demo_data_is_clickable_and_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "gxj@demo-baoying.cn" in result.output and "demo12345" in result.output
    with app.app_context():
        by_status = dict(
            db.session.execute(select(Posting.status, func.count()).group_by(Posting.status)).all()
        )
        towns = db.session.scalar(
            select(func.count(func.distinct(Organization.town_id))).where(
                Organization.type == OrgType.ENTERPRISE
            )
        )
        kinds = db.session.scalar(select(func.count(func.distinct(Posting.kind))))
        pairing_states = set(db.session.scalars(select(Pairing.state).distinct()))
        introduced = db.session.scalar(select(func.count()).select_from(Pairing).where(Pairing.by_bureau))
        messages = db.session.scalar(select(func.count()).select_from(PairingMessage))
        notified = db.session.scalar(select(func.count()).select_from(Notification))
        agreement_states = set(db.session.scalars(select(Agreement.status).distinct()))
        signed_years = {d.year for d in db.session.scalars(select(Agreement.signed_on))}
    assert sum(by_status.values()) >= 20 and kinds == 4 and towns >= 3
    assert set(by_status) == set(PostingStatus)  # postings in every state
    assert pairing_states == set(PairingState) and introduced and messages and notified  # a living pipeline
    assert agreement_states == set(AgreementStatus) and {2023, 2024, 2025} <= signed_years
    with app.app_context():  # a plan in force today, marked 演示, so the dashboard opens on it
        plan = counting.plan_in_force()
        assert plan is not None and plan.demo and "演示" in plan.name and plan.covers(clock.today())
        assert plan.target_for("iur_agreements", plan.period) and len(plan.rules) == 11
        assert counting.figure("iur_agreements", counting.Span.of(plan)).count >= 1  # signed today
    assert "已新建演示计划" in result.output
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0 and "本次没有写入任何内容" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Posting)) == sum(by_status.values())


def test_demo_data_after_the_readme_first_step_reuses_the_bureau(app: Flask, runner: FlaskCliRunner) -> None:
    """create-user --org 宝应县工业和信息化局 first (as the README says) must not break demo-data;
    an existing real enterprise of the same name gets no demo user or postings."""
    args = ["create-user", "admin@baoying.gov.cn", "--role", "bureau", "--org", "宝应县工业和信息化局"]
    assert runner.invoke(args=[*args, "--password", "lotus-pond-2026"]).exit_code == 0
    args = ["create-user", "boss@baoneng.cn", "--role", "enterprise", "--org", "扬州宝能电气设备有限公司"]
    assert runner.invoke(args=[*args, "--password", "lotus-pond-2026"]).exit_code == 0
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "沿用已有单位 1 个（宝应县工业和信息化局）" in result.output
    assert "跳过 扬州宝能电气设备有限公司：单位已存在（非演示数据）" in result.output
    with app.app_context():
        bureau = db.session.scalar(select(Organization).where(Organization.name == "宝应县工业和信息化局"))
        assert {u.email for u in bureau.users} == {"admin@baoying.gov.cn", "gxj@demo-baoying.cn"}
        real = db.session.scalar(select(Organization).where(Organization.name == "扬州宝能电气设备有限公司"))
        assert [u.email for u in real.users] == ["boss@baoneng.cn"]
        assert db.session.scalar(select(func.count()).where(Posting.organization_id == real.id)) == 0
    assert "本次没有写入任何内容" in runner.invoke(args=["demo-data"]).output


def test_demo_logins_work(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo-data"])
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "gxj@demo-baoying.cn", "password": "demo12345"})
    assert response.status_code == 302
    assert "待审核" in client.get("/home").get_data(as_text=True)
