"""揭榜挂帅 challenge calls over HTTP: publishing (bureau at once, an enterprise's after approval),
proposals before the deadline only, who sees proposals (pages and API), scoring with weighted
totals, the selection with its notifications, the pairing and agreement that follow, invitations,
and bad input answered in Chinese, never with a 500."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from matchmaker.accounts import operations as accounts
from matchmaker.accounts.values import OrgType
from matchmaker.calls.models import CallProposal, CallStatus, ChallengeCall, ProposalStatus
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.core.journal import JournalEntry
from matchmaker.notifications.models import Notification
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import PairingState
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory
from tests.test_pairings import NEED, OUTCOME, login, page

YESTERDAY = clock.today() - timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROPOSAL = {
    "approach": "采用多传感器温度场测量与神经网络热误差建模，实时补偿主轴热伸长，嵌入现有数控系统。",
    "team": "教授1名、副教授2名、博士生4名。",
    "schedule": "3个月完成建模，6个月完成样机验证。",
    "price": "55",
}


@pytest.fixture
def world(make: Factory) -> dict:
    enterprise = make.user()
    university, other_university = (
        make.user(org_type=OrgType.UNIVERSITY),
        make.user(org_type=OrgType.UNIVERSITY),
    )
    need = make.posting(enterprise, PostingKind.RD_NEED, **NEED)
    return {
        "enterprise": enterprise,
        "colleague": make.user(make.org_of(enterprise)),
        "other_enterprise": make.user(),
        "university": university,
        "other_university": other_university,
        "bureau": make.bureau(),
        "need": need,
    }


def call_form(need: int, **overrides: object) -> dict:
    data = {
        "title": "主轴热变形补偿揭榜",
        "needs": str(need),
        "problem": "数控机床主轴热变形导致加工精度下降，需要热误差建模与实时补偿。",
        "deliverables": "热误差补偿系统一套，精度提升50%以上。",
        "budget": "80",
        "deadline": (clock.today() + timedelta(days=20)).isoformat(),
        "eligibility": "江苏省内高校院所",
        "criteria_rows-0-name": "技术方案",
        "criteria_rows-0-weight": "70",
        "criteria_rows-1-name": "报价",
        "criteria_rows-1-weight": "30",
    }
    data.update(overrides)
    return data


def the_call(app: Flask, call_id: int) -> dict:
    with app.app_context():
        call = db.session.get(ChallengeCall, call_id)
        assert call is not None
        return {
            "status": call.status,
            "proposals": {p.organization.name: p.status for p in call.proposals},
            "pairings": [p.pairing_id for p in call.proposals if p.pairing_id],
        }


def past_deadline(app: Flask, call_id: int) -> None:
    with app.app_context():
        db.session.get(ChallengeCall, call_id).deadline = YESTERDAY
        db.session.commit()


def notes(app: Flask, email: str) -> list[tuple[str, str | None]]:
    with app.app_context():
        user = accounts.find_user_by_email(email)
        return [
            (n.title, n.body)
            for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id, Notification.kind == "call")
            )
        ]


# --- lifecycle -----------------------------------------------------------------------------


def test_bureau_publishes_a_call_that_visitors_see(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    login(client, world["bureau"])
    response = client.post("/calls/new", data=call_form(world["need"]))
    assert response.status_code == 302
    call_id = int(response.location.rsplit("/", 1)[1])
    assert the_call(app, call_id)["status"] is CallStatus.OPEN
    client.post("/auth/logout")
    assert "主轴热变形补偿揭榜" in page(client, "/calls/")
    html = page(client, f"/calls/{call_id}")
    assert "江苏省内高校院所" in html and "技术方案（权重 70）" in html and "揭中" not in html


def test_a_need_ticked_twice_in_a_crafted_form_is_one_need(
    app: Flask, client: FlaskClient, world: dict
) -> None:
    login(client, world["bureau"])
    response = client.post("/calls/new", data={**call_form(world["need"]), "needs": [str(world["need"])] * 2})
    assert response.status_code == 302
    with app.app_context():
        assert [n.id for n in db.session.scalars(select(ChallengeCall)).one().needs] == [world["need"]]


def test_an_enterprise_call_waits_for_the_bureau(app: Flask, client: FlaskClient, world: dict) -> None:
    login(client, world["enterprise"])
    response = client.post("/calls/new", data=call_form(world["need"]))
    assert response.status_code == 302
    call_id = int(response.location.rsplit("/", 1)[1])
    assert the_call(app, call_id)["status"] is CallStatus.PENDING
    assert "待主管部门批准" in page(client, f"/calls/{call_id}")
    client.post("/auth/logout")
    assert client.get(f"/calls/{call_id}").status_code == 404  # not public yet
    assert "主轴热变形补偿揭榜" not in page(client, "/calls/")
    login(client, world["university"])
    assert client.get(f"/calls/{call_id}/propose").status_code == 404
    login(client, world["enterprise"])
    assert client.post(f"/calls/{call_id}/approve").status_code == 403  # the enterprise can't
    login(client, world["bureau"])
    assert client.post(f"/calls/{call_id}/approve").status_code == 302
    assert the_call(app, call_id)["status"] is CallStatus.OPEN
    assert notes(app, world["colleague"]) == [("榜单「主轴热变形补偿揭榜」已获批准，开始征集方案", None)]


def test_an_enterprise_calls_only_on_its_own_needs(app: Flask, client: FlaskClient, world: dict) -> None:
    login(client, world["other_enterprise"])
    response = client.post("/calls/new", data=call_form(world["need"]))
    assert response.status_code == 422
    assert "请选择至少一条研发需求" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ChallengeCall)) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"criteria_rows-1-weight": "20"}, "各项权重之和应为100（现为90）"),
        ({"criteria_rows-1-weight": "abc"}, "每项权重应为1到100之间的整数"),
        ({"criteria_rows-1-name": "技术方案"}, "评审标准不能重名"),
        ({"budget": "NaN"}, "请填写有效的金额数字"),
        ({"budget": "-5"}, "榜额应大于0"),
        ({"deadline": "2020-13-45"}, "请填写截止日期（格式 2025-06-30）"),
        ({"deadline": YESTERDAY.isoformat()}, "截止日期应在今天到一年之内"),
        ({"title": ""}, "请填写榜单名称"),
        ({"needs": "999999"}, "请选择至少一条研发需求"),
        ({"needs": "abc"}, "选择无效"),
        ({"criteria_rows-0-name": "", "criteria_rows-0-weight": ""}, "各项权重之和应为100（现为30）"),
    ],
)
def test_bad_call_input_is_refused_in_chinese(
    app: Flask, client: FlaskClient, world: dict, overrides: dict, message: str
) -> None:
    login(client, world["bureau"])
    response = client.post("/calls/new", data=call_form(world["need"], **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ChallengeCall)) == 0


# --- proposals and the deadline --------------------------------------------------------------


def test_a_university_proposes_edits_and_withdraws_before_the_deadline(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    login(client, world["university"])
    response = client.post(
        f"/calls/{call_id}/propose",
        data={**PROPOSAL, "file": (io.BytesIO(PDF), "方案.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    proposal_url = response.location
    html = page(client, proposal_url)
    assert "神经网络热误差建模" in html and "方案.pdf" in html
    file_link = next(a for a in html.split('"') if "/files/" in a)
    with client.get(file_link) as download:
        assert download.data == PDF
    again = client.post(f"/calls/{call_id}/propose", data=PROPOSAL)  # one per organisation
    assert again.status_code == 302 and again.location.endswith(proposal_url.rsplit("/calls", 1)[1])
    assert client.post(f"{proposal_url}/edit", data={**PROPOSAL, "price": "50"}).status_code == 302
    assert "50 万元" in page(client, proposal_url)
    remove = next(a for a in page(client, proposal_url).split('"') if a.endswith("/delete"))
    assert client.post(remove).status_code == 302
    assert "没有附件" in page(client, proposal_url)
    assert client.post(f"{proposal_url}/withdraw").status_code == 302
    assert the_call(app, call_id)["proposals"] == {
        make_org_name(app, world["university"]): ProposalStatus.WITHDRAWN
    }
    # changed its mind before the deadline: a withdrawn proposal can be submitted again
    response = client.post(f"/calls/{call_id}/propose", data={**PROPOSAL, "price": "45"})
    assert response.status_code == 302 and response.location.endswith(proposal_url.rsplit("/calls", 1)[1])
    assert the_call(app, call_id)["proposals"] == {
        make_org_name(app, world["university"]): ProposalStatus.SUBMITTED
    }
    assert "45 万元" in page(client, proposal_url)


def test_amounts_say_wan_yuan_once_and_a_small_file_its_size_in_bytes(
    client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    login(client, world["university"])
    response = client.post(
        f"/calls/{call_id}/propose",
        data={**PROPOSAL, "file": (io.BytesIO(PDF), "方案.pdf")},
        content_type="multipart/form-data",
    )
    pages = {url: page(client, url) for url in ("/calls/", f"/calls/{call_id}", response.location)}
    for url, html in pages.items():
        assert "万元 万元" not in html, url
    assert "榜额 80 万元" in pages["/calls/"] and "报价 55 万元" in pages[response.location]
    assert f"{len(PDF)} 字节" in pages[response.location] and "0 KB" not in pages[response.location]


def make_org_name(app: Flask, email: str) -> str:
    with app.app_context():
        return accounts.find_user_by_email(email).organization.name


def test_after_the_deadline_proposals_are_refused(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    proposal = make.proposal(world["university"], call_id)
    past_deadline(app, call_id)
    login(client, world["other_university"])
    response = client.post(f"/calls/{call_id}/propose", data=PROPOSAL, follow_redirects=True)
    assert response.status_code == 200 and "揭榜已于" in response.get_data(as_text=True)
    login(client, world["university"])
    response = client.post(
        f"/calls/{call_id}/proposals/{proposal}/edit", data=PROPOSAL, follow_redirects=True
    )
    assert "不能再提交、修改或撤回方案" in response.get_data(as_text=True)
    response = client.post(f"/calls/{call_id}/proposals/{proposal}/withdraw", follow_redirects=True)
    assert "不能再提交、修改或撤回方案" in response.get_data(as_text=True)
    assert len(the_call(app, call_id)["proposals"]) == 1
    assert (
        the_call(app, call_id)["proposals"][make_org_name(app, world["university"])]
        is ProposalStatus.SUBMITTED
    )
    # the API refuses too
    token = make.token(world["other_university"])
    response = client.post(
        f"/api/v1/calls/{call_id}/proposals",
        json={**PROPOSAL, "price": 55},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409 and "揭榜已于" in response.get_json()["message"]


def test_the_deadline_day_itself_still_accepts(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]], deadline=clock.today())
    login(client, world["university"])
    assert client.post(f"/calls/{call_id}/propose", data=PROPOSAL).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"approach": "太短"}, "应为20到5000个字"),
        ({"price": "abc"}, "请填写报价（万元）"),
        ({"price": "Infinity"}, "请填写有效的金额数字"),
        ({"price": "-1"}, "报价应在0到"),
        ({"team": ""}, "请介绍团队"),
    ],
)
def test_bad_proposal_input_is_refused_in_chinese(
    app: Flask, client: FlaskClient, make: Factory, world: dict, overrides: dict, message: str
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    login(client, world["university"])
    response = client.post(f"/calls/{call_id}/propose", data={**PROPOSAL, **overrides})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert the_call(app, call_id)["proposals"] == {}


def test_a_file_that_is_not_a_pdf_or_image_is_refused(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    proposal = make.proposal(world["university"], call_id)
    login(client, world["university"])
    response = client.post(
        f"/calls/{call_id}/proposals/{proposal}/files",
        data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "方案.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200 and "只能上传 PDF 文件" in response.get_data(as_text=True)


def test_only_verified_universities_propose(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    from matchmaker.accounts.values import OrgStatus

    call_id = make.call(world["bureau"], [world["need"]])
    for email in (
        world["other_enterprise"],
        world["bureau"],
        make.user(org_type=OrgType.UNIVERSITY, status=OrgStatus.PENDING),
    ):
        login(client, email)
        response = client.post(f"/calls/{call_id}/propose", data=PROPOSAL)
        assert response.status_code == 403
    assert the_call(app, call_id)["proposals"] == {}


# --- visibility ----------------------------------------------------------------------------


def test_proposals_are_seen_by_their_authors_the_caller_and_the_bureau_only(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    mine = make.proposal(world["university"], call_id)
    theirs = make.proposal(world["other_university"], call_id)
    url = f"/calls/{call_id}/proposals/{mine}"
    login(client, world["other_university"])
    assert client.get(url).status_code == 404
    assert client.get(f"/calls/{call_id}/proposals/{theirs}").status_code == 200
    html = page(client, f"/calls/{call_id}")
    assert "方案（1）" in html
    for email in (world["enterprise"], world["colleague"], world["bureau"], world["university"]):
        login(client, email)
        assert client.get(url).status_code == 200
    for email in (world["other_enterprise"],):
        login(client, email)
        assert client.get(url).status_code == 404
        assert 'id="proposals"' not in page(client, f"/calls/{call_id}")
    client.post("/auth/logout")
    assert client.get(url).status_code == 302  # to the login page
    assert 'id="proposals"' not in page(client, f"/calls/{call_id}")
    # the API's list is the same
    expected = {"other_university": 1, "enterprise": 2, "bureau": 2, "other_enterprise": 0}
    for role, count in expected.items():
        token = make.token(world[role])
        response = client.get(
            f"/api/v1/calls/{call_id}/proposals", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200 and len(response.get_json()["items"]) == count, role


def test_the_api_lists_and_reads_calls(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    open_call = make.call(world["bureau"], [world["need"]], title="公开的榜单")
    pending = make.call(world["enterprise"], [world["need"]], status="pending", title="待审批的榜单")
    headers = {"Authorization": f"Bearer {make.token(world['university'])}"}
    listed = client.get("/api/v1/calls", headers=headers).get_json()
    assert [c["title"] for c in listed["items"]] == ["公开的榜单"] and listed["total"] == 1
    assert client.get(f"/api/v1/calls/{open_call}", headers=headers).get_json()["criteria"][0]["weight"] == 60
    assert client.get(f"/api/v1/calls/{pending}", headers=headers).status_code == 404
    own = {"Authorization": f"Bearer {make.token(world['enterprise'])}"}
    assert client.get("/api/v1/calls", headers=own).get_json()["total"] == 2
    response = client.post(
        f"/api/v1/calls/{open_call}/proposals", json={**PROPOSAL, "price": 55}, headers=headers
    )
    assert response.status_code == 201 and response.get_json()["status"] == "submitted"
    again = client.post(
        f"/api/v1/calls/{open_call}/proposals", json={**PROPOSAL, "price": 55}, headers=headers
    )
    assert again.status_code == 422 and "已对本榜单提交过方案" in str(again.get_json()["errors"])


# --- review, selection, pairing, agreement -----------------------------------------------------


def score(client: FlaskClient, call_id: int, proposal: int, values: list[str]) -> object:
    data = {f"scores-{n}": v for n, v in enumerate(values)}
    return client.post(f"/calls/{call_id}/proposals/{proposal}/score", data=data, follow_redirects=True)


def test_scores_give_weighted_totals(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    call_id = make.call(world["bureau"], [world["need"]])  # 技术方案 60, 报价 40
    first = make.proposal(world["university"], call_id)
    second = make.proposal(world["other_university"], call_id)
    past_deadline(app, call_id)  # scoring opens once proposals can no longer change
    login(client, world["bureau"])
    score(client, call_id, first, ["90", "50"])
    score(client, call_id, second, ["60", "100"])
    login(client, world["enterprise"])
    score(client, call_id, first, ["70", "70"])  # means 80 / 60 → 72.0
    score(client, call_id, first, ["80", "70"])  # a second scoring replaces the first: 85 / 60 → 75.0
    proposal_page = page(client, f"/calls/{call_id}/proposals/{first}")
    assert "加权总分：<strong>75.0</strong>（2 位评审人）" in proposal_page and 'value="80"' in proposal_page
    html = page(client, f"/calls/{call_id}")
    assert "75.0" in html and "76.0" in html
    assert html.index("76.0") < html.index("75.0")  # best first
    login(client, world["university"])
    assert "75.0" not in page(client, f"/calls/{call_id}")  # proposers don't see scores
    assert "75.0" not in page(client, f"/calls/{call_id}/proposals/{first}")
    assert score(client, call_id, first, ["1", "1"]).status_code == 403


def test_scoring_opens_only_after_the_deadline_day(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]], deadline=clock.today())  # its last day
    proposal = make.proposal(world["university"], call_id)
    url = f"/calls/{call_id}/proposals/{proposal}"
    for reviewer in ("bureau", "enterprise"):
        login(client, world[reviewer])
        html = page(client, url)
        assert "截止（当天24时）后开放评分" in html and f'action="{url}/score"' not in html
        assert "截止日当天结束后开放评分和揭榜" in page(client, f"/calls/{call_id}")
        response = client.post(f"{url}/score", data={"scores-0": "90", "scores-1": "80"})
        assert response.status_code == 303  # refused, back with the reason
        assert "截止后才能评分" in page(client, url)
    headers = {"Authorization": f"Bearer {make.token(world['bureau'])}"}
    criteria = client.get(f"/api/v1/calls/{call_id}", headers=headers).get_json()["criteria"]
    marks = {"scores": [{"criterion_id": c["id"], "score": 80} for c in criteria]}
    response = client.post(
        f"/api/v1/calls/{call_id}/proposals/{proposal}/scores", json=marks, headers=headers
    )
    assert response.status_code == 409 and "截止后才能评分" in response.get_json()["message"]
    with app.app_context():
        assert db.session.get(CallProposal, proposal).scores == []
    # the author may still change it today; tomorrow (here: the deadline moved to yesterday) it is final
    login(client, world["university"])
    assert client.get(f"{url}/edit").status_code == 200
    past_deadline(app, call_id)
    response = client.post(
        f"/api/v1/calls/{call_id}/proposals/{proposal}/scores", json=marks, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["weighted_score"] == 80
    login(client, world["bureau"])
    assert f'action="{url}/score"' in page(client, url)


def test_a_proposer_sees_neither_scores_nor_reviewers_until_the_award(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    mine = make.proposal(world["university"], call_id)
    theirs = make.proposal(world["other_university"], call_id)
    past_deadline(app, call_id)
    login(client, world["bureau"])
    score(client, call_id, mine, ["90", "50"])  # 60 × 90 + 40 × 50 → 74.0
    score(client, call_id, theirs, ["60", "100"])  # → 76.0
    proposer = {"Authorization": f"Bearer {make.token(world['university'])}"}
    reviewer = {"Authorization": f"Bearer {make.token(world['enterprise'])}"}
    listing = f"/api/v1/calls/{call_id}/proposals"

    def seen(headers: dict) -> list[dict]:
        response = client.get(listing, headers=headers)
        assert response.status_code == 200
        return response.get_json()["items"]

    (own,) = seen(proposer)
    assert own["id"] == mine and not {"weighted_score", "reviewers"} & set(own)
    assert {(p["weighted_score"], p["reviewers"]) for p in seen(reviewer)} == {(74.0, 1), (76.0, 1)}
    changed = client.patch(f"{listing}/{mine}", json={"price": 40}, headers=proposer)
    assert changed.status_code == 409 and not {"weighted_score", "reviewers"} & set(changed.get_json())
    login(client, world["university"])
    for url in (f"/calls/{call_id}", f"/calls/{call_id}/proposals/{mine}"):
        html = page(client, url)
        assert "74.0" not in html and "76.0" not in html and "评审人" not in html and "加权总分" not in html
    assert client.get(f"/calls/{call_id}/proposals/{theirs}").status_code == 404
    # after the award: its own proposal's total and criterion means; never the reviewers, never others
    login(client, world["bureau"])
    client.post(f"/calls/{call_id}/award", data={"proposal": str(theirs), "reason": "技术路线最成熟。"})
    assert the_call(app, call_id)["status"] is CallStatus.AWARDED
    (own,) = seen(proposer)
    assert own["weighted_score"] == 74.0 and "reviewers" not in own and own["status"] == "not_selected"
    login(client, world["university"])
    html = page(client, f"/calls/{call_id}/proposals/{mine}")
    assert "本方案加权总分：<strong>74.0</strong>" in html and "90.0" in html and "评审人" not in html
    assert "76.0" not in page(client, f"/calls/{call_id}")
    assert client.get(f"/calls/{call_id}/proposals/{theirs}").status_code == 404


@pytest.mark.parametrize(
    ("who", "status", "sees_scores", "sees_reviewers"),
    [
        ("university", CallStatus.OPEN, False, False),  # its own proposal, while the call runs
        ("university", CallStatus.AWARDED, True, False),  # its own result after 揭榜, never reviewers
        ("university", CallStatus.CANCELLED, False, False),
        ("other_university", CallStatus.AWARDED, False, False),  # not its proposal
        ("enterprise", CallStatus.OPEN, True, True),  # the calling enterprise reviews
        ("colleague", CallStatus.OPEN, True, True),
        ("bureau", CallStatus.OPEN, True, True),
        ("other_enterprise", CallStatus.AWARDED, False, False),
    ],
)
def test_who_sees_a_proposals_scores_and_reviewers(
    app: Flask,
    make: Factory,
    world: dict,
    who: str,
    status: CallStatus,
    sees_scores: bool,
    sees_reviewers: bool,
) -> None:
    from matchmaker import policy

    call_id = make.call(world["bureau"], [world["need"]])
    proposal_id = make.proposal(world["university"], call_id)
    with app.app_context():
        proposal = db.session.get(CallProposal, proposal_id)
        proposal.call.status = status  # in memory only: the rule reads the state, nothing is saved
        user = accounts.find_user_by_email(world[who])
        assert policy.may(user, "proposal.see_scores", proposal) is sees_scores
        assert policy.may(user, "proposal.see_reviewers", proposal) is sees_reviewers
        db.session.rollback()


@pytest.mark.parametrize("values", [["101", "50"], ["abc", "50"], ["50"], ["-1", "5"]])
def test_bad_scores_are_refused_in_chinese(
    app: Flask, client: FlaskClient, make: Factory, world: dict, values: list[str]
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    proposal = make.proposal(world["university"], call_id)
    past_deadline(app, call_id)
    login(client, world["bureau"])
    response = score(client, call_id, proposal, values)
    assert response.status_code == 200 and "请为每一项评审标准打分" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CallProposal, proposal).scores == []


def test_award_before_the_deadline_is_refused(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    proposal = make.proposal(world["university"], call_id)
    login(client, world["bureau"])
    response = client.post(
        f"/calls/{call_id}/award",
        data={"proposal": str(proposal), "reason": "方案最优"},
        follow_redirects=True,
    )
    assert "揭榜截止后才能评选" in response.get_data(as_text=True)
    assert the_call(app, call_id)["status"] is CallStatus.OPEN


def test_award_tells_everyone_and_opens_a_pairing_then_an_agreement(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["enterprise"], [world["need"]], title="热变形补偿揭榜")
    chosen = make.proposal(world["university"], call_id)
    make.proposal(world["other_university"], call_id)
    past_deadline(app, call_id)
    login(client, world["enterprise"])
    assert "评选揭榜单位" in page(client, f"/calls/{call_id}")
    response = client.post(f"/calls/{call_id}/award", data={"proposal": str(chosen), "reason": ""})
    assert response.status_code == 302 and the_call(app, call_id)["status"] is CallStatus.OPEN
    response = client.post(
        f"/calls/{call_id}/award", data={"proposal": str(chosen), "reason": "技术路线成熟，报价合理"}
    )
    assert response.status_code == 302
    state = the_call(app, call_id)
    winner, loser = make_org_name(app, world["university"]), make_org_name(app, world["other_university"])
    assert state["status"] is CallStatus.AWARDED
    assert state["proposals"] == {winner: ProposalStatus.SELECTED, loser: ProposalStatus.NOT_SELECTED}
    assert notes(app, world["university"]) == [
        ("贵单位的方案在「热变形补偿揭榜」中入选（揭榜成功）", "入选理由：技术路线成熟，报价合理")
    ]
    assert notes(app, world["other_university"]) == [
        (
            "「热变形补偿揭榜」揭榜结果：贵单位的方案未入选",
            f"入选单位：{winner}。理由：技术路线成熟，报价合理",
        )
    ]
    (pairing_id,) = state["pairings"]
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        assert pairing.state is PairingState.CONTACTED and pairing.target_id == world["need"]
        assert pairing.initiator_org.name == winner
    html = page(client, f"/calls/{call_id}")
    assert "技术路线成熟，报价合理" in html and "登记协议" in html
    # from there the existing path: 洽谈中, then the agreement recorded from the pairing
    assert client.post(f"/pairings/{pairing_id}/advance", data={"to": "negotiating"}).status_code == 302
    assert f"/agreements/new?pairing={pairing_id}" in page(client, f"/calls/{call_id}")
    agreement = make.agreement(
        world["enterprise"],
        [(world["enterprise"], "buyer"), (world["university"], "seller")],
        pairing_id=pairing_id,
        status="recorded",
    )
    with app.app_context():
        assert db.session.get(Pairing, pairing_id).state is PairingState.SIGNED
        from matchmaker.agreements.models import Agreement

        assert db.session.get(Agreement, agreement).pairing_id == pairing_id


def test_award_reuses_an_existing_pairing(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    make.posting(world["university"], PostingKind.RESEARCH_OUTCOME, **OUTCOME)
    existing = make.pairing(world["university"], world["need"])  # interest expressed earlier
    call_id = make.call(world["bureau"], [world["need"]])
    chosen = make.proposal(world["university"], call_id)
    past_deadline(app, call_id)
    login(client, world["bureau"])
    client.post(f"/calls/{call_id}/award", data={"proposal": str(chosen), "reason": "唯一方案，质量好"})
    assert the_call(app, call_id)["pairings"] == [existing]
    with app.app_context():
        assert db.session.get(Pairing, existing).state is PairingState.CONTACTED


def test_other_parties_cannot_award(app: Flask, client: FlaskClient, make: Factory, world: dict) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    proposal = make.proposal(world["university"], call_id)
    past_deadline(app, call_id)
    for email in (world["university"], world["other_enterprise"]):
        login(client, email)
        response = client.post(f"/calls/{call_id}/award", data={"proposal": str(proposal), "reason": "自荐"})
        assert response.status_code == 403
    login(client, world["bureau"])
    response = client.post(f"/calls/{call_id}/award", data={"proposal": "abc", "reason": "理由"})
    assert response.status_code == 302 and the_call(app, call_id)["status"] is CallStatus.OPEN


def test_cancel_needs_a_reason_and_tells_the_proposers(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]], title="撤销的榜单")
    make.proposal(world["university"], call_id)
    login(client, world["enterprise"])
    client.post(f"/calls/{call_id}/cancel", data={"reason": ""})
    assert the_call(app, call_id)["status"] is CallStatus.OPEN
    client.post(f"/calls/{call_id}/cancel", data={"reason": "需求已由内部解决"})
    assert the_call(app, call_id)["status"] is CallStatus.CANCELLED
    assert notes(app, world["university"]) == [("榜单「撤销的榜单」已撤销", "原因：需求已由内部解决")]
    client.post("/auth/logout")
    assert client.get(f"/calls/{call_id}").status_code == 404


# --- matching and invitations -------------------------------------------------------------


def test_staff_see_fitting_universities_and_invite_them(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    outcome = make.posting(world["university"], PostingKind.RESEARCH_OUTCOME, **OUTCOME)
    call_id = make.call(world["bureau"], [world["need"]], title="邀请的榜单")
    login(client, world["enterprise"])
    assert "匹配的高校院所" not in page(client, f"/calls/{call_id}")
    login(client, world["bureau"])
    html = page(client, f"/calls/{call_id}")
    assert "匹配的高校院所" in html and f"/postings/{outcome}" in html and "邀请揭榜" in html
    org_id = make.org_of(world["university"])
    assert client.post(f"/calls/{call_id}/invite", data={"organization": str(org_id)}).status_code == 302
    assert "已邀请" in page(client, f"/calls/{call_id}")
    ((title, body),) = notes(app, world["university"])
    assert title == "主管部门邀请贵单位揭榜「邀请的榜单」" and "80万元" in body
    with app.app_context():
        assert db.session.scalar(select(JournalEntry.note).where(JournalEntry.action == "call.invited"))
    # not an enterprise, not a made-up organisation
    assert (
        client.post(
            f"/calls/{call_id}/invite",
            data={"organization": str(make.org_of(world["other_enterprise"]))},
            follow_redirects=True,
        ).status_code
        == 200
    )
    assert len(notes(app, world["other_enterprise"])) == 0
    assert client.post(f"/calls/{call_id}/invite", data={"organization": "99999999999"}).status_code == 302


def test_demo_data_has_a_call_past_its_deadline_with_scored_proposals_waiting_for_the_award(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        (call,) = db.session.scalars(select(ChallengeCall)).all()
        assert call.status is CallStatus.OPEN and call.reviewing and call.needs[0].kind is PostingKind.RD_NEED
        assert len(call.proposals) == 2 and all(p.scores for p in call.proposals)
        assert all(s.scored_at for p in call.proposals for s in p.scores)
        call_id = call.id
    client = app.test_client()
    assert "箱变接头过热在线监测技术揭榜" in page(client, "/calls/")
    response = client.post("/auth/login", data={"email": "dianqi@demo-baoying.cn", "password": "demo12345"})
    assert response.status_code == 302
    html = page(client, f"/calls/{call_id}")
    assert "方案（2）" in html and "加权总分" in html and "评选揭榜单位" in html and "确认揭榜" in html


def test_the_caller_hears_of_each_proposal_and_staff_of_a_call_awaiting_approval(
    app: Flask, make: Factory, world: dict
) -> None:
    from matchmaker.notifications.models import Notification

    call_id = make.call(world["bureau"], [world["need"]])
    make.proposal(world["university"], call_id)
    with app.app_context():
        caller = accounts.find_user_by_email(world["enterprise"])
        told = db.session.scalars(select(Notification).where(Notification.user_id == caller.id)).all()
        assert any("提交了方案" in n.title for n in told)
    make.call(world["enterprise"], [world["need"]], status="pending")  # proposed by the enterprise
    with app.app_context():
        staff = accounts.find_user_by_email(world["bureau"])
        told = db.session.scalars(select(Notification).where(Notification.user_id == staff.id)).all()
        assert any("等待审批" in n.title for n in told)


def test_the_api_scores_and_awards_and_the_pairing_follows(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    chosen = make.proposal(world["university"], call_id)
    other = make.proposal(world["other_university"], call_id)
    tokens = {
        k: {"Authorization": f"Bearer {make.token(world[k])}"} for k in ("bureau", "enterprise", "university")
    }
    criteria = client.get(f"/api/v1/calls/{call_id}", headers=tokens["enterprise"]).get_json()["criteria"]
    marks = {"scores": [{"criterion_id": c["id"], "score": 80} for c in criteria]}
    url = f"/api/v1/calls/{call_id}/proposals/{chosen}/scores"
    award = {"proposal_id": chosen, "reason": "技术路线最成熟，报价合理。"}
    response = client.post(f"/api/v1/calls/{call_id}/award", json=award, headers=tokens["bureau"])
    assert response.status_code == 409 and "截止" in response.get_json()["message"]
    response = client.post(url, json=marks, headers=tokens["enterprise"])
    assert response.status_code == 409 and "截止后才能评分" in response.get_json()["message"]
    past_deadline(app, call_id)
    assert client.post(url, json=marks, headers=tokens["university"]).status_code == 403  # not a reviewer
    bad = {"scores": [{"criterion_id": c["id"], "score": 101} for c in criteria]}
    response = client.post(url, json=bad, headers=tokens["bureau"])
    assert response.status_code == 422 and "0到100" in str(response.get_json()["errors"])
    response = client.post(url, json=marks, headers=tokens["enterprise"])
    assert response.status_code == 200 and response.get_json()["weighted_score"] == 80
    response = client.post(f"/api/v1/calls/{call_id}/award", json=award, headers=tokens["bureau"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "awarded" and body["pairing_id"]
    statuses = {
        p["id"]: p["status"]
        for p in client.get(f"/api/v1/calls/{call_id}/proposals", headers=tokens["bureau"]).get_json()[
            "items"
        ]
    }
    assert statuses == {chosen: "selected", other: "not_selected"}
    assert (
        client.get(f"/api/v1/pairings/{body['pairing_id']}", headers=tokens["university"]).get_json()["state"]
        == "contacted"
    )


def test_odd_ids_in_the_invite_and_award_forms_are_refused_not_a_server_error(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    call_id = make.call(world["bureau"], [world["need"]])
    make.proposal(world["university"], call_id)
    past_deadline(app, call_id)
    login(client, world["bureau"])
    for value in ("²", "٣", "99999999999", "abc"):
        assert client.post(f"/calls/{call_id}/invite", data={"organization": value}).status_code == 302
        response = client.post(f"/calls/{call_id}/award", data={"proposal": value, "reason": "理由"})
        assert response.status_code == 302, value
    assert the_call(app, call_id)["status"] is CallStatus.OPEN


def test_the_api_publishes_runs_and_cancels_a_call(
    app: Flask, client: FlaskClient, make: Factory, world: dict
) -> None:
    headers = {
        name: {"Authorization": f"Bearer {make.token(world[name])}"}
        for name in ("enterprise", "other_enterprise", "university", "other_university", "bureau")
    }
    outcome = make.posting(world["university"], PostingKind.RESEARCH_OUTCOME, **OUTCOME)
    body = {
        "title": "数控机床热误差补偿揭榜",
        "problem": "高精度数控机床主轴热变形导致加工精度下降，需要热误差建模与实时补偿。",
        "deliverables": "热误差补偿系统一套。",
        "budget": 80,
        "deadline": (clock.today() + timedelta(days=30)).isoformat(),
        "eligibility": "江苏省内高校院所",
        "need_ids": [world["need"]],
    }
    # refused in Chinese with the fields named; nothing saved
    bad = client.post(
        "/api/v1/calls",
        json={**body, "budget": 0, "deadline": "月底", "need_ids": []},
        headers=headers["bureau"],
    )
    assert bad.status_code == 422 and {"deadline", "need_ids"} <= set(bad.get_json()["errors"])
    bad = client.post("/api/v1/calls", json={**body, "budget": 0}, headers=headers["bureau"])
    assert bad.status_code == 422 and "榜额" in bad.get_json()["errors"]["budget"][0]
    assert client.post("/api/v1/calls", json=body, headers=headers["university"]).status_code == 403
    foreign = client.post("/api/v1/calls", json=body, headers=headers["other_enterprise"])
    assert foreign.status_code == 422 and "本单位" in foreign.get_json()["errors"]["need_ids"][0]
    # a missing id and someone else's need get the same answer: nothing is told about hidden postings
    missing = client.post(
        "/api/v1/calls", json={**body, "need_ids": [999999]}, headers=headers["other_enterprise"]
    )
    assert missing.get_json()["errors"]["need_ids"] == foreign.get_json()["errors"]["need_ids"]
    many = [{"name": f"标准{n}", "weight": 10} for n in range(7)]
    too_many = client.post("/api/v1/calls", json={**body, "criteria": many}, headers=headers["bureau"])
    assert too_many.status_code == 422 and "最多6项" in too_many.get_json()["errors"]["criteria"][0]
    weights = client.post(
        "/api/v1/calls",
        json={**body, "criteria": [{"name": "技术方案", "weight": 50}, {"name": "报价", "weight": 20}]},
        headers=headers["bureau"],
    )
    assert weights.status_code == 422 and "criteria" in weights.get_json()["errors"]
    with app.app_context():
        assert db.session.scalar(select(ChallengeCall.id)) is None
    # an enterprise's own call waits for approval; the bureau's is open at once, with the usual criteria
    own = client.post("/api/v1/calls", json=body, headers=headers["enterprise"])
    assert own.status_code == 201 and own.get_json()["status"] == "pending"
    created = client.post("/api/v1/calls", json=body, headers=headers["bureau"])
    assert created.status_code == 201 and created.get_json()["status"] == "open"
    call = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/calls/{call['id']}")
    assert sum(c["weight"] for c in call["criteria"]) == 100 and len(call["criteria"]) == 4
    # staff see who fits and invite them
    url = f"/api/v1/calls/{call['id']}"
    assert client.get(f"{url}/candidates", headers=headers["enterprise"]).status_code == 403
    fits = client.get(f"{url}/candidates", headers=headers["bureau"]).get_json()["items"]
    university_org = make.org_of(world["university"])
    assert fits[0]["organization"]["id"] == university_org and fits[0]["outcomes"][0]["posting_id"] == outcome
    assert fits[0]["outcomes"][0]["strength"] > 0 and not fits[0]["invited"]
    wrong = client.post(
        f"{url}/invitations",
        json={"organization_id": make.org_of(world["other_enterprise"])},
        headers=headers["bureau"],
    )
    assert wrong.status_code == 422 and "高校院所" in wrong.get_json()["errors"]["organization_id"][0]
    invited = client.post(
        f"{url}/invitations", json={"organization_id": university_org}, headers=headers["bureau"]
    )
    assert invited.status_code == 200 and invited.get_json()["invited"] == [university_org]
    again = client.post(
        f"{url}/invitations", json={"organization_id": university_org}, headers=headers["bureau"]
    )
    assert again.status_code == 200 and again.get_json()["invited"] == [university_org]
    ((title, _),) = notes(app, world["university"])  # told once
    assert title.startswith("主管部门邀请贵单位揭榜")
    assert client.get(f"{url}/candidates", headers=headers["bureau"]).get_json()["items"][0]["invited"]
    # the proposer changes part of its proposal; another cannot
    proposal = client.post(
        f"{url}/proposals", json={**PROPOSAL, "price": 55}, headers=headers["university"]
    ).get_json()
    changed = client.patch(
        f"{url}/proposals/{proposal['id']}", json={"price": 48.5}, headers=headers["university"]
    )
    assert changed.status_code == 200 and changed.get_json()["price"] == 48.5
    assert changed.get_json()["approach"] == PROPOSAL["approach"]
    short = client.patch(
        f"{url}/proposals/{proposal['id']}", json={"approach": "太短"}, headers=headers["university"]
    )
    assert short.status_code == 422 and "approach" in short.get_json()["errors"]
    assert (
        client.patch(
            f"{url}/proposals/{proposal['id']}", json={"price": 1}, headers=headers["other_university"]
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(CallProposal, proposal["id"]).price == 48.5
    # cancelling needs a reason, and the proposer is told
    assert client.post(f"{url}/cancel", json={"reason": " "}, headers=headers["bureau"]).status_code == 422
    assert (
        client.post(f"{url}/cancel", json={"reason": "需求已变更"}, headers=headers["university"]).status_code
        == 403
    )
    cancelled = client.post(
        f"{url}/cancel", json={"reason": "企业需求已变更，重新发榜"}, headers=headers["bureau"]
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert any("撤销" in title for title, _ in notes(app, world["university"]))
    assert (
        client.post(f"{url}/cancel", json={"reason": "再撤销一次"}, headers=headers["bureau"]).status_code
        == 409
    )
