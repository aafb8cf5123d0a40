"""The posting lifecycle: every allowed and every forbidden transition, over HTTP, with history."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core.extensions import db
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.taxonomy.models import TechField
from tests.conftest import Auth, Factory

S = PostingStatus
# action -> (who acts, url, form data, {from status: to status} for the allowed moves)
ACTIONS = {
    "submit": ("owner", "/postings/{id}/submit", {}, {S.DRAFT: S.PENDING, S.RETURNED: S.PENDING}),
    "withdraw": ("owner", "/postings/{id}/withdraw", {}, {S.PENDING: S.DRAFT, S.PUBLISHED: S.DRAFT}),
    "close": (
        "owner",
        "/postings/{id}/close",
        {"reason": "solved_elsewhere", "note": "已与外地单位签约"},
        {s: S.CLOSED for s in (S.DRAFT, S.PENDING, S.RETURNED, S.PUBLISHED)},
    ),
    "publish": ("bureau", "/review/postings/{id}/publish", {"note": ""}, {S.PENDING: S.PUBLISHED}),
    "return": (
        "bureau",
        "/review/postings/{id}/return",
        {"reason": "请补充期望达到的技术指标。"},
        {S.PENDING: S.RETURNED},
    ),
}
CASES = [(action, status) for action in ACTIONS for status in PostingStatus]


@pytest.mark.parametrize(("action", "start"), CASES, ids=[f"{a}-from-{s.value}" for a, s in CASES])
def test_transition_table(
    client: FlaskClient, auth: Auth, make: Factory, action: str, start: PostingStatus
) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, start)
    before = make.get_posting(posting_id)
    actor, url, data, moves = ACTIONS[action]
    auth.login(owner if actor == "owner" else make.bureau())

    response = client.post(
        url.format(id=posting_id), data=data, headers={"Referer": f"http://localhost/postings/{posting_id}"}
    )

    after = make.get_posting(posting_id)
    if start in moves:
        assert response.status_code == 302
        assert after["status"] is moves[start]
        assert len(after["events"]) == len(before["events"]) + 1
    else:
        assert response.status_code in (302, 303)  # refused with a message, never a 500
        assert after["status"] is start
        assert after["events"] == before["events"]
        page = client.get(f"/postings/{posting_id}").get_data(as_text=True)
        assert "状态的信息不能" in page or "已关闭" in page


def test_unverified_organisation_keeps_draft_but_cannot_submit(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user(status=OrgStatus.PENDING)
    posting_id = make.posting(owner, PostingKind.RD_NEED, S.DRAFT)
    auth.login(owner)
    response = client.post(
        f"/postings/{posting_id}/submit", headers={"Referer": f"http://localhost/postings/{posting_id}"}
    )
    assert response.status_code == 303
    assert make.get_posting(posting_id)["status"] is S.DRAFT
    assert "尚未通过主管部门认证" in client.get(f"/postings/{posting_id}").get_data(as_text=True)


def posting_form(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "title": "锂电池隔膜涂覆均匀性提升",
        "description": "水性陶瓷涂覆隔膜在高速涂布时面密度波动大，需要将波动控制在正负百分之三以内。",
        "keywords": "锂电池隔膜、涂覆，涂布 锂电池隔膜",
        "tech_field": "",
        "town": "",
        "industry_chain": "新能源",
        "budget": "100.5",
        "valid_until": "",
        "cooperation_modes": ["joint_dev", "commissioned_dev"],
        "maturity": "",
        "ip_status": "",
        "ip_detail": "",
        "contact_name": "吴工",
        "contact_phone": "13805250003",
        "visibility": "members",
        "confidential_detail": "客户为某动力电池企业。",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_create_draft_through_form(app: Flask, client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    auth.login(owner)
    response = client.post("/postings/new/rd-need", data=posting_form())
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.scalars(select(Posting)).one()
        assert posting.status is S.DRAFT and posting.kind is PostingKind.RD_NEED
        assert posting.keywords == ["锂电池隔膜", "涂覆", "涂布"]
        assert posting.cooperation_modes == ["joint_dev", "commissioned_dev"]
        assert str(posting.budget) == "100.50"
        assert posting.town is not None and posting.town.name == "安宜镇"  # defaults to the org's town
    assert "已保存为草稿" in client.get(response.location).get_data(as_text=True)


def test_create_and_submit_in_one_step(app: Flask, client: FlaskClient, auth: Auth, make: Factory) -> None:
    auth.login(make.user())
    with app.app_context():
        field_id = db.session.scalar(select(TechField.id).where(TechField.name == "新材料及其应用"))
    response = client.post(
        "/postings/new/rd-need", data=posting_form(action="submit", tech_field=str(field_id))
    )
    with app.app_context():
        posting = db.session.scalars(select(Posting)).one()
        assert posting.status is S.PENDING and posting.tech_field_id == field_id
    assert "已提交主管部门审核" in client.get(response.location).get_data(as_text=True)


def test_unverified_org_create_and_submit_saves_draft_with_warning(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory
) -> None:
    auth.login(make.user(status=OrgStatus.PENDING))
    response = client.post("/postings/new/rd-need", data=posting_form(action="submit"))
    with app.app_context():
        assert db.session.scalars(select(Posting)).one().status is S.DRAFT
    assert "未能提交审核" in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "请填写标题"),
        ({"description": "太短"}, "详细描述应为20到10000个字"),
        ({"budget": "-5"}, "金额应在0到1,000,000万元之间"),
        ({"budget": "abc"}, "不是有效的小数"),
        ({"budget": "NaN"}, "请填写有效的金额数字"),
        ({"budget": "-Infinity"}, "请填写有效的金额数字"),
        ({"contact_phone": "١٣٨٠٠٠٠٠٠٠٠"}, "有效的手机号"),  # Arabic-Indic digits are not a phone number
        ({"valid_until": "2020-01-01"}, "有效期不能早于今天"),
        ({"valid_until": "not-a-date"}, "不是有效的日期"),
        ({"contact_phone": "123"}, "有效的手机号"),
        ({"cooperation_modes": ["bogus"]}, "合作方式选项无效"),
        ({"tech_field": "99999"}, "技术领域选项无效"),
        ({"visibility": "nobody"}, "不是有效的选择"),
    ],
)
def test_posting_form_errors_are_chinese_and_keep_input(
    app: Flask, client: FlaskClient, auth: Auth, make: Factory, overrides: dict[str, str], message: str
) -> None:
    auth.login(make.user())
    response = client.post("/postings/new/rd-need", data=posting_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "not a valid" not in page  # no untranslated WTForms message reaches the user
    assert "吴工" in page
    with app.app_context():
        assert db.session.scalars(select(Posting)).first() is None


def test_university_cannot_post_needs_and_enterprise_cannot_post_outcomes(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    auth.login(make.user(org_type=OrgType.UNIVERSITY))
    assert client.post("/postings/new/rd-need", data=posting_form()).status_code == 403
    assert client.post("/postings/new/research-outcome", data=posting_form()).status_code == 302
    auth.logout()
    auth.login(make.user())
    assert client.post("/postings/new/research-outcome", data=posting_form()).status_code == 403


def test_edit_returned_posting_shows_reason_and_resubmits(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, S.RETURNED)
    auth.login(owner)
    assert "请补充技术指标" in client.get(f"/postings/{posting_id}/edit").get_data(as_text=True)
    response = client.post(
        f"/postings/{posting_id}/edit", data=posting_form(title="改写后的标题：隔膜涂覆", action="submit")
    )
    assert response.status_code == 302
    state = make.get_posting(posting_id)
    assert state["title"] == "改写后的标题：隔膜涂覆" and state["status"] is S.PENDING


def test_published_posting_cannot_be_edited_without_withdrawing(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, S.PUBLISHED)
    auth.login(owner)
    response = client.post(f"/postings/{posting_id}/edit", data=posting_form(title="偷偷修改的标题"))
    assert response.status_code == 302
    assert make.get_posting(posting_id)["title"] != "偷偷修改的标题"


def test_close_requires_a_valid_reason(client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, S.PUBLISHED)
    auth.login(owner)
    client.post(f"/postings/{posting_id}/close", data={"reason": "", "note": ""})
    assert make.get_posting(posting_id)["status"] is S.PUBLISHED
    client.post(f"/postings/{posting_id}/close", data={"reason": "bogus"})
    assert make.get_posting(posting_id)["status"] is S.PUBLISHED
    page = client.get(f"/postings/{posting_id}").get_data(as_text=True)
    assert "请选择关闭原因" in page or "不是有效的选择" in page
    client.post(f"/postings/{posting_id}/close", data={"reason": "solved_on_platform", "note": "已签约"})
    state = make.get_posting(posting_id)
    assert state["status"] is S.CLOSED and state["close_reason"].label == "通过平台解决"
    assert state["events"][0] == ("posting.closed", "通过平台解决：已签约")


def test_other_organisation_cannot_touch_a_posting(client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, S.PUBLISHED)
    colleague = make.user(make.org_of(owner))
    stranger = make.user()
    auth.login(stranger)
    assert client.post(f"/postings/{posting_id}/withdraw").status_code == 403
    assert client.post(f"/postings/{posting_id}/edit", data=posting_form()).status_code == 403
    auth.logout()
    auth.login(colleague)  # a colleague in the same organisation owns it too
    assert client.post(f"/postings/{posting_id}/withdraw").status_code == 302
    assert make.get_posting(posting_id)["status"] is S.DRAFT


def test_withdrawing_a_published_posting_asks_first_and_shows_the_right_dates(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    posting = make.posting(owner, PostingKind.RD_NEED, title="撤回前先确认的需求")
    auth.login(owner)
    page = client.get(f"/postings/{posting}").get_data(as_text=True)
    assert "发布于" in page and f'href="/postings/{posting}/withdraw"' in page  # a link, not a form
    ask = client.get(f"/postings/{posting}/withdraw").get_data(as_text=True)
    assert "立即从公开列表、搜索和推荐中下架" in ask and "重新提交主管部门审核" in ask
    assert make.get_posting(posting)["status"] is PostingStatus.PUBLISHED  # asking changed nothing
    done = client.post(f"/postings/{posting}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "已从公开列表和推荐中下架" in done
    assert "草稿" in done and "发布于" not in done and "最后修改于" in done


def test_a_new_posting_keeps_its_choices_as_enums_in_the_session(app: Flask, make: Factory) -> None:
    """Saving trims text fields but not the str enums among them: in the request (or script) that
    created a posting, the policy compares them with `is` (a plain 'public' refused interest)."""
    from matchmaker import policy
    from matchmaker.accounts import operations as accounts
    from matchmaker.accounts.models import User
    from matchmaker.postings import operations as postings
    from matchmaker.postings.values import Visibility

    owner_email, university_email = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    make.posting(owner_email)  # creates the factory's reviewer
    with app.app_context():
        owner = accounts.find_user_by_email(owner_email)
        reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.com"))
        details = postings.PostingDetails(
            title="同一会话中的研发需求", description="刚保存就被其他单位查看的研发需求的详细描述。"
        )
        posting = postings.create_posting(PostingKind.RD_NEED, details, actor=owner)
        postings.submit_posting(posting, actor=owner)
        postings.publish_posting(posting, actor=reviewer)
        assert posting.visibility is Visibility.PUBLIC
        assert policy.may(accounts.find_user_by_email(university_email), "posting.express_interest", posting)
