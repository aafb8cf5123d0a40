"""一企一册 and the cultivation pool: the profile shows the organisation's records; bureau staff
record tier changes (history + current tier + journal) and indicator readings (validated, in
Chinese, never a 500); who sees what; the pool's figures equal their drill-downs, by town; the
plan's targets seeded (fresh and upgraded databases) and editable; the export and the API."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select

from matchmaker import create_app
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgType
from matchmaker.agreements import plans
from matchmaker.agreements.models import Plan
from matchmaker.core import clock
from matchmaker.core.database import MIGRATIONS_DIR
from matchmaker.core.exceptions import PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import PostingKind
from matchmaker.profiles import operations as service
from matchmaker.profiles.models import Measure, MeasureKind, TierChange, TierTarget
from matchmaker.taxonomy.models import EnterpriseTier, Town
from tests.conftest import Factory, app_config, drop_database, new_database
from tests.test_pairings import login, page

PROVINCIAL = "省级专精特新中小企业"
INNOVATIVE = "创新型中小企业"


def first_plan(app: Flask) -> int:
    """The 2023–2025 plan the migrations seed (the tests run after it ended: no default plan)."""
    with app.app_context():
        plan = plans.first_plan()
        assert plan is not None and plan.period == "2023-2025"
        return plan.id


def tier_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalars(select(EnterpriseTier.id).where(EnterpriseTier.name == name)).one()


def town_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Town.id).where(Town.name == name)).one()


def set_tier(app: Flask, org_id: int, name: str | None, day: date = date(2024, 1, 2)) -> None:
    with app.app_context():
        bureau = Factory(app).reviewer()
        tier = (
            db.session.scalars(select(EnterpriseTier).where(EnterpriseTier.name == name)).one()
            if name
            else None
        )
        service.change_tier(db.session.get(Organization, org_id), tier, day, None, actor=bureau)
        db.session.commit()


@pytest.fixture
def world(make: Factory) -> dict:
    return {
        "enterprise": make.user(),
        "other": make.user(),
        "university": make.user(org_type=OrgType.UNIVERSITY),
        "bureau": make.bureau(),
    }


def test_profile_shows_the_records(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    need = make.posting(world["enterprise"], PostingKind.RD_NEED, title="伺服电机温升抑制研发需求")
    pairing = make.pairing(world["university"], need, PairingState.NEGOTIATING)
    make.agreement(
        world["enterprise"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        title="伺服电机温升抑制技术开发合同",
    )
    org = make.org_of(world["enterprise"])
    for who in ("enterprise", "bureau"):
        login(client, world[who])
        html = page(client, f"/profiles/{org}")
        assert "伺服电机温升抑制研发需求" in html
        assert f"/pairings/{pairing}" in html
        assert "伺服电机温升抑制技术开发合同" in html
        assert "培育指标" in html
    # Another member: basic data and published postings, nothing of its dealings or indicators.
    login(client, world["other"])
    html = page(client, f"/profiles/{org}")
    assert "伺服电机温升抑制研发需求" in html
    assert f"/pairings/{pairing}" not in html and "伺服电机温升抑制技术开发合同" not in html
    assert "培育指标" not in html and "记录梯度变更" not in html


def test_tier_change_writes_history_current_tier_and_journal(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    org = make.org_of(world["enterprise"])
    login(client, world["bureau"])
    steps = [(INNOVATIVE, "2023-04-20", "2023年度名单"), (PROVINCIAL, "2024-06-12", "苏工信〔2024〕12号")]
    for name, day, note in steps:
        response = client.post(
            f"/profiles/{org}/tier",
            data={"tier-tier": tier_id(app, name), "tier-effective_on": day, "tier-note": note},
        )
        assert response.status_code == 302
    with app.app_context():
        organization = db.session.get(Organization, org)
        assert organization.tier.name == PROVINCIAL
        history = service.tier_history(organization)
        assert [(h.tier.name, h.effective_on.isoformat(), h.note) for h in history] == list(reversed(steps))
        assert all(h.recorded_by.email == world["bureau"] for h in history)
        entries = db.session.scalars(
            select(JournalEntry).where(
                JournalEntry.action == "organization.tier_changed", JournalEntry.object_id == org
            )
        ).all()
        assert [e.changes["tier"] for e in entries] == [[None, INNOVATIVE], [INNOVATIVE, PROVINCIAL]]
        assert entries[0].label == "变更企业梯度"
    html = page(client, f"/profiles/{org}")
    assert html.count('class="tier-change"') == 2 and "苏工信〔2024〕12号" in html
    # Filling in an older 认定 afterwards adds it to the history without demoting the enterprise.
    response = client.post(
        f"/profiles/{org}/tier",
        data={"tier-tier": tier_id(app, INNOVATIVE), "tier-effective_on": "2022-03-01", "tier-note": "补录"},
    )
    assert response.status_code == 302
    with app.app_context():
        organization = db.session.get(Organization, org)
        assert organization.tier.name == PROVINCIAL and len(service.tier_history(organization)) == 3
    # Leaving the pool: no tier, still in the history.
    response = client.post(f"/profiles/{org}/tier", data={"tier-tier": "", "tier-effective_on": "2025-01-02"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Organization, org).tier is None
        assert db.session.scalar(select(TierChange).order_by(TierChange.id.desc())).tier is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tier-effective_on": (clock.today() + timedelta(days=1)).isoformat()}, "日期不能晚于今天。"),
        ({"tier-effective_on": ""}, "请填写日期（格式 2025-06-30）。"),
        ({"tier-tier": "999999"}, "请选择梯度。"),
        ({"tier-tier": "abc"}, "选择无效"),
        ({"university": True}, "只有企业才有梯度。"),
    ],
)
def test_tier_changes_are_validated_in_chinese(
    app: Flask, client: FlaskClient, make: Factory, world: dict, data: dict, message: str
) -> None:
    org = make.org_of(world["university" if data.pop("university", False) else "enterprise"])
    login(client, world["bureau"])
    form = {"tier-tier": tier_id(app, INNOVATIVE), "tier-effective_on": "2024-01-02", **data}
    response = client.post(f"/profiles/{org}/tier", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organization, org).tier is None
        assert not db.session.scalars(select(TierChange)).all()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"measure-value": "120"}, "研发投入强度应在0到100（%）之间。"),
        ({"measure-value": "-0.5"}, "研发投入强度应在0到100（%）之间。"),
        ({"measure-kind": "class1_ip", "measure-value": "2.5"}, "Ⅰ类知识产权数量应为不小于0的整数（件）。"),
        ({"measure-kind": "class1_ip", "measure-value": "-3"}, "Ⅰ类知识产权数量应为不小于0的整数（件）。"),
        ({"measure-as_of": (clock.today() + timedelta(days=1)).isoformat()}, "日期不能晚于今天。"),
        ({"measure-as_of": "2024-13-45"}, "请填写日期（格式 2025-06-30）。"),
        ({"measure-as_of": ""}, "请填写日期（格式 2025-06-30）。"),
        ({"measure-value": ""}, "请填写数值。"),
        ({"measure-value": "NaN"}, "请填写有效的数值。"),
        ({"measure-value": "四点五"}, "不是有效的小数。"),
        ({"measure-kind": "nonsense"}, "不是有效的选择。"),
        ({"measure-value": "1e400"}, "研发投入强度应在0到100（%）之间。"),
    ],
)
def test_readings_are_validated_in_chinese(
    app: Flask, client: FlaskClient, make: Factory, world: dict, data: dict, message: str
) -> None:
    org = make.org_of(world["enterprise"])
    login(client, world["bureau"])
    form = {"measure-kind": "rd_intensity", "measure-value": "4.5", "measure-as_of": "2024-12-31", **data}
    response = client.post(f"/profiles/{org}/measures", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(select(Measure)).all()


def test_a_refused_reading_is_summed_up_at_the_top_of_the_long_profile_page(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    """The readings form sits far below the fold: its problems are listed at the top of the page,
    each linking to its field, and not a second time in the form."""
    org = make.org_of(world["enterprise"])
    login(client, world["bureau"])
    form = {"measure-kind": "rd_intensity", "measure-value": "四点五", "measure-as_of": ""}
    html = client.post(f"/profiles/{org}/measures", data=form).get_data(as_text=True)
    main = html.split('<main id="main"', 1)[1]
    summary_at = main.index('class="flash flash-error error-summary"')
    assert summary_at < main.index("<h1>") < main.index("录入指标数据")  # before everything else
    summary = main[summary_at:].split("</div>", 1)[0]
    assert 'id="error-summary"' in summary and "请修改以下 2 处后再提交" in summary
    assert '<a href="#measure-value">数值</a>：不是有效的小数。' in summary
    assert '<a href="#measure-as_of">截至日期</a>：请填写日期（格式 2025-06-30）。' in summary
    assert main.count("error-summary") == 2 and 'id="measure-value"' in main  # the one summary (class, id)


def test_readings_are_saved_with_latest_first(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    org = make.org_of(world["enterprise"])
    login(client, world["bureau"])
    for kind, value, day in [
        ("rd_intensity", "4.8", "2024-12-31"),
        ("rd_intensity", "4.2", "2023-12-31"),  # entered later, but older: not the latest
        ("class1_ip", "0", "2023-12-31"),
        ("class1_ip", "5", "2024-12-31"),
    ]:
        response = client.post(
            f"/profiles/{org}/measures",
            data={"measure-kind": kind, "measure-value": value, "measure-as_of": day, "measure-note": "年报"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    # The same day again corrects the reading rather than adding one.
    client.post(
        f"/profiles/{org}/measures",
        data={"measure-kind": "class1_ip", "measure-value": "6", "measure-as_of": "2024-12-31"},
    )
    with app.app_context():
        readings = service.readings(db.session.get(Organization, org))
        assert [(m.value, m.as_of.year) for m in readings[MeasureKind.RD_INTENSITY]] == [
            (Decimal("4.80"), 2024),
            (Decimal("4.20"), 2023),
        ]
        assert [m.value for m in readings[MeasureKind.CLASS1_IP]] == [Decimal("6"), Decimal("0")]
        assert db.session.scalars(
            select(JournalEntry.id).where(JournalEntry.action == "organization.measure_recorded")
        ).all()
    html = page(client, f"/profiles/{org}")
    assert re.search(r'latest-rd_intensity">最新：<strong>4\.8%', html)
    assert re.search(r'latest-class1_ip">最新：<strong>6件', html)


def test_only_bureau_staff_record(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    org = make.org_of(world["enterprise"])
    with app.app_context():
        owner = accounts.find_user_by_email(world["enterprise"])
        target = db.session.get(Organization, org)
        with pytest.raises(PermissionDenied):
            service.change_tier(target, None, date(2024, 1, 1), None, actor=owner)
        with pytest.raises(PermissionDenied):
            service.record_measure(target, MeasureKind.CLASS1_IP, 3, date(2024, 1, 1), None, actor=owner)
    login(client, world["enterprise"])
    response = client.post(
        f"/profiles/{org}/measures",
        data={"measure-kind": "class1_ip", "measure-value": "3", "measure-as_of": "2024-01-01"},
    )
    assert response.status_code == 403
    assert "企业梯度和指标由主管部门工作人员录入。" in response.get_data(as_text=True)


def test_other_enterprises_see_neither_indicators_nor_pool(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    org = make.org_of(world["enterprise"])
    with app.app_context():
        service.record_measure(
            db.session.get(Organization, org),
            MeasureKind.RD_INTENSITY,
            "7.35",
            date(2024, 12, 31),
            None,
            actor=Factory(app).reviewer(),
        )
        db.session.commit()
    login(client, world["enterprise"])
    assert "7.35%" in page(client, f"/profiles/{org}")  # its own
    login(client, world["other"])
    html = page(client, f"/profiles/{org}")
    assert "7.35" not in html and "研发投入强度" not in html
    assert client.get("/profiles/pool").status_code == 403
    assert client.get("/profiles/pool.xlsx").status_code == 403
    headers = {"Authorization": f"Bearer {make.token(world['other'])}"}
    body = client.get(f"/api/v1/organizations/{org}/profile", headers=headers).get_json()
    assert body["indicators"] is None and body["agreement_ids"] is None
    assert client.get("/api/v1/pool", headers=headers).status_code == 403


def pool_figures(html: str) -> dict[str, int]:
    return {
        key: int(count)
        for key, count in re.findall(r'data-tier="(\w+)">.*?class="pool-count"[^>]*>(\d+)</a>', html, re.S)
    }


def test_pool_counts_equal_their_drill_downs_by_town(app: Flask, client: FlaskClient, make: Factory) -> None:
    layout = [  # (town, tier)
        ("安宜镇", PROVINCIAL),
        ("安宜镇", PROVINCIAL),
        ("安宜镇", INNOVATIVE),
        ("范水镇", PROVINCIAL),
        ("范水镇", "制造业单项冠军"),
        ("范水镇", None),
    ]
    orgs = []
    for town, tier in layout:
        org = make.org(town=town)
        orgs.append(org)
        if tier:
            set_tier(app, org, tier)
    make.org(OrgType.UNIVERSITY)  # not an enterprise: never in the pool
    login(client, make.bureau())
    provincial = str(tier_id(app, PROVINCIAL))
    for town, expected_provincial in ((None, 3), ("安宜镇", 2), ("范水镇", 1)):
        query = f"?town={town_id(app, town)}" if town else ""
        figures = pool_figures(page(client, f"/profiles/pool{query}"))
        assert figures[provincial] == expected_provincial
        assert len(figures) >= 6  # five tiers and the untiered
        for key, count in figures.items():
            sep = "&" if query else "?"
            drill = page(client, f"/profiles/pool/list{query}{sep}tier={key}")
            assert drill.count('class="pool-member"') == count, key
    with app.app_context():
        anyi = db.session.get(Town, town_id(app, "安宜镇"))
        rows = {r.key: r for r in service.pool(anyi, db.session.get(Plan, first_plan(app)))}
        assert rows[provincial].count == 2 and rows[provincial].target == 40 and rows[provincial].gap == 38
        assert {o.id for o in service.pool_members(rows[provincial].tier, anyi)} == set(orgs[:2])
    drill = page(client, f"/profiles/pool/list?tier={provincial}&town={town_id(app, '安宜镇')}")
    assert f"/profiles/{orgs[0]}" in drill and f"/profiles/{orgs[3]}" not in drill
    assert client.get("/profiles/pool/list?tier=999999").status_code == 404
    assert client.get("/profiles/pool/list?tier=abc").status_code == 404


def test_targets_are_seeded_and_editable(app: Flask, client: FlaskClient, make: Factory) -> None:
    with app.app_context():
        seeded = {t.tier.name: (t.period, t.value) for t in db.session.scalars(select(TierTarget))}
    assert seeded == {name: ("2025", value) for name, value in plans.FIRST_PLAN_TIER_TARGETS.items()}
    login(client, make.bureau())
    provincial, plan = tier_id(app, PROVINCIAL), first_plan(app)
    response = client.post("/profiles/pool/targets", data={"plan": plan, "tier": provincial, "value": "45"})
    assert response.status_code == 302
    assert "已保存" in page(client, f"/profiles/pool?plan={plan}")
    for bad in ("-1", "abc", "1000001"):
        client.post("/profiles/pool/targets", data={"plan": plan, "tier": provincial, "value": bad})
    client.post("/profiles/pool/targets", data={"plan": plan, "tier": tier_id(app, INNOVATIVE), "value": ""})
    with app.app_context():
        targets = {t.tier.name: t.value for t in db.session.scalars(select(TierTarget))}
        assert targets[PROVINCIAL] == 45 and INNOVATIVE not in targets
        entries = db.session.scalars(
            select(JournalEntry).where(JournalEntry.action == "indicator.tier_target")
        ).all()
        assert [e.changes["target 2025"] for e in entries] == [[40, 45], [300, None]]
        assert plans.seed_tier_targets() == 0  # init-db never puts back what staff changed


def test_an_existing_database_gets_the_targets_from_the_migration(tmp_path: Path) -> None:
    from matchmaker.taxonomy.operations import seed_taxonomies

    path = new_database(tmp_path / "old.sqlite3")
    app = create_app(app_config(path))
    try:
        with app.app_context():
            upgrade(directory=str(MIGRATIONS_DIR), revision="102361b0e0aa")  # before 0012
            seed_taxonomies()
            db.session.commit()
            upgrade(directory=str(MIGRATIONS_DIR))
            targets = {t.tier.name: t.value for t in db.session.scalars(select(TierTarget))}
            assert targets == plans.FIRST_PLAN_TIER_TARGETS
            assert plans.seed_tier_targets() == 0
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(path)


def test_pool_export(app: Flask, client: FlaskClient, make: Factory) -> None:
    org = make.org(name="宝应测试电气有限公司")
    set_tier(app, org, PROVINCIAL)
    with app.app_context():
        service.record_measure(
            db.session.get(Organization, org),
            MeasureKind.RD_INTENSITY,
            "4.5",
            date(2024, 12, 31),
            None,
            actor=Factory(app).reviewer(),
        )
        db.session.commit()
    login(client, make.bureau())
    response = client.get(f"/profiles/pool.xlsx?plan={first_plan(app)}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1:] for row in book["培育库"].iter_rows(min_row=2, values_only=True)}
    assert summary[PROVINCIAL] == (40, 1, 39)
    members = list(book["企业名单"].iter_rows(min_row=2, values_only=True))
    assert ("宝应测试电气有限公司", None, "安宜镇", PROVINCIAL, 4.5, "2024-12-31", None, None) in members
    assert sum(count for _, count, _ in summary.values()) == len(members)


def test_api_profile_and_pool(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    org = make.org_of(world["enterprise"])
    set_tier(app, org, INNOVATIVE, date(2023, 4, 20))
    set_tier(app, org, PROVINCIAL, date(2024, 6, 12))
    need = make.posting(world["enterprise"], PostingKind.RD_NEED)
    pairing = make.pairing(world["university"], need)
    own = {"Authorization": f"Bearer {make.token(world['enterprise'])}"}
    body = client.get(f"/api/v1/organizations/{org}/profile", headers=own).get_json()
    assert body["tier"] == PROVINCIAL
    assert [h["tier"] for h in body["tier_history"]] == [PROVINCIAL, INNOVATIVE]
    assert body["indicators"]["rd_intensity"]["latest"] is None
    assert body["posting_ids"] == [need] and body["pairing_ids"] == [pairing]
    bureau = {"Authorization": f"Bearer {make.token(world['bureau'])}"}
    pool = client.get(f"/api/v1/pool?plan={first_plan(app)}", headers=bureau).get_json()
    assert pool["period"] == "2025" and pool["plan"]["period"] == "2023-2025"
    for row in pool["tiers"]:
        assert row["count"] == len(row["organizations"])
    provincial = next(r for r in pool["tiers"] if r["tier"] == PROVINCIAL)
    assert {"id": org, "name": body["name"]} in provincial["organizations"]
    fanshui = client.get("/api/v1/pool?town=范水镇", headers=bureau).get_json()
    assert fanshui["town"] == "范水镇" and all(not r["organizations"] for r in fanshui["tiers"])
    assert client.get("/api/v1/pool?town=火星镇", headers=bureau).status_code == 400
    assert client.get("/api/v1/pool?region=1", headers=bureau).status_code == 400
    assert client.get("/api/v1/organizations/999999/profile", headers=bureau).status_code == 404


def test_demo_data_has_tier_history_and_readings(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        enterprises = db.session.scalars(select(Organization).where(Organization.type == OrgType.ENTERPRISE))
        tiered = [o for o in enterprises if o.tier is not None]
        assert tiered
        for org in tiered:
            history = service.tier_history(org)
            assert history and history[0].tier == org.tier, org.name  # the latest step is the current tier
        assert db.session.scalars(select(Measure)).first() is not None


def test_profile_shows_events_attended_and_calls(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    """Rows written straight to the events' and calls' tables (their services are their own)."""
    from matchmaker.calls.models import CallProposal, ChallengeCall
    from matchmaker.events.models import Event, EventKind, EventRegistration

    enterprise, university = make.org_of(world["enterprise"]), make.org_of(world["university"])
    with app.app_context():
        bureau = Factory(app).reviewer()
        owner = accounts.find_user_by_email(world["enterprise"])
        scholar = accounts.find_user_by_email(world["university"])
        event = Event(
            title="宝应县智能电气供需对接会",
            kind=EventKind.SUPPLY,
            held_on=date(2025, 5, 20),
            organisers="宝应县工业和信息化局",
            registration_deadline=date(2025, 5, 15),
            created_by_id=bureau.id,
        )
        call = ChallengeCall(
            title="高压开关柜局部放电在线监测揭榜",
            problem="局部放电信号弱、干扰大。",
            deliverables="样机一台。",
            budget=Decimal("80"),
            deadline=date(2025, 9, 30),
            eligibility="江苏省内高校院所",
            enterprise_id=enterprise,
            created_by_id=owner.id,
        )
        db.session.add_all([event, call])
        db.session.flush()
        db.session.add(EventRegistration(event_id=event.id, organization_id=enterprise, user_id=owner.id))
        db.session.add(
            CallProposal(
                call_id=call.id,
                organization_id=university,
                author_id=scholar.id,
                approach="超高频与脉冲电流联合检测。",
                team="教授一名、博士两名。",
                schedule="六个月。",
                price=Decimal("75"),
            )
        )
        db.session.commit()
    login(client, world["enterprise"])
    html = page(client, f"/profiles/{enterprise}")
    assert "宝应县智能电气供需对接会" in html and "高压开关柜局部放电在线监测揭榜" in html
    login(client, world["university"])
    assert "高压开关柜局部放电在线监测揭榜" in page(client, f"/profiles/{university}")  # answered
    assert "宝应县智能电气供需对接会" not in page(client, f"/profiles/{enterprise}")  # not its own


def test_staff_record_tiers_readings_and_targets_through_the_api(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    org = make.org_of(world["enterprise"])
    bureau = {"Authorization": f"Bearer {make.token(world['bureau'])}"}
    own = {"Authorization": f"Bearer {make.token(world['enterprise'])}"}
    url = f"/api/v1/organizations/{org}"
    # a tier: staff only, validated in Chinese, nothing saved when refused
    assert (
        client.post(
            f"{url}/tier-changes", json={"tier": PROVINCIAL, "effective_on": "2024-06-12"}, headers=own
        ).status_code
        == 403
    )
    bad = client.post(f"{url}/tier-changes", json={"tier": "国家队", "effective_on": "去年"}, headers=bureau)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"tier", "effective_on"}
    future = (clock.today() + timedelta(days=3)).isoformat()
    late = client.post(
        f"{url}/tier-changes", json={"tier": PROVINCIAL, "effective_on": future}, headers=bureau
    )
    assert late.status_code == 422 and late.get_json()["errors"]["effective_on"] == ["日期不能晚于今天。"]
    university = make.org_of(world["university"])
    refused = client.post(
        f"/api/v1/organizations/{university}/tier-changes",
        json={"tier": PROVINCIAL, "effective_on": "2024-06-12"},
        headers=bureau,
    )
    assert refused.status_code == 422 and "只有企业" in refused.get_json()["errors"]["tier"][0]
    with app.app_context():
        assert db.session.scalar(select(TierChange.id)) is None
    made = client.post(
        f"{url}/tier-changes",
        json={"tier": PROVINCIAL, "effective_on": "2024-06-12", "note": "苏工信中小〔2024〕1号"},
        headers=bureau,
    )
    assert made.status_code == 201 and made.get_json()["tier"] == PROVINCIAL
    earlier = client.post(
        f"{url}/tier-changes", json={"tier": INNOVATIVE, "effective_on": "2023-04-20"}, headers=bureau
    )
    assert earlier.get_json()["tier"] == PROVINCIAL  # filled-in history does not demote
    assert [h["tier"] for h in earlier.get_json()["tier_history"]] == [PROVINCIAL, INNOVATIVE]
    # readings
    reading = {"kind": "rd_intensity", "value": 4.5, "as_of": "2024-12-31"}
    assert client.post(f"{url}/measures", json=reading, headers=own).status_code == 403
    wrong = client.post(f"{url}/measures", json={**reading, "value": 140}, headers=bureau)
    assert wrong.status_code == 422 and "0到100" in wrong.get_json()["errors"]["value"][0]
    assert (
        client.post(f"{url}/measures", json={**reading, "kind": "revenue"}, headers=bureau).status_code == 422
    )
    assert client.post(f"{url}/measures", json={**reading, "value": "4.5"}, headers=bureau).status_code == 400
    for_university = client.post(f"/api/v1/organizations/{university}/measures", json=reading, headers=bureau)
    assert for_university.status_code == 422 and "只为企业" in for_university.get_json()["errors"]["kind"][0]
    saved = client.post(f"{url}/measures", json=reading, headers=bureau)
    assert saved.status_code == 201
    assert saved.get_json()["indicators"]["rd_intensity"]["latest"] == {
        "value": 4.5,
        "as_of": "2024-12-31",
        "note": None,
    }
    corrected = client.post(f"{url}/measures", json={**reading, "value": 4.8}, headers=bureau).get_json()
    assert [m["value"] for m in corrected["indicators"]["rd_intensity"]["history"]] == [4.8]
    # the pool's target for a tier, and the count against it
    assert (
        client.post("/api/v1/pool/targets", json={"tier": PROVINCIAL, "value": 45}, headers=own).status_code
        == 403
    )
    assert (
        client.post("/api/v1/pool/targets", json={"tier": "国家队", "value": 4}, headers=bureau).status_code
        == 422
    )
    odd = client.post(
        "/api/v1/pool/targets?town=火星镇", json={"tier": PROVINCIAL, "value": 7}, headers=bureau
    )
    assert odd.status_code == 400
    plan = first_plan(app)
    seeded = client.get(f"/api/v1/pool?plan={plan}", headers=bureau).get_json()["tiers"]
    assert next(r for r in seeded if r["tier"] == PROVINCIAL)["target"] == 40  # the plan's, unchanged
    assert (
        client.post(
            "/api/v1/pool/targets", json={"tier": PROVINCIAL, "value": -1, "plan_id": plan}, headers=bureau
        ).status_code
        == 422
    )
    pool = client.post(
        "/api/v1/pool/targets", json={"tier": PROVINCIAL, "value": 45, "plan_id": plan}, headers=bureau
    ).get_json()
    provincial = next(r for r in pool["tiers"] if r["tier"] == PROVINCIAL)
    assert provincial["target"] == 45 and provincial["count"] == 1 and provincial["gap"] == 44
    removed = client.post(
        "/api/v1/pool/targets", json={"tier": PROVINCIAL, "value": None, "plan_id": plan}, headers=bureau
    ).get_json()
    assert next(r for r in removed["tiers"] if r["tier"] == PROVINCIAL)["target"] is None
    with app.app_context():
        actions = db.session.scalars(select(JournalEntry.action).order_by(JournalEntry.id)).all()
        assert actions.count("organization.tier_changed") == 2 and actions.count("indicator.tier_target") == 2
