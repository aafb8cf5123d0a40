"""Specialists (服务专员, 科技镇长团成员, 技术经纪人): bureau staff appoint them and assign
enterprises (more than SPECIALIST_MAX_ENTERPRISES is said, not refused); a specialist records a
visit with the needs found there as drafts in the enterprise's name; the enterprise confirms (as is
or after editing) or refuses with a reason on a page made for a phone — nothing goes to review
before, whatever the door; bureau staff confirm for an enterprise without users, with the reason;
diagnoses; brokering; the 工作台; and who sees visit notes and unconfirmed drafts (the enterprise,
the specialists serving it and staff — another enterprise, an unassigned specialist and a
university get 404, never the text)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import Organization, User
from matchmaker.accounts.values import OrgType
from matchmaker.core import clock
from matchmaker.core.exceptions import InvalidTransition, PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.core.models import utcnow
from matchmaker.notifications.models import Notification
from matchmaker.pairings.models import Pairing
from matchmaker.postings import operations as postings
from matchmaker.postings.models import Posting
from matchmaker.postings.values import Confirmation, PostingKind, PostingStatus, Visibility
from matchmaker.specialists import operations as service
from matchmaker.specialists.models import Specialist, Visit
from matchmaker.specialists.values import Grade, SpecialistKind
from tests.conftest import Factory
from tests.test_pairings import login, page

NOTES = "企业反映主轴热变形导致精度下降，希望与高校合作开展热误差补偿研究（走访记录正文）。"
NEED = "数控机床主轴热误差补偿"
NEED_TEXT = "主轴连续运行两小时后热伸长约30微米，需要建立热误差模型并实时补偿，精度要求5微米以内。"


@dataclass
class World:
    bureau: str
    enterprise: str  # served by ``specialist``
    other: str  # another enterprise
    university: str
    specialist: str  # a 技术经纪人 of a 技术转移服务机构, serving ``enterprise``
    idle: str  # a specialist serving nobody
    enterprise_org: int
    other_org: int


def user(email: str) -> User:
    found = accounts.find_user_by_email(email)
    assert found is not None
    return found


@pytest.fixture
def world(app: Flask, make: Factory) -> World:
    agency = make.org(OrgType.AGENCY, name="扬州技术转移中心")
    w = World(
        bureau=make.bureau(),
        enterprise=make.user(),
        other=make.user(),
        university=make.user(org_type=OrgType.UNIVERSITY),
        specialist=make.user(agency),
        idle=make.user(agency),
        enterprise_org=0,
        other_org=0,
    )
    w.enterprise_org, w.other_org = make.org_of(w.enterprise), make.org_of(w.other)
    with app.app_context():
        staff = user(w.bureau)
        broker = service.appoint(user(w.specialist), SpecialistKind.BROKER, "宝应技术经纪人团队", actor=staff)
        service.appoint(user(w.idle), SpecialistKind.SERVICE, actor=staff)
        service.assign(broker, db.session.get(Organization, w.enterprise_org), actor=staff)
        db.session.commit()
    return w


def visit_with_need(app: Flask, w: World, org_id: int | None = None) -> tuple[int, int]:
    """A visit by the specialist with one need found; (visit id, posting id)."""
    with app.app_context():
        visit = service.record_visit(
            db.session.get(Organization, org_id or w.enterprise_org),
            clock.today(),
            "王总（总经理）",
            NOTES,
            [
                service.FoundNeed(
                    PostingKind.RD_NEED, postings.PostingDetails(title=NEED, description=NEED_TEXT)
                )
            ],
            actor=user(w.specialist),
        )
        db.session.commit()
        return visit.id, visit.postings[0].id


def the_posting(app: Flask, posting_id: int) -> Posting:
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        assert posting is not None
        db.session.expunge(posting)
        return posting


def told(app: Flask, email: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.title)
                .where(Notification.user_id == user(email).id, Notification.kind == "specialist")
                .order_by(Notification.id)
            )
        )


# --- appointing and assigning ------------------------------------------------------------------


def test_staff_appoint_a_specialist_and_assign_enterprises_warned_above_the_limit(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    app.config["SPECIALIST_MAX_ENTERPRISES"] = 2
    staff = make.bureau()
    mayor = make.user(org_type=OrgType.UNIVERSITY)
    firms = [make.org(name=f"宝应精密机械{n}有限公司") for n in range(3)]
    login(client, staff)
    assert "聘任专员" in page(client, "/specialists/")
    mayor_id = make.user_id(mayor)
    response = client.post(
        "/specialists/appoint",
        data={"user": mayor_id, "kind": "mayor_team", "team": "第十六批科技镇长团宝应分团"},
    )
    assert response.status_code == 302
    with app.app_context():
        appointed = db.session.scalars(select(Specialist).where(Specialist.user_id == mayor_id)).one()
        sid = appointed.id
    again = client.post("/specialists/appoint", data={"user": mayor_id, "kind": "service"})
    assert again.status_code == 422  # not offered any more, and refused by the service
    messages = []
    for firm in firms:
        client.post(f"/specialists/{sid}/assign", data={"organization": firm})
        messages.append(page(client, f"/specialists/{sid}"))
    assert "超过每人不超过2家" not in messages[1]
    assert "超过每人不超过2家的要求" in messages[2]  # the third: said, and done
    assert "宝应精密机械2有限公司" in messages[2]
    assert "主管部门为您分配了服务企业：宝应精密机械0有限公司" in told(app, mayor)
    # a university is not an enterprise to serve
    uni = make.org(OrgType.UNIVERSITY)
    refused = client.post(f"/specialists/{sid}/assign", data={"organization": uni})
    assert refused.status_code == 422 and "请选择一家企业" in refused.get_data(as_text=True)
    # ending the appointment ends the assignments; the specialist loses the 工作台
    client.post(f"/specialists/{sid}/end", data={"reason": "挂职期满。"})
    login(client, mayor)
    assert client.get("/specialists/workbench").status_code == 403


def test_only_staff_manage_specialists(app: Flask, client: FlaskClient, world: World) -> None:
    for email in (world.enterprise, world.specialist, world.university):
        login(client, email)
        assert client.get("/specialists/").status_code == 403
        assert client.post("/specialists/appoint", data={"user": 1, "kind": "service"}).status_code == 403


# --- visits, drafts and the enterprise's confirmation ----------------------------------------------


def test_a_visit_with_a_need_is_confirmed_by_the_enterprise_and_goes_to_review(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, world.specialist)
    bench = page(client, "/specialists/workbench")
    assert "记录走访" in bench
    response = client.post(
        f"/specialists/enterprises/{world.enterprise_org}/visits/new",
        data={
            "visited_on": clock.today().isoformat(),
            "met": "王总（总经理）",
            "notes": NOTES,
            "need_kind": "rd_need",
            "need_title": NEED,
            "need_description": NEED_TEXT,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.scalars(select(Posting).where(Posting.title == NEED)).one()
        assert posting.organization_id == world.enterprise_org
        assert posting.status is PostingStatus.DRAFT and posting.confirmation is Confirmation.AWAITING
        assert posting.found_by_id == user(world.specialist).id and posting.visit_id is not None
        pid = posting.id
    assert "待企业确认" in page(client, "/specialists/workbench")

    # the enterprise is told, and confirms on its phone
    assert any(NEED in t and "请确认" in t for t in told(app, world.enterprise))
    login(client, world.enterprise)
    assert NEED in page(client, "/specialists/mine")
    confirm_page = page(client, f"/specialists/needs/{pid}")
    assert (
        'name="viewport"' in confirm_page and "确认并提交审核" in confirm_page and NEED_TEXT in confirm_page
    )
    assert client.post(f"/specialists/needs/{pid}/confirm").status_code == 302
    posting = the_posting(app, pid)
    assert posting.status is PostingStatus.PENDING and posting.confirmation is Confirmation.CONFIRMED
    assert posting.confirmed_by_id == user_id(app, world.enterprise)
    assert any("确认了需求" in t for t in told(app, world.specialist))
    # a second confirmation changes nothing and says so
    again = client.post(f"/specialists/needs/{pid}/confirm", follow_redirects=True)
    assert "已处理" in again.get_data(as_text=True)

    # staff publish it from the review queue; the provenance stays
    login(client, world.bureau)
    assert client.post(f"/review/postings/{pid}/publish", data={"note": ""}).status_code == 302
    posting = the_posting(app, pid)
    assert posting.status is PostingStatus.PUBLISHED and posting.found_by_id == user_id(app, world.specialist)


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return user(email).id


def test_nothing_awaiting_or_refused_goes_to_review_whatever_the_door(
    app: Flask, client: FlaskClient, world: World, make: Factory
) -> None:
    _, pid = visit_with_need(app, world)
    login(client, world.enterprise)
    # the page's submit button and the edit form's 提交审核 refuse it
    detail = page(client, f"/postings/{pid}")
    assert "去确认" in detail
    refused = client.post(f"/postings/{pid}/submit", follow_redirects=True)
    assert "须经企业确认" in refused.get_data(as_text=True)
    assert the_posting(app, pid).status is PostingStatus.DRAFT
    # the service every door uses (the API creates only the enterprise's own postings)
    with app.app_context():
        with pytest.raises(InvalidTransition, match="须经企业确认"):
            postings.submit_posting(db.session.get(Posting, pid), actor=user(world.enterprise))
        db.session.rollback()
    # the import's publish-at-once, and review
    with app.app_context():
        posting = db.session.get(Posting, pid)
        with pytest.raises(InvalidTransition):
            posting.publish_imported(user(world.bureau))
        db.session.rollback()
    # refused: stays out for good
    client.post(f"/specialists/needs/{pid}/refuse", data={"reason": "这不是我们的需求。"})
    posting = the_posting(app, pid)
    assert posting.confirmation is Confirmation.REFUSED and posting.confirmation_note == "这不是我们的需求。"
    refused = client.post(f"/postings/{pid}/submit", follow_redirects=True)
    assert "企业已拒绝" in refused.get_data(as_text=True)
    assert the_posting(app, pid).status is PostingStatus.DRAFT
    assert any("拒绝了需求" in t for t in told(app, world.specialist))


def test_a_refusal_needs_a_reason(app: Flask, client: FlaskClient, world: World) -> None:
    _, pid = visit_with_need(app, world)
    login(client, world.enterprise)
    response = client.post(f"/specialists/needs/{pid}/refuse", data={"reason": ""})
    assert response.status_code == 422 and "请写明拒绝理由" in response.get_data(as_text=True)
    assert the_posting(app, pid).confirmation is Confirmation.AWAITING


def test_the_enterprise_edits_then_confirms(app: Flask, client: FlaskClient, world: World) -> None:
    _, pid = visit_with_need(app, world)
    login(client, world.enterprise)
    assert client.get(f"/postings/{pid}/edit").status_code == 200
    edited = client.post(
        f"/postings/{pid}/edit",
        data={
            "title": "主轴热误差建模与实时补偿",
            "description": NEED_TEXT + "预算二十万元。",
            "visibility": "public",
        },
    )
    assert edited.status_code == 302
    assert the_posting(app, pid).title == "主轴热误差建模与实时补偿"
    client.post(f"/specialists/needs/{pid}/confirm")
    posting = the_posting(app, pid)
    assert posting.status is PostingStatus.PENDING and posting.confirmation is Confirmation.CONFIRMED


def test_staff_confirm_for_an_enterprise_without_users_with_the_reason(
    app: Flask, client: FlaskClient, world: World, make: Factory
) -> None:
    silent = make.org(name="宝应县某某电气有限公司")  # no user account (as an import creates)
    with app.app_context():
        staff = user(world.bureau)
        broker = db.session.scalars(
            select(Specialist).where(Specialist.user_id == user(world.specialist).id)
        ).one()
        service.assign(broker, db.session.get(Organization, silent), actor=staff)
        db.session.commit()
    _, pid = visit_with_need(app, world, silent)
    _, has_users = visit_with_need(app, world)
    login(client, world.bureau)
    assert "代为确认" in page(client, f"/specialists/needs/{pid}")
    assert "须由企业用户自己确认" in page(client, f"/specialists/needs/{has_users}")
    empty = client.post(f"/specialists/needs/{pid}/confirm-for", data={"reason": ""})
    assert empty.status_code == 422
    done = client.post(
        f"/specialists/needs/{pid}/confirm-for", data={"reason": "6月30日电话联系总经理，同意发布。"}
    )
    assert done.status_code == 302
    posting = the_posting(app, pid)
    assert posting.confirmation is Confirmation.BY_STAFF and posting.status is PostingStatus.PENDING
    assert posting.confirmation_note == "6月30日电话联系总经理，同意发布。"
    with app.app_context():
        with pytest.raises(InvalidTransition, match="须由企业用户自己确认"):
            service.confirm_for(db.session.get(Posting, has_users), "电话确认。", actor=user(world.bureau))
        entry = db.session.scalars(
            select(JournalEntry).where(JournalEntry.action == "posting.confirmed_by_staff")
        ).one()
        assert entry.note == "6月30日电话联系总经理，同意发布。"
    # an enterprise confirms only its own; staff never for one with users
    login(client, world.other)
    assert client.post(f"/specialists/needs/{has_users}/confirm").status_code == 404


# --- who sees visit notes and unconfirmed drafts -------------------------------------------------------


def test_visit_notes_and_drafts_are_for_the_enterprise_its_specialist_and_staff(
    app: Flask, client: FlaskClient, world: World
) -> None:
    vid, pid = visit_with_need(app, world)
    for email in (world.enterprise, world.specialist, world.bureau):
        login(client, email)
        assert NOTES in page(client, f"/specialists/visits/{vid}"), email
        assert NEED_TEXT in page(client, f"/specialists/needs/{pid}"), email
        assert client.get(f"/postings/{pid}").status_code == 200, email
    for email in (world.other, world.idle, world.university):
        login(client, email)
        for url in (f"/specialists/visits/{vid}", f"/specialists/needs/{pid}", f"/postings/{pid}"):
            response = client.get(url)
            assert response.status_code == 404, (email, url)
            assert NOTES not in response.get_data(as_text=True) and NEED_TEXT not in response.get_data(
                as_text=True
            )
        assert client.post(f"/specialists/needs/{pid}/confirm").status_code == 404
        assert client.post(f"/specialists/visits/{vid}/needs", data={"need_title": "x"}).status_code == 404
    login(client, world.other)
    mine = page(client, "/specialists/mine")
    assert NOTES not in mine and NEED not in mine
    # an unassigned specialist records no visit there
    login(client, world.idle)
    assert client.get(f"/specialists/enterprises/{world.enterprise_org}/visits/new").status_code == 403
    # once the assignment ends, the specialist sees the notes no more
    with app.app_context():
        broker = db.session.scalars(
            select(Specialist).where(Specialist.user_id == user(world.specialist).id)
        ).one()
        service.end_assignment(service.open_assignments(broker)[0], actor=user(world.bureau))
        db.session.commit()
    login(client, world.specialist)
    assert client.get(f"/specialists/visits/{vid}").status_code == 404


def test_the_sql_twins_agree_with_the_rules(app: Flask, world: World) -> None:
    from matchmaker import policy

    vid, pid = visit_with_need(app, world)
    with app.app_context():
        for email in (
            world.enterprise,
            world.specialist,
            world.bureau,
            world.other,
            world.idle,
            world.university,
        ):
            actor = user(email)
            visit = db.session.get(Visit, vid)
            posting = db.session.get(Posting, pid)
            listed = [v.id for v in service.visits(actor)]
            assert (vid in listed) is policy.may(actor, "visit.view", visit), email
            found = [p.id for p in service.found_needs(actor)]
            assert (pid in found) is policy.may(actor, "posting.view", posting), email


def test_a_visit_date_in_the_future_or_missing_text_is_refused_in_chinese(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, world.specialist)
    url = f"/specialists/enterprises/{world.enterprise_org}/visits/new"
    future = client.post(
        url,
        data={"visited_on": (clock.today() + timedelta(days=1)).isoformat(), "met": "王总", "notes": NOTES},
    )
    assert future.status_code == 422 and "走访日期不能晚于今天" in future.get_data(as_text=True)
    short = client.post(
        url,
        data={
            "visited_on": clock.today().isoformat(),
            "met": "王总",
            "notes": NOTES,
            "need_title": "短",
            "need_description": "太短",
        },
    )
    assert short.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Visit.id)) is None


# --- diagnosis, brokering, the 工作台 ---------------------------------------------------------------


def test_a_diagnosis_says_what_is_missing_to_the_enterprise(
    app: Flask, client: FlaskClient, world: World, make: Factory
) -> None:
    need = make.posting(world.enterprise, PostingKind.RD_NEED, title="注塑件翘曲变形控制")
    login(client, world.specialist)
    assert "注塑件翘曲变形控制" in page(client, "/specialists/workbench")  # 待诊断
    empty = client.post(f"/specialists/needs/{need}/diagnose", data={"grade": "needs_work", "missing": ""})
    assert empty.status_code == 422 and "请填写缺少的内容" in empty.get_data(as_text=True)
    done = client.post(
        f"/specialists/needs/{need}/diagnose",
        data={
            "grade": "needs_work",
            "missing": "缺少翘曲量的实测数据和材料牌号。",
            "note": "企业技术力量薄弱。",
        },
    )
    assert done.status_code == 302
    assert any("需要补充信息" in t for t in told(app, world.enterprise))
    with app.app_context():
        body = db.session.scalars(
            select(Notification.body).where(
                Notification.user_id == user(world.enterprise).id, Notification.kind == "specialist"
            )
        ).all()
        assert any("缺少翘曲量的实测数据" in (b or "") and "技术力量薄弱" not in (b or "") for b in body)
    # on the need's page: the enterprise reads the grade and what is missing, staff the note too
    login(client, world.enterprise)
    own = page(client, f"/postings/{need}")
    assert "专员诊断" in own and "缺少翘曲量的实测数据" in own and "技术力量薄弱" not in own
    login(client, world.bureau)
    assert "技术力量薄弱" in page(client, f"/postings/{need}")
    login(client, world.university)
    assert "专员诊断" not in page(client, f"/postings/{need}")
    login(client, world.specialist)
    # the unassigned specialist and another enterprise's need: refused
    other_need = make.posting(world.other, PostingKind.RD_NEED)
    assert (
        client.post(f"/specialists/needs/{other_need}/diagnose", data={"grade": "ready"}).status_code == 403
    )
    login(client, world.idle)
    assert client.get(f"/specialists/needs/{need}/diagnose").status_code == 403
    with app.app_context():
        diagnosis = service.current_diagnosis(db.session.get(Posting, need))
        assert diagnosis is not None and diagnosis.grade is Grade.NEEDS_WORK


def test_a_specialist_brokers_a_pairing_for_its_enterprise(
    app: Flask, client: FlaskClient, world: World, make: Factory
) -> None:
    need = make.posting(world.enterprise, PostingKind.RD_NEED, title="主轴热误差补偿研究")
    outcome = make.posting(world.university, PostingKind.RESEARCH_OUTCOME, title="机床热误差建模与补偿技术")
    login(client, world.specialist)
    form = page(client, f"/specialists/broker?target={need}")
    assert "机床热误差建模与补偿技术" in form
    response = client.post(
        "/specialists/broker",
        data={"target": need, "other": outcome, "message": "该校成果可解决贵企业主轴热变形问题。"},
    )
    assert response.status_code == 302
    with app.app_context():
        pairing = db.session.scalars(select(Pairing).where(Pairing.target_id == need)).one()
        assert pairing.brokered_by_id == user(world.specialist).id and not pairing.by_bureau
        pid = pairing.id
    assert client.get(f"/pairings/{pid}").status_code == 200  # the broker follows it
    # the enterprise is told who brokered it
    with app.app_context():
        titles = db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == user(world.enterprise).id, Notification.kind == "interest"
            )
        ).all()
        assert any("（专员）为您的" in t for t in titles)
    # not for an enterprise it does not serve; not for an idle specialist
    other_need = make.posting(world.other, PostingKind.RD_NEED)
    refused = client.post(
        "/specialists/broker", data={"target": other_need, "other": outcome, "message": "推荐。"}
    )
    assert refused.status_code == 422
    with app.app_context(), pytest.raises(PermissionDenied):
        service.broker(
            db.session.get(Posting, other_need),
            db.session.get(Posting, outcome),
            "推荐。",
            actor=user(world.idle),
        )
    login(client, world.idle)
    assert client.get(f"/pairings/{pid}").status_code in (403, 404)


def test_a_broker_is_never_offered_or_allowed_a_posting_shown_to_the_bureau_alone(
    app: Flask, client: FlaskClient, world: World, make: Factory
) -> None:
    need = make.posting(world.enterprise, PostingKind.RD_NEED, title="主轴热误差补偿研究")
    hidden = make.posting(
        world.university,
        PostingKind.RESEARCH_OUTCOME,
        title="定向推送的保密成果",
        visibility=Visibility.BUREAU,
    )
    login(client, world.specialist)
    assert "定向推送的保密成果" not in page(client, f"/specialists/broker?target={need}")
    refused = client.post("/specialists/broker", data={"target": need, "other": hidden, "message": "推荐。"})
    assert refused.status_code == 422
    with app.app_context():
        with pytest.raises(PermissionDenied):
            service.broker(
                db.session.get(Posting, need),
                db.session.get(Posting, hidden),
                "推荐。",
                actor=user(world.specialist),
            )
        assert db.session.scalars(select(Pairing).where(Pairing.target_id == need)).first() is None


def test_the_workbench_shows_unanswered_interest_and_stalled_pairings(
    app: Flask, client: FlaskClient, world: World, make: Factory
) -> None:
    need = make.posting(world.enterprise, PostingKind.RD_NEED, title="焊接机器人视觉引导")
    stalled_need = make.posting(world.enterprise, PostingKind.SUPPLY_NEED, title="高强度紧固件配套")
    make.pairing(world.university, need)
    from matchmaker.pairings.values import PairingState

    offer = make.posting(world.other, PostingKind.SUPPLY_OFFER)
    stalled = make.pairing(world.other, stalled_need, PairingState.CONTACTED, own_id=offer)
    with app.app_context():
        db.session.execute(
            update(Pairing)
            .where(Pairing.id == stalled)
            .values(last_activity_at=utcnow() - timedelta(days=40))
        )
        db.session.commit()
    login(client, world.specialist)
    bench = page(client, "/specialists/workbench")
    assert "未答复的意向" in bench and "焊接机器人视觉引导" in bench
    assert "停滞的对接" in bench and "高强度紧固件配套" in bench
    # another enterprise's pairings are not on it
    login(client, world.idle)
    idle = page(client, "/specialists/workbench")
    assert "焊接机器人视觉引导" not in idle and "尚未为您分配服务企业" in idle


def test_an_agency_registers_and_is_verified_but_posts_nothing(client: FlaskClient, make: Factory) -> None:
    broker = make.user(org_type=OrgType.AGENCY)
    login(client, broker)
    assert client.get("/postings/new/rd-need").status_code == 403
    assert client.get("/postings/new/research-outcome").status_code == 403
    client.post("/auth/logout")
    assert "技术转移服务机构" in page(client, "/auth/register")


def test_a_broker_lands_on_the_workbench_after_login_not_on_a_refusal(
    client: FlaskClient, world: World, make: Factory
) -> None:
    """Logging in leads to /home, which was 403 for a 技术转移服务机构's user (it has no postings)."""
    login(client, world.specialist)
    response = client.get("/home")
    assert response.status_code == 302 and response.headers["Location"].endswith("/specialists/workbench")
    client.post("/auth/logout")
    login(client, make.user(org_type=OrgType.AGENCY))  # not (yet) appointed
    home = page(client, "/home")
    assert "不发布需求或成果" in home and "专员工作台" in home


