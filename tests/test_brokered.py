"""居间对接: interest in a posting whose organisation has no user account (every organisation an
import creates) is said to be so before it is sent, reaches bureau staff, who answer and speak for
that organisation, and the pairing shows it — on the web and in the API alike."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker import policy
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.notifications.models import Notification
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.imports import reader, rows
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory
from tests.test_pairings import NEED, OUTCOME, login, page

BROKER_WARNING = "该单位尚未开通平台账号，您的意向将由主管部门居间对接"
IMPORTED_ORG = "宝应县走访电机有限公司"


def imported_need(app: Flask, bureau: str) -> int:
    """A published need imported from a visit list: its organisation has no user account."""
    headers = ["类型", "标题", "详细描述", "单位名称", "技术领域", "联系人", "联系电话"]
    line = [
        "研发需求",
        "电机绕组自动嵌线",
        "电机绕组目前靠人工嵌线，效率低，希望实现自动化嵌线与绕组成型。",
        IMPORTED_ORG,
        "先进制造",
        "周厂长",
        "13905250009",
    ]
    with app.app_context():
        report = rows.check(reader.Table(headers, [(2, line)]))
        assert len(report.valid) == 1, [r.problems for r in report.rows]
        actor = accounts.find_user_by_email(bureau)
        assert actor is not None
        rows.import_rows(report, actor=actor, filename="走访清单.xlsx")
        db.session.commit()
        return db.session.scalars(select(Posting.id).where(Posting.title == line[1])).one()


@pytest.fixture
def world(app: Flask, make: Factory) -> dict[str, Any]:
    bureau, university = make.bureau(), make.user(org_type=OrgType.UNIVERSITY)
    enterprise = make.user()
    return {
        "bureau": bureau,
        "bureau2": make.bureau(),
        "university": university,
        "enterprise": enterprise,
        "imported": imported_need(app, bureau),
        "need": make.posting(enterprise, PostingKind.RD_NEED, **NEED),
        "outcome": make.posting(university, PostingKind.RESEARCH_OUTCOME, **OUTCOME),
    }


def notices(app: Flask, email: str, kind: str) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        user = accounts.find_user_by_email(email)
        assert user is not None
        return [
            (n.title, n.body, n.link)
            for n in db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id, Notification.kind == kind)
                .order_by(Notification.id)
            )
        ]


def express(client: FlaskClient, posting_id: int, text: str = "我们有自动嵌线样机，希望到厂里交流。") -> int:
    response = client.post(f"/pairings/new/{posting_id}", data={"message": text})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def state_of(app: Flask, pairing_id: int) -> PairingState:
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        assert pairing is not None
        return pairing.state


def test_the_posting_page_and_the_interest_form_say_so_before_sending(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, world["university"])
    for url in (f"/postings/{world['imported']}", f"/pairings/new/{world['imported']}"):
        assert BROKER_WARNING in page(client, url), url
    for url in (f"/postings/{world['need']}", f"/pairings/new/{world['need']}"):  # it has users
        assert BROKER_WARNING not in page(client, url), url


def test_the_interest_reaches_every_bureau_user_as_brokered(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, world["university"])
    response = client.post(
        f"/pairings/new/{world['imported']}", data={"message": "我们有自动嵌线样机，希望到厂里交流。"}
    )
    assert response.status_code == 302
    assert "已转主管部门居间对接" in client.get(response.location).get_data(as_text=True)
    pairing_id = int(response.location.rsplit("/", 1)[1])
    for staff in (world["bureau"], world["bureau2"]):
        told = notices(app, staff, "broker")
        assert len(told) == 1, staff
        title, body, link = told[0]
        assert title.startswith("居间对接：") and IMPORTED_ORG in title and "电机绕组自动嵌线" in title
        assert body is not None and "尚未开通平台账号" in body and "自动嵌线样机" in body
        assert link == f"/pairings/{pairing_id}"
    with app.app_context():
        assert "broker" in Notification.KINDS and Notification.KINDS["broker"] == "居间对接"

    express(client, world["need"])  # an organisation with users is told itself, staff are not
    assert len(notices(app, world["bureau"], "broker")) == 1
    assert len(notices(app, world["enterprise"], "interest")) == 1


def test_staff_answer_and_speak_for_the_organisation_and_the_page_says_brokered(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, world["university"])
    pairing_id = express(client, world["imported"])
    mine = page(client, f"/pairings/{pairing_id}")
    assert '<span class="tag">居间对接</span>' in mine and "本次对接由主管部门居间对接" in mine
    assert "13905250009" not in mine  # contacts only after the answer
    assert client.post(f"/pairings/{pairing_id}/accept").status_code == 403  # never one's own

    login(client, world["bureau"])
    staff_page = page(client, f"/pairings/{pairing_id}")
    assert '<span class="tag">居间对接</span>' in staff_page and f"代{IMPORTED_ORG}接受" in staff_page
    assert "13905250009" in staff_page and "周厂长" in staff_page  # whom to call
    assert "居间对接待答复" in page(client, "/pairings/list?stage=brokered")
    assert "电机绕组自动嵌线" in page(client, "/pairings/list?stage=brokered")
    said = client.post(f"/pairings/{pairing_id}/messages", data={"text": "已电话联系周厂长，对方有意向。"})
    assert said.status_code == 302
    assert client.post(f"/pairings/{pairing_id}/accept").status_code == 302
    assert state_of(app, pairing_id) is PairingState.CONTACTED

    answer = notices(app, world["university"], "answer")
    assert len(answer) == 1 and answer[0][0].startswith(f"主管部门代{IMPORTED_ORG}接受了")
    message = notices(app, world["university"], "message")
    assert message and message[0][1] == "已电话联系周厂长，对方有意向。"
    login(client, world["university"])
    after = page(client, f"/pairings/{pairing_id}")
    assert (
        "13905250009" in after
        and "已电话联系周厂长" in after
        and '<span class="tag">居间对接</span>' in after
    )
    client.post(f"/pairings/{pairing_id}/messages", data={"text": "请问下周二是否方便？"})
    relayed = notices(app, world["bureau"], "broker")
    assert relayed[-1][0].startswith("居间对接：") and relayed[-1][1] == "请问下周二是否方便？"


def test_staff_decline_for_the_organisation_but_never_answer_one_with_users(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, world["university"])
    brokered, ordinary = express(client, world["imported"]), express(client, world["need"])
    login(client, world["bureau"])
    declined = client.post(
        f"/pairings/{brokered}/decline", data={"reason": "has_partner", "note": "已有合作方"}
    )
    assert declined.status_code == 302 and state_of(app, brokered) is PairingState.DECLINED
    assert notices(app, world["university"], "answer")[0][0].startswith(f"主管部门代{IMPORTED_ORG}婉拒了")

    refused = client.post(f"/pairings/{ordinary}/accept")
    assert refused.status_code == 403 and "只有收到意向的一方可以答复" in refused.get_data(as_text=True)
    assert client.post(f"/pairings/{ordinary}/messages", data={"text": "你好"}).status_code == 403
    assert state_of(app, ordinary) is PairingState.INTERESTED
    assert "居间对接" not in page(client, f"/pairings/{ordinary}").split("<h1>", 1)[1].split("</p>", 1)[0]


def test_the_api_marks_the_pairing_brokered_and_lets_staff_answer(
    app: Flask, client: FlaskClient, make: Factory, world: dict[str, Any]
) -> None:
    university = {"Authorization": f"Bearer {make.token(world['university'])}"}
    bureau = {"Authorization": f"Bearer {make.token(world['bureau'])}"}
    for posting_id, brokered in ((world["imported"], True), (world["need"], False)):  # said before
        shown = client.get(f"/api/v1/postings/{posting_id}", headers=university).get_json()
        assert shown["interest_brokered"] is brokered
    created = client.post(
        "/api/v1/pairings",
        json={"target_posting_id": world["imported"], "message": "我们有自动嵌线样机。"},
        headers=university,
    )
    assert created.status_code == 201 and created.get_json()["brokered"] is True
    assert len(notices(app, world["bureau"], "broker")) == 1
    url = f"/api/v1/pairings/{created.get_json()['id']}"
    assert client.post(url + "/accept", headers=university).status_code == 403
    accepted = client.post(url + "/accept", headers=bureau)
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "contacted"
    ordinary = client.post(
        "/api/v1/pairings",
        json={"target_posting_id": world["need"], "message": "我们有成熟方案。"},
        headers=university,
    )
    assert ordinary.status_code == 201 and ordinary.get_json()["brokered"] is False
    assert (
        client.post(f"/api/v1/pairings/{ordinary.get_json()['id']}/accept", headers=bureau).status_code == 403
    )


def test_once_the_organisation_has_an_account_it_answers_itself(
    app: Flask, client: FlaskClient, make: Factory, world: dict[str, Any]
) -> None:
    login(client, world["university"])
    pairing_id = express(client, world["imported"])
    with app.app_context():
        org_id = db.session.get(Posting, world["imported"]).organization_id
    owner = make.user(org_id)
    login(client, world["bureau"])
    assert client.post(f"/pairings/{pairing_id}/accept").status_code == 403
    login(client, owner)
    assert "居间对接" not in page(client, f"/pairings/{pairing_id}").split("<h1>", 1)[1].split("</p>", 1)[0]
    assert client.post(f"/pairings/{pairing_id}/accept").status_code == 302
    assert state_of(app, pairing_id) is PairingState.CONTACTED


def test_staff_open_the_organisations_first_account_and_it_answers_itself(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, world["university"])
    pairing_id = express(client, world["imported"])
    login(client, world["bureau"])
    assert "为该单位开通账号" in page(client, f"/pairings/{pairing_id}")
    bad = client.post(f"/pairings/{pairing_id}/invite", data={"name": "周厂长", "email": "不是邮箱"})
    assert bad.status_code == 422 and "邮箱格式不正确" in bad.get_data(as_text=True)
    shown = client.post(
        f"/pairings/{pairing_id}/invite",
        data={"name": "周厂长", "email": "zhou@motor.example.cn", "phone": "13905250009"},
    )
    assert shown.status_code == 200 and "一次性密码" in shown.get_data(as_text=True)
    with app.app_context():
        user = accounts.find_user_by_email("zhou@motor.example.cn")
        pairing = db.session.get(Pairing, pairing_id)
        assert user is not None and pairing is not None
        assert user.organization.name == IMPORTED_ORG and user.must_change_password
        assert not pairing.brokered and policy.may(user, "pairing.answer", pairing)
    assert client.post(f"/pairings/{pairing_id}/accept").status_code == 403  # it answers itself now
    again = client.post(
        f"/pairings/{pairing_id}/invite", data={"name": "王会计", "email": "wang@motor.example.cn"}
    )
    assert again.status_code == 303 and state_of(app, pairing_id) is PairingState.INTERESTED
    assert "已有平台账号" in client.get(again.location).get_data(as_text=True)
