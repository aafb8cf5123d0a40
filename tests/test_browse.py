"""Browsing published postings: filters, order, pagination, visibility and the confidential detail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker.accounts.values import OrgType
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.pairings.values import PairingState
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus, Visibility
from matchmaker.taxonomy.models import TechField, Town
from tests.conftest import Auth, Factory


def term_id(app: Flask, model: type[TechField] | type[Town], name: str) -> int:
    with app.app_context():
        value = db.session.scalar(select(model.id).where(model.name == name))
        assert value is not None
        return value


def test_list_shows_only_published_unexpired_of_that_kind(client: FlaskClient, make: Factory) -> None:
    owner = make.user()
    make.posting(owner, PostingKind.RD_NEED, title="已发布的研发需求")
    make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT, title="草稿研发需求")
    make.posting(owner, PostingKind.RD_NEED, PostingStatus.PENDING, title="待审核研发需求")
    make.posting(owner, PostingKind.RD_NEED, PostingStatus.CLOSED, title="已关闭研发需求")
    make.posting(owner, PostingKind.SUPPLY_NEED, title="已发布的配套需求")
    expired = make.posting(owner, PostingKind.RD_NEED, title="已过期研发需求")
    with make.app.app_context():
        db.session.get(Posting, expired).valid_until = clock.today() - timedelta(days=1)
        db.session.commit()
    page = client.get("/postings/rd-need/").get_data(as_text=True)
    assert "已发布的研发需求" in page
    for hidden in ("草稿研发需求", "待审核研发需求", "已关闭研发需求", "已发布的配套需求", "已过期研发需求"):
        assert hidden not in page
    assert "已过期" in client.get(f"/postings/{expired}").get_data(as_text=True)


def test_filters_by_field_town_mode_and_title(app: Flask, client: FlaskClient, make: Factory) -> None:
    owner = make.user()
    make.posting(
        owner,
        PostingKind.RD_NEED,
        title="隔膜涂覆工艺",
        tech_field="新材料及其应用",
        town="安宜镇",
        cooperation_modes=["joint_dev"],
    )
    make.posting(
        owner,
        PostingKind.RD_NEED,
        title="主轴热变形补偿",
        tech_field="先进制造",
        town="范水镇",
        cooperation_modes=["transfer", "consulting"],
    )
    field = term_id(app, TechField, "新材料及其应用")
    town = term_id(app, Town, "范水镇")

    def titles(query: str) -> tuple[bool, bool]:
        page = client.get(f"/postings/rd-need/?{query}").get_data(as_text=True)
        return "隔膜涂覆工艺" in page, "主轴热变形补偿" in page

    assert titles("") == (True, True)
    assert titles(f"field={field}") == (True, False)
    assert titles(f"town={town}") == (False, True)
    assert titles("mode=consulting") == (False, True)
    assert titles("mode=joint_dev") == (True, False)
    assert titles("q=隔膜") == (True, False)
    assert titles("q=隔膜 补偿") == (False, False)
    assert titles(f"field={field}&town={town}") == (False, False)
    assert "清除筛选" in client.get(f"/postings/rd-need/?field={field}&town={town}").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "field=abc",
        "town=-1",
        "mode=nonsense",
        "page=abc",
        "page=-3",
        "q=%25%25%25",
        "q=" + "长" * 500,
        "page=99999",
    ],
)
def test_bad_filter_values_never_fail(client: FlaskClient, make: Factory, query: str) -> None:
    make.posting(make.user(), PostingKind.RD_NEED, title="某条需求")
    assert client.get(f"/postings/rd-need/?{query}").status_code == 200


def test_percent_in_title_search_is_literal(client: FlaskClient, make: Factory) -> None:
    owner = make.user()
    make.posting(owner, PostingKind.RD_NEED, title="效率提升50%的方案")
    make.posting(owner, PostingKind.RD_NEED, title="另一条普通需求")
    page = client.get("/postings/rd-need/?q=50%25").get_data(as_text=True)
    assert "效率提升50%的方案" in page and "另一条普通需求" not in page


def test_newest_first_and_paginated(app: Flask, client: FlaskClient, make: Factory) -> None:
    owner = make.user()
    for i in range(23):
        make.posting(owner, PostingKind.SUPPLY_OFFER, title=f"供给编号{i:02d}号")
    first = client.get("/postings/supply-offer/").get_data(as_text=True)
    assert "供给编号22号" in first and "供给编号03号" in first and "供给编号02号" not in first
    assert first.index("供给编号22号") < first.index("供给编号21号")
    assert "共 23 条" in first
    second = client.get("/postings/supply-offer/?page=2").get_data(as_text=True)
    assert "供给编号02号" in second and "供给编号00号" in second and "供给编号22号" not in second


def test_visibility(client: FlaskClient, auth: Auth, make: Factory) -> None:
    owner = make.user()
    public = make.posting(owner, PostingKind.RD_NEED, title="公开需求", visibility=Visibility.PUBLIC)
    members = make.posting(owner, PostingKind.RD_NEED, title="登录可见需求", visibility=Visibility.MEMBERS)
    bureau_only = make.posting(
        owner, PostingKind.RD_NEED, title="仅主管部门需求", visibility=Visibility.BUREAU
    )
    expected = {
        None: {public},
        make.user(org_type=OrgType.UNIVERSITY): {public, members},
        make.bureau(): {public, members, bureau_only},
        owner: {public, members, bureau_only},
    }
    titles = {public: "公开需求", members: "登录可见需求", bureau_only: "仅主管部门需求"}
    for email, visible in expected.items():
        if email:
            auth.login(email)
        listing = client.get("/postings/rd-need/").get_data(as_text=True)
        for posting_id, title in titles.items():
            assert (title in listing) is (posting_id in visible)
            status = client.get(f"/postings/{posting_id}").status_code
            assert status == (200 if posting_id in visible else 404)
        if email:
            auth.logout()


def test_confidential_detail_only_for_owner_and_bureau(
    client: FlaskClient, auth: Auth, make: Factory
) -> None:
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, confidential_detail="核心配方：A料比B料三比一")
    secret = "核心配方：A料比B料三比一"
    assert secret not in client.get(f"/postings/{posting_id}").get_data(as_text=True)
    for email, sees in (
        (make.user(), False),
        (make.user(org_type=OrgType.UNIVERSITY), False),
        (make.bureau(), True),
        (owner, True),
    ):
        auth.login(email)
        assert (secret in client.get(f"/postings/{posting_id}").get_data(as_text=True)) is sees
        auth.logout()


def test_contact_details_are_shared_through_interest(client: FlaskClient, auth: Auth, make: Factory) -> None:
    """Contacts are for the owner, bureau staff and the other side of an accepted pairing; everyone
    else is shown how to get them (log in, express interest)."""
    owner = make.user()
    posting_id = make.posting(owner, PostingKind.RD_NEED, contact_name="吴工", contact_phone="13805250003")
    page = client.get(f"/postings/{posting_id}").get_data(as_text=True)
    assert "13805250003" not in page and "并表达合作意向" in page
    university = make.user(org_type=OrgType.UNIVERSITY)
    auth.login(university)
    page = client.get(f"/postings/{posting_id}").get_data(as_text=True)
    assert "13805250003" not in page and "对方接受合作意向后可见" in page
    make.pairing(university, posting_id, PairingState.CONTACTED)
    assert "13805250003" in client.get(f"/postings/{posting_id}").get_data(as_text=True)
    for email in (owner, make.bureau()):
        auth.logout()
        auth.login(email)
        assert "13805250003" in client.get(f"/postings/{posting_id}").get_data(as_text=True)


def test_user_text_is_escaped(client: FlaskClient, make: Factory) -> None:
    posting_id = make.posting(
        make.user(),
        PostingKind.RD_NEED,
        title="<script>alert(1)</script>标题",
        description="<b>粗体</b> 与 <script>evil()</script> 的详细描述内容足够长。",
    )
    page = client.get(f"/postings/{posting_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    listing = client.get("/postings/rd-need/").get_data(as_text=True)
    assert "<script>" not in listing


def test_front_page_shows_latest_of_each_kind(client: FlaskClient, make: Factory) -> None:
    make.posting(make.user(), PostingKind.SUPPLY_NEED, title="首页可见的配套需求")
    make.posting(make.user(org_type=OrgType.UNIVERSITY), PostingKind.RESEARCH_OUTCOME, title="首页可见的成果")
    page = client.get("/").get_data(as_text=True)
    assert "首页可见的配套需求" in page and "首页可见的成果" in page