# --- the API ------------------------------------------------------------------------------------------


def bearer(make: Factory, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make.token(email)}"}


def test_the_api_records_a_visit_and_the_enterprise_confirms_and_others_see_nothing(
    app: Flask, client: FlaskClient, world: World, make: Factory
) -> None:
    broker = bearer(make, world.specialist)
    created = client.post(
        "/api/v1/visits",
        json={
            "organization_id": world.enterprise_org,
            "visited_on": clock.today().isoformat(),
            "met": "王总（总经理）",
            "notes": NOTES,
            "needs": [{"kind": "rd_need", "title": NEED, "description": NEED_TEXT}],
        },
        headers=broker,
    )
    assert created.status_code == 201, created.get_json()
    visit = created.get_json()
    pid = visit["needs"][0]["id"]
    assert visit["notes"] == NOTES and visit["needs"][0]["confirmation"] == "awaiting"
    # a visit to an enterprise it does not serve, a date in the future: refused in Chinese
    other = client.post(
        "/api/v1/visits",
        json={
            "organization_id": world.other_org,
            "visited_on": "2025-01-01",
            "met": "李总",
            "notes": "记录。",
        },
        headers=broker,
    )
    assert other.status_code == 403 and "分配给您服务" in other.get_json()["message"]
    future = client.post(
        "/api/v1/visits",
        json={
            "organization_id": world.enterprise_org,
            "visited_on": (clock.today() + timedelta(days=3)).isoformat(),
            "met": "王总",
            "notes": "记录。",
        },
        headers=broker,
    )
    assert future.status_code == 422 and "晚于今天" in str(future.get_json()["errors"])

    # others: 404 on the visit and the need, nothing in their lists
    for email in (world.other, world.idle, world.university):
        headers = bearer(make, email)
        assert client.get(f"/api/v1/visits/{visit['id']}", headers=headers).status_code == 404
        assert client.get(f"/api/v1/postings/{pid}", headers=headers).status_code == 404
        listed = client.get("/api/v1/visits", headers=headers).get_json()["items"]
        assert all(v["id"] != visit["id"] for v in listed) and NOTES not in str(listed)
        assert client.post(f"/api/v1/postings/{pid}/confirm", json={}, headers=headers).status_code == 404
    # the enterprise sees it and confirms
    own = bearer(make, world.enterprise)
    assert [v["id"] for v in client.get("/api/v1/visits", headers=own).get_json()["items"]] == [visit["id"]]
    confirmed = client.post(f"/api/v1/postings/{pid}/confirm", json={}, headers=own)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "pending"
    assert client.post(f"/api/v1/postings/{pid}/confirm", json={}, headers=own).status_code == 409

    # a diagnosis: the note for the specialist and staff only
    diagnosed = client.post(
        f"/api/v1/postings/{pid}/diagnoses",
        json={"grade": "needs_work", "missing": "缺少热伸长的实测曲线。", "note": "企业配合度高。"},
        headers=broker,
    )
    assert diagnosed.status_code == 201
    assert (
        client.post(
            f"/api/v1/postings/{pid}/diagnoses", json={"grade": "needs_work"}, headers=broker
        ).status_code
        == 422
    )
    seen = client.get(f"/api/v1/postings/{pid}/diagnoses", headers=own).get_json()["items"]
    assert seen[0]["missing"] == "缺少热伸长的实测曲线。" and seen[0]["note"] is None
    staff = client.get(f"/api/v1/postings/{pid}/diagnoses", headers=bearer(make, world.bureau)).get_json()[
        "items"
    ]
    assert staff[0]["note"] == "企业配合度高。"


