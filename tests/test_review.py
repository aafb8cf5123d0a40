"""Bureau decisions: publish / return postings, verify / reject organisations, each with who, when, why."""

from __future__ import annotations

from flask.testing import FlaskClient

from matchmaker.accounts.values import OrgStatus
from matchmaker.postings.values import PostingKind, PostingStatus
from tests.conftest import Auth, Factory


def test_publish_records_reviewer_and_appears_in_lists(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, PostingStatus.PENDING, title="主轴热变形补偿")
    reviewer = make.bureau()
    auth.login(reviewer)
    queue = client.get("/review/postings").get_data(as_text=True)
    assert "主轴热变形补偿" in queue
    response = client.post(f"/review/postings/{posting_id}/publish", data={"note": "内容具体，同意发布"})
    assert response.status_code == 302 and response.location == "/review/postings"
    state = make.get_posting(posting_id)
    assert state["status"] is PostingStatus.PUBLISHED
    assert state["events"][0] == ("posting.published", "内容具体，同意发布")
    client.get("/review/postings")  # shows (and consumes) the flash message naming the posting
    assert "主轴热变形补偿" not in client.get("/review/postings").get_data(as_text=True)
    auth.logout()
    assert "主轴热变形补偿" in client.get("/postings/rd-need/").get_data(as_text=True)


def test_return_requires_reason_which_owner_sees(client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, PostingStatus.PENDING)
    auth.login(make.bureau())
    response = client.post(f"/review/postings/{posting_id}/return", data={"reason": ""})
    assert response.status_code == 422
    assert "请写明理由" in response.get_data(as_text=True)
    assert make.get_posting(posting_id)["status"] is PostingStatus.PENDING
    reason = "请补充期望的技术指标（如精度、产能）和应用场景。"
    client.post(f"/review/postings/{posting_id}/return", data={"reason": reason})
    state = make.get_posting(posting_id)
    assert state["status"] is PostingStatus.RETURNED and state["return_reason"] == reason
    auth.logout()
    auth.login(owner)
    page = client.get(f"/postings/{posting_id}").get_data(as_text=True)
    assert reason in page
    assert "处理记录" in page and "退回修改（待审核 → 退回修改）" in page


def test_reviewing_a_posting_twice_is_refused_with_a_message(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    posting_id = make.posting(make.user(), PostingKind.RD_NEED, PostingStatus.PENDING)
    auth.login(make.bureau())
    client.post(f"/review/postings/{posting_id}/publish", data={})
    response = client.post(
        f"/review/postings/{posting_id}/return",
        data={"reason": "太晚了，已经发布"},
        headers={"Referer": f"http://localhost/review/postings/{posting_id}"},
    )
    assert response.status_code == 303
    assert make.get_posting(posting_id)["status"] is PostingStatus.PUBLISHED
    assert "不能退回" in client.get(f"/review/postings/{posting_id}").get_data(as_text=True)


def test_verify_organisation_lets_its_users_publish(client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user(status=OrgStatus.PENDING)
    org_id = make.org_of(owner)
    bureau = make.bureau()
    auth.login(bureau)
    assert "测试单位" in client.get("/review/organizations").get_data(as_text=True)
    client.post(f"/review/organizations/{org_id}/verify", data={"note": "已核验营业执照"})
    org = make.get_org(org_id)
    assert org["status"] is OrgStatus.VERIFIED
    assert org["events"][0] == ("organization.verified", "已核验营业执照", make.user_id(bureau))
    auth.logout()
    posting_id = make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT)
    auth.login(owner)
    client.post(f"/postings/{posting_id}/submit")
    assert make.get_posting(posting_id)["status"] is PostingStatus.PENDING


def test_reject_organisation_needs_reason_shown_to_its_users(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user(status=OrgStatus.PENDING)
    org_id = make.org_of(owner)
    auth.login(make.bureau())
    response = client.post(f"/review/organizations/{org_id}/reject", data={"reason": ""})
    assert response.status_code == 422 and "请写明理由" in response.get_data(as_text=True)
    client.post(f"/review/organizations/{org_id}/reject", data={"reason": "统一社会信用代码与名称不符"})
    assert make.get_org(org_id)["status"] is OrgStatus.REJECTED
    org_name = make.get_org(org_id)["name"]
    client.get("/review/organizations")  # consumes the flash message naming the organisation
    assert org_name not in client.get("/review/organizations").get_data(as_text=True)
    assert org_name in client.get("/review/organizations?status=rejected").get_data(as_text=True)
    auth.logout()
    auth.login(owner)
    assert "统一社会信用代码与名称不符" in client.get("/home").get_data(as_text=True)


def test_bureau_home_shows_queues_with_counts(client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    make.posting(owner, PostingKind.RD_NEED, PostingStatus.PENDING, title="待审核的需求甲")
    make.posting(owner, PostingKind.SUPPLY_NEED, PostingStatus.PENDING, title="待审核的需求乙")
    make.user(status=OrgStatus.PENDING)
    auth.login(make.bureau())
    page = client.get("/home").get_data(as_text=True)
    assert "待审核的需求甲" in page and "待审核的需求乙" in page
    assert "<strong>2</strong>条信息待审核" in page
    assert "<strong>1</strong>家单位待认证" in page


def test_member_home_shows_own_postings_by_status(client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT, title="我的草稿需求")
    make.posting(owner, PostingKind.SUPPLY_OFFER, PostingStatus.PUBLISHED, title="我的已发布供给")
    make.posting(make.user(), PostingKind.RD_NEED, PostingStatus.DRAFT, title="别人的草稿")
    auth.login(owner)
    page = client.get("/home").get_data(as_text=True)
    assert "我的草稿需求" in page and "我的已发布供给" in page and "别人的草稿" not in page
    mine = client.get("/postings/mine?status=draft").get_data(as_text=True)
    assert "我的草稿需求" in mine and "我的已发布供给" not in mine
