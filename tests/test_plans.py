"""Plans as data: the 2023–2025 plan seeded by the migrations, the next one created by bureau staff
(web and API, copying the previous one's rules and tier targets), its targets edited and journaled,
closing it, and the dashboard, the pool and the API opening on the plan in force on the site's
today — or saying that no plan covers it."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import plans
from matchmaker.agreements.models import Plan
from matchmaker.agreements.values import PlanStatus
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.profiles.models import TierTarget
from tests.conftest import Factory
from tests.test_pairings import login, page

TODAY = date(2026, 12, 7)  # after the 2023–2025 plan ended, before any next plan exists
NEXT = "宝应县专精特新企业培育行动计划（2027—2029年）"


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def world(make: Factory) -> dict:
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    return {"enterprise": enterprise, "university": university, "bureau": make.bureau()}


def bearer(make: Factory, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make.token(email)}"}


def first_plan(app: Flask) -> int:
    with app.app_context():
        plan = plans.first_plan()
        assert plan is not None
        return plan.id


def test_the_migrations_seed_the_2023_2025_plan_with_its_targets(app: Flask) -> None:
    with app.app_context():
        plan = plans.first_plan()
        assert plan is not None and plan.period == "2023-2025" and plan.status is PlanStatus.IN_FORCE
        assert "2023—2025" in plan.name and not plan.demo
        targets = {(t.indicator_code, t.period): t.value for t in plan.targets}
        assert targets == {
            ("iur_agreements", "2023"): 10,
            ("iur_agreements", "2023-2025"): 30,
            ("tech_transfer", "2023"): 5,
            ("tech_transfer", "2023-2025"): 10,
            ("new_products", "2023"): 5,
            ("new_products", "2023-2025"): 10,
            ("innovation_plans", "2023"): 2,
        }
        assert {(t.tier.name, t.period, t.value) for t in plan.tier_targets} == {
            (name, "2025", value) for name, value in plans.FIRST_PLAN_TIER_TARGETS.items()
        }
        assert len(plan.rules) == 11


# --- the API ----------------------------------------------------------------------------------


def test_a_plan_created_through_the_api_answers_indicators_for_its_period(
    client: FlaskClient, make: Factory, world: dict
) -> None:
    staff = bearer(make, world["bureau"])
    created = client.post(
        "/api/v1/plans",
        json={
            "name": NEXT,
            "doc_number": "宝政办发〔2027〕3号",
            "start_year": 2027,
            "end_year": 2029,
            "bureaus": "县工信局、县科技局",
            "targets": [
                {"indicator": "iur_agreements", "period": "2027-2029", "value": 40},
                {"indicator": "iur_agreements", "period": "2027", "value": 12},
                {"indicator": "tech_transfer", "period": "2027-2029", "value": 15},
            ],
        },
        headers=staff,
    )
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()
    assert plan["period"] == "2027-2029" and plan["status"] == "in_force"
    assert len(plan["rules"]) == 11  # copied from the 2023–2025 plan
    assert {t["tier"]: (t["period"], t["value"]) for t in plan["tier_targets"]}["省级专精特新中小企业"] == (
        "2029",
        40,
    )

    body = client.get("/api/v1/indicators?period=2027-2029", headers=staff).get_json()
    assert body["period"] == "2027-2029" and body["plan"]["id"] == plan["id"]
    targets = {i["code"]: i["target"] for i in body["indicators"]}
    assert targets == {
        "iur_agreements": 40,
        "tech_transfer": 15,
        "new_products": None,
        "innovation_plans": None,
    }
    year = client.get("/api/v1/indicators?year=2027", headers=staff).get_json()
    assert {i["code"]: i["target"] for i in year["indicators"]}["iur_agreements"] == 12

    listed = client.get("/api/v1/plans", headers=staff).get_json()
    assert [p["period"] for p in listed["items"]] == ["2027-2029", "2023-2025"]
    assert listed["in_force"] is None  # 2026: neither covers today
    targets_of = client.get(f"/api/v1/plans/{plan['id']}/targets", headers=staff).get_json()
    assert targets_of["periods"] == ["2027", "2028", "2029", "2027-2029"]


def test_indicators_and_pool_default_to_the_plan_in_force_today(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    staff = bearer(make, world["bureau"])
    signed = make.agreement(
        world["enterprise"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        kind="iur_agreement",
        signed_on=date(2026, 3, 1),
    )
    nothing = client.get("/api/v1/indicators", headers=staff).get_json()
    assert nothing["period"] == "2026" and nothing["plan"] is None  # no plan covers 2026
    iur = next(i for i in nothing["indicators"] if i["code"] == "iur_agreements")
    assert iur["target"] is None and iur["agreement_ids"] == [signed]  # still counted (last rules)
    pool = client.get("/api/v1/pool", headers=staff).get_json()
    assert pool["plan"] is None and all(row["target"] is None for row in pool["tiers"])

    made = client.post(
        "/api/v1/plans",
        json={
            "name": "宝应县专精特新企业培育行动计划（2026—2030年）",
            "start_year": 2026,
            "end_year": 2030,
            "targets": [{"indicator": "iur_agreements", "period": "2026-2030", "value": 50}],
        },
        headers=staff,
    ).get_json()
    now = client.get("/api/v1/indicators", headers=staff).get_json()
    assert now["period"] == "2026-2030" and now["plan"]["id"] == made["id"]
    iur = next(i for i in now["indicators"] if i["code"] == "iur_agreements")
    assert iur["target"] == 50 and iur["count"] == 1 and iur["agreement_ids"] == [signed]
    pool = client.get("/api/v1/pool", headers=staff).get_json()
    assert pool["plan"]["id"] == made["id"] and pool["period"] == "2030"
    assert next(r for r in pool["tiers"] if r["tier"] == "省级专精特新中小企业")["target"] == 40  # copied
    old = client.get(f"/api/v1/indicators?plan={first_plan(app)}", headers=staff).get_json()
    assert old["period"] == "2023-2025" and old["plan"]["period"] == "2023-2025"
    assert client.get("/api/v1/indicators?plan=999999", headers=staff).status_code == 400
    assert client.get("/api/v1/indicators?plan=abc", headers=staff).status_code == 400


def test_the_api_refuses_bad_plans_in_chinese(client: FlaskClient, make: Factory, world: dict) -> None:
    staff = bearer(make, world["bureau"])
    body = {"name": NEXT, "start_year": 2027, "end_year": 2029}
    backwards = client.post("/api/v1/plans", json={**body, "end_year": 2026}, headers=staff)
    assert backwards.status_code == 422
    assert backwards.get_json()["errors"]["end_year"] == ["结束年份不能早于开始年份。"]
    period = client.post(
        "/api/v1/plans",
        json={**body, "targets": [{"indicator": "tech_transfer", "period": "2025", "value": 3}]},
        headers=staff,
    )
    assert period.status_code == 422 and "period 可选" in period.get_json()["errors"]["targets[0]"][0]
    assert client.post("/api/v1/plans", json={**body, "start_year": "2027"}, headers=staff).status_code == 400
    assert (
        client.post("/api/v1/plans", json=body, headers=bearer(make, world["enterprise"])).status_code == 403
    )
    assert client.post("/api/v1/plans", json=body, headers=staff).status_code == 201
    twice = client.post("/api/v1/plans", json=body, headers=staff)
    assert twice.status_code == 422 and "年份重叠" in twice.get_json()["errors"]["start_year"][0]
    # One plan in force for any year: an overlapping one is refused too.
    overlapping = client.post(
        "/api/v1/plans", json={**body, "start_year": 2028, "end_year": 2030}, headers=staff
    )
    assert overlapping.status_code == 422
    assert "年份重叠" in overlapping.get_json()["errors"]["start_year"][0]


def test_the_api_answers_a_body_its_schema_refuses_as_it_always_did(
    client: FlaskClient, make: Factory, world: dict
) -> None:
    """The error bodies external platforms parse: 400 for a body of the wrong shape (not an object,
    unknown members, wrong JSON types), 422 for content, each problem in Chinese under its member."""
    staff = bearer(make, world["bureau"])
    body = {"name": NEXT, "start_year": 2027, "end_year": 2029}

    def post(payload: object) -> tuple[int, dict]:
        response = client.post("/api/v1/plans", json=payload, headers=staff)
        return response.status_code, response.get_json()

    assert post([body]) == (400, {"status": 400, "message": "请求体须为 JSON 对象。"})
    assert post({**body, "colour": "red"}) == (
        400,
        {"status": 400, "message": "请求有误，请检查参数。", "errors": {"colour": ["不支持的字段。"]}},
    )
    assert post({**body, "demo": 1})[1]["errors"] == {"demo": ["类型不正确。"]}
    assert post({"name": NEXT}) == (
        422,
        {
            "status": 422,
            "message": "提交的内容未通过校验。",
            "errors": {"start_year": ["必填。"], "end_year": ["必填。"]},
        },
    )
    status, answer = post(
        {**body, "targets": [{"indicator": "tech_transfer", "period": "2027", "value": -1}]}
    )
    assert status == 422 and list(answer["errors"]) == ["targets[0]"]
    assert answer["errors"]["targets[0]"][0].startswith("value ")
    assert post({**body, "name": "短"})[0] == 422
    text = client.post("/api/v1/plans", data="name=x", headers=staff)
    assert text.status_code == 400 and text.get_json()["message"] == "请求体须为 JSON 对象。"
    # Who may not create plans hears so before anything about the body.
    assert (
        client.post(
            "/api/v1/plans", json={"colour": "red"}, headers=bearer(make, world["enterprise"])
        ).status_code
        == 403
    )


def test_a_target_edit_is_journaled_with_the_plan(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    plan_id = first_plan(app)
    login(client, world["bureau"])
    response = client.post(
        "/agreements/indicators",
        data={"plan": plan_id, "indicator": "tech_transfer", "period": "2024", "value": "7"},
    )
    assert response.status_code == 302
    assert "的目标已保存" in page(client, f"/agreements/indicators?plan={plan_id}")
    staff = bearer(make, world["bureau"])
    patched = client.patch(
        f"/api/v1/plans/{plan_id}/targets",
        json={"targets": [{"indicator": "tech_transfer", "period": "2024", "value": 8}]},
        headers=staff,
    )
    assert patched.status_code == 200
    assert {"indicator": "tech_transfer", "period": "2024", "value": 8} in patched.get_json()["targets"]
    refused = client.patch(
        f"/api/v1/plans/{plan_id}/targets",
        json={"targets": [{"indicator": "tech_transfer", "period": "2027", "value": 8}]},
        headers=staff,
    )
    assert refused.status_code == 422
    with app.app_context():
        entries = db.session.scalars(
            select(JournalEntry).where(JournalEntry.action == "indicator.target").order_by(JournalEntry.id)
        ).all()
        assert [(e.object_type, e.object_id) for e in entries] == [("plan", plan_id), ("plan", plan_id)]
        assert [e.changes["target 2024"] for e in entries] == [[None, 7], [7, 8]]
        assert entries[0].changes["indicator"] == [None, "tech_transfer"]


# --- the web pages -----------------------------------------------------------------------------


def test_no_plan_covers_today_staff_are_offered_to_create_one(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    make.agreement(
        world["enterprise"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        kind="iur_agreement",
        signed_on=date(2026, 5, 1),
    )
    login(client, world["bureau"])
    html = page(client, "/agreements/dashboard")
    assert "没有覆盖2026年的计划" in html
    assert "新建从2026年开始的计划" in html and "/agreements/plans/new?start_year=2026" in html
    assert (
        '<a href="/agreements/dashboard/list?year=2026&amp;indicator=iur_agreements"><strong>1</strong>'
        in html
    )
    assert "没有执行中的计划" not in html
    pool = page(client, "/profiles/pool")
    assert "没有覆盖2026年的执行中计划" in pool and "新建从2026年开始的计划" in pool
    other = page(client, "/agreements/dashboard?year=2031")
    assert "没有覆盖2031年的计划" in other and "start_year=2031" in other


def test_no_plan_covers_today_others_are_told_without_the_offer(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    app.config["DASHBOARD_PUBLIC"] = True
    login(client, world["enterprise"])
    html = page(client, "/agreements/dashboard")
    assert "没有覆盖2026年的计划" in html and "新建从2026年开始的计划" not in html
    assert "/agreements/plans" not in html
    client.post("/auth/logout")
    assert "没有覆盖2026年的计划" in page(client, "/agreements/dashboard")
    app.config["DASHBOARD_PUBLIC"] = False
    login(client, world["enterprise"])
    assert client.get("/agreements/dashboard").status_code == 403
    assert client.get("/agreements/plans/new").status_code == 403


def test_staff_create_the_next_plan_prefilled_from_the_last(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    login(client, world["bureau"])
    form = page(client, "/agreements/plans/new")
    assert 'value="2026"' in form and 'value="2028"' in form  # after 2023–2025, as long as it ran
    assert "宝应县专精特新企业培育三年行动计划（2023—2025年）" in form  # copied from, by default
    bad = client.post(
        "/agreements/plans/new", data={"name": "新计划甲乙", "start_year": "2028", "end_year": "2026"}
    )
    assert bad.status_code == 422 and "结束年份不能早于开始年份。" in bad.get_data(as_text=True)
    odd = client.post("/agreements/plans/new", data={"name": "新", "start_year": "二〇二六", "end_year": ""})
    assert odd.status_code == 422
    text = odd.get_data(as_text=True)
    assert "计划名称应为4到100个字。" in text and "请填写结束年份" in text
    response = client.post(
        "/agreements/plans/new",
        data={
            "name": "宝应县专精特新企业培育行动计划（2026—2028年）",
            "doc_number": "宝政办发〔2026〕9号",
            "start_year": "2026",
            "end_year": "2028",
            "bureaus": "县工信局、县科技局",
            "copy_from": str(first_plan(app)),
        },
    )
    assert response.status_code == 302 and "/agreements/indicators?plan=" in response.location
    with app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.start_year == 2026)).one()
        assert plan.doc_number == "宝政办发〔2026〕9号" and len(plan.rules) == 11 and not plan.targets
        assert {t.period for t in plan.tier_targets} == {"2028"}
        entry = db.session.scalars(select(JournalEntry).where(JournalEntry.action == "plan.created")).one()
        assert entry.object_id == plan.id and entry.changes["period"] == [None, "2026-2028"]
        plan_id = plan.id
    html = page(client, "/agreements/dashboard")
    assert "宝应县专精特新企业培育行动计划（2026—2028年）" in html and "没有覆盖" not in html
    assert "计划期 2026—2028年" in html
    assert "2026—2028" in page(client, "/profiles/pool")
    assert "宝政办发〔2026〕9号" in page(client, "/agreements/plans")
    edit = client.post(
        f"/agreements/plans/{plan_id}/edit",
        data={"name": "宝应县专精特新企业培育行动计划（2026—2028年）", "doc_number": "宝政办发〔2026〕10号"},
    )
    assert edit.status_code == 302
    with app.app_context():
        assert db.session.get(Plan, plan_id).doc_number == "宝政办发〔2026〕10号"
        assert db.session.scalar(select(JournalEntry.id).where(JournalEntry.action == "plan.updated"))


def test_closing_a_plan(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    staff = bearer(make, world["bureau"])
    made = client.post(
        "/api/v1/plans",
        json={"name": "宝应县专精特新企业培育行动计划（2026—2028年）", "start_year": 2026, "end_year": 2028},
        headers=staff,
    ).get_json()
    login(client, world["bureau"])
    assert "没有覆盖" not in page(client, "/agreements/dashboard")
    response = client.post(f"/agreements/plans/{made['id']}/close")
    assert response.status_code == 302
    assert "已结束，仍可查看" in page(client, "/agreements/plans")
    with app.app_context():
        plan = db.session.get(Plan, made["id"])
        assert plan.status is PlanStatus.CLOSED and plan.closed_at is not None
        entry = db.session.scalars(select(JournalEntry).where(JournalEntry.action == "plan.closed")).one()
        assert entry.object_id == plan.id and entry.changes["status"] == ["in_force", "closed"]
    assert client.get("/api/v1/plans", headers=staff).get_json()["in_force"] is None  # not in force
    html = page(client, "/agreements/dashboard")  # 2026 is still measured against it, marked ended
    assert "2026—2028年 · 已结束" in html and "没有覆盖" not in html
    assert "已结束" in page(client, f"/agreements/dashboard?plan={made['id']}")  # still readable
    client.post(f"/agreements/plans/{made['id']}/close")
    assert "这个计划已经结束。" in page(client, "/agreements/plans")
    first = first_plan(app)
    closed = client.patch(f"/api/v1/plans/{first}", json={"status": "closed"}, headers=staff)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    again = client.patch(f"/api/v1/plans/{first}", json={"status": "in_force"}, headers=staff)
    assert again.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(TierTarget.id).where(TierTarget.plan_id == first))  # kept


def test_a_closed_plan_keeps_its_targets_and_rules(app: Flask, make: Factory, world: dict) -> None:
    """The record the county was judged by does not change after the plan is closed."""
    from matchmaker.agreements.models import Indicator
    from matchmaker.agreements.values import AgreementType
    from matchmaker.core.exceptions import InvalidTransition

    with app.app_context():
        staff = accounts.find_user_by_email(world["bureau"])
        plan = plans.first_plan()
        plans.close_plan(plan, actor=staff)
        indicator = db.session.get(Indicator, "iur_agreements")
        before = sorted(str(r) for r in plan.rules_for("iur_agreements"))
        with pytest.raises(InvalidTransition, match="已结束"):
            plans.set_rules(plan, indicator, {AgreementType.TECH_SERVICE: False}, actor=staff)
        with pytest.raises(InvalidTransition, match="已结束"):
            plans.set_target(plan, indicator, plan.period, 99, actor=staff)
        db.session.rollback()
        assert sorted(str(r) for r in plans.first_plan().rules_for("iur_agreements")) == before


def test_a_real_plan_wins_over_a_demo_plan_of_the_same_years(app: Flask, make: Factory, world: dict) -> None:
    from matchmaker.agreements import counting

    year = clock.today().year
    with app.app_context():
        staff = accounts.find_user_by_email(world["bureau"])
        demo = plans.create_plan(
            plans.PlanDetails(name="【演示】计划", start_year=year, end_year=year + 2, demo=True), actor=staff
        )
        real = plans.create_plan(
            plans.PlanDetails(name="正式计划", start_year=year, end_year=year + 4), actor=staff
        )
        db.session.commit()
        assert counting.plan_in_force().id == real.id != demo.id


def test_staff_find_the_plans_in_the_header(client: FlaskClient, world: dict) -> None:
    login(client, world["bureau"])
    menu = page(client, "/home").split('aria-label="主导航"')[1]
    assert 'href="/agreements/plans"' in menu and "培育计划" in menu
    login(client, world["enterprise"])
    assert 'href="/agreements/plans"' not in page(client, "/home")