def test_the_api_appoints_and_assigns_with_the_warning(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    app.config["SPECIALIST_MAX_ENTERPRISES"] = 1
    staff = bearer(make, make.bureau())
    person = make.user(org_type=OrgType.UNIVERSITY)
    appointed = client.post(
        "/api/v1/specialists",
        json={"user_id": make.user_id(person), "kind": "mayor_team", "team": "第十六批科技镇长团宝应分团"},
        headers=staff,
    )
    assert appointed.status_code == 201
    sid = appointed.get_json()["id"]
    first = client.post(
        f"/api/v1/specialists/{sid}/assignments", json={"organization_id": make.org()}, headers=staff
    )
    second = client.post(
        f"/api/v1/specialists/{sid}/assignments", json={"organization_id": make.org()}, headers=staff
    )
    assert first.status_code == second.status_code == 201
    assert first.get_json()["warning"] is None and "超过" in second.get_json()["warning"]
    listed = client.get("/api/v1/specialists", headers=staff).get_json()
    assert listed["max_enterprises"] == 1 and len(listed["items"][0]["organization_ids"]) == 2
    assert client.get("/api/v1/specialists", headers=bearer(make, person)).status_code == 403


def test_the_demo_data_has_two_specialists_visits_a_confirmed_and_a_refused_draft(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "走访记录 2 条" in result.output
    with app.app_context():
        kinds = {s.kind for s in db.session.scalars(select(Specialist))}
        assert kinds == {SpecialistKind.BROKER, SpecialistKind.MAYOR_TEAM}
        found = db.session.scalars(select(Posting).where(Posting.visit_id.isnot(None))).all()
        assert {p.confirmation for p in found} == {Confirmation.CONFIRMED, Confirmation.REFUSED}
        confirmed = next(p for p in found if p.confirmation is Confirmation.CONFIRMED)
        assert confirmed.status is PostingStatus.PENDING  # waiting in the review queue
    client = app.test_client()
    client.post("/auth/login", data={"email": "jsjl@demo-kczx.cn", "password": "demo12345"})
    bench = client.get("/specialists/workbench").get_data(as_text=True)
    assert "扬州精工数控机械有限公司" in bench and "专员工作台" in bench
    # One brokered agreement: the broker's pairing, accepted, recorded, confirmed and verified.
    with app.app_context():
        from matchmaker.agreements.models import Agreement
        from matchmaker.agreements.values import AgreementStatus
        from matchmaker.specialists import results

        broker = db.session.scalar(select(Specialist).where(Specialist.kind == SpecialistKind.BROKER))
        assert broker is not None
        brokered = db.session.scalars(
            select(Agreement).where(Agreement.brokered_by_id == broker.user_id)
        ).all()
        assert [a.status for a in brokered] == [AgreementStatus.VERIFIED]
        assert brokered[0].pairing is not None and brokered[0].pairing.brokered_by_id == broker.user_id
        row = results.results(results.default_period(), only=broker).tables["specialist"][0]
        assert row.values["agreements"] == 1 and row.values["tech_amount"] > 0
        amount = f"{row.values['tech_amount']:.2f}"
    mine = page(client, "/specialists/results")  # 人员业绩, the broker's own row
    assert re.search(r'data-figure="agreements"><a [^>]*>1</a>', mine)
    assert re.search(rf'data-figure="tech_amount"><a [^>]*>{amount}</a>', mine)
