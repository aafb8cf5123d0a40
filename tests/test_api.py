"""JSON API v1: every endpoint's success and error paths, as a provincial platform would call them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingStatus, Visibility
from tests.conftest import Factory, app_config
from tests.test_matching import GOOD as OUTCOME
from tests.test_matching import NEED, RD, RO, SN


class Api:
    """A client that speaks JSON with a bearer token."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client, self.token = client, token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self._headers())

    def post(self, path: str, payload: Any = None, **kwargs: Any) -> Any:
        if "data" not in kwargs:  # as clients send it: ASCII JSON, "\ud800" stays an escape
            kwargs.update(data=json.dumps(payload), content_type="application/json")
        return self.client.post(f"/api/v1{path}", headers=self._headers(), **kwargs)


@pytest.fixture
def api_as(client: FlaskClient, make: Factory) -> Any:
    def as_user(email: str | None) -> Api:
        return Api(client, make.token(email) if email else None)

    return as_user


def new_posting(**overrides: Any) -> dict[str, Any]:
    return {"kind": "rd_need", **NEED, "field": "先进制造", "town": "安宜镇", **overrides}


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == status
    assert body["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    return body


# --- authentication --------------------------------------------------------------------------


def test_every_endpoint_needs_a_token_except_the_description(client: FlaskClient, make: Factory) -> None:
    posting = make.posting(make.user())
    for path in ("/postings", f"/postings/{posting}", f"/postings/{posting}/matches", "/vocabularies"):
        response = client.get(f"/api/v1{path}")
        assert_json_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        bad = client.get(f"/api/v1{path}", headers={"Authorization": "Bearer mm_not-a-real-token"})
        assert "令牌无效" in assert_json_error(bad, 401)["message"]
    assert_json_error(client.post("/api/v1/postings", json=new_posting()), 401)
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


def test_a_browser_session_is_not_api_credentials(client: FlaskClient, auth: Any, make: Factory) -> None:
    """The API is exempt from CSRF because cookies never authenticate it."""
    auth.login(make.user())
    assert_json_error(client.get("/api/v1/postings"), 401)
    assert_json_error(client.post("/api/v1/postings", json=new_posting()), 401)


def test_revoked_expired_and_deactivated_tokens_stop_working(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    email = make.user()
    api = Api(client, make.token(email))
    assert api.get("/postings").status_code == 200
    with app.app_context():
        from matchmaker.accounts.models import ApiToken

        token = db.session.scalars(select(ApiToken)).one()
        assert token.last_used_at is not None  # use is recorded
        token.revoke()
        db.session.commit()
    assert_json_error(api.get("/postings"), 401)

    expiring = Api(client, make.token(email, days=1))
    with app.app_context():
        token = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
        token.expires_at = token.created_at - timedelta(seconds=1)
        db.session.commit()
    assert_json_error(expiring.get("/postings"), 401)

    active = Api(client, make.token(email))
    with app.app_context():
        db.session.scalars(select(User).where(User.email == email)).one().active = False
        db.session.commit()
    assert_json_error(active.get("/postings"), 401)


# --- GET /postings ---------------------------------------------------------------------------


def test_list_shows_published_postings_plus_the_callers_own(api_as: Any, make: Factory) -> None:
    mine, other = make.user(), make.user()
    published = make.posting(other, RD, title="已发布的研发需求")
    other_draft = make.posting(other, RD, PostingStatus.DRAFT)
    own_draft = make.posting(mine, RD, PostingStatus.DRAFT)
    own_pending = make.posting(mine, SN, PostingStatus.PENDING)
    closed = make.posting(other, RD, PostingStatus.CLOSED)
    expired = make.posting(other, RD, valid_until=clock.today() + timedelta(days=1))
    with make.app.app_context():
        db.session.get(Posting, expired).valid_until = clock.today() - timedelta(days=1)
        db.session.commit()

    body = api_as(mine).get("/postings").get_json()
    ids = {item["id"] for item in body["items"]}
    assert {published, own_draft, own_pending} == ids
    assert not ids & {other_draft, closed, expired}
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20
    item = next(i for i in body["items"] if i["id"] == published)
    assert item["title"] == "已发布的研发需求" and item["status"] == "published"


def test_list_filters_and_pages(api_as: Any, make: Factory) -> None:
    owner, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(owner, RD, tech_field="先进制造", town="安宜镇")
    make.posting(owner, SN, tech_field="新材料及其应用", town="范水镇")
    make.posting(uni, RO, tech_field="先进制造", town="范水镇")
    api = api_as(make.user())

    def ids(**params: Any) -> list[int]:
        return [i["id"] for i in api.get("/postings", **params).get_json()["items"]]

    assert ids(kind="rd_need") == [need]
    assert ids(field="先进制造", town="安宜镇") == [need]
    assert len(ids(field="先进制造")) == 2
    first, second = (
        api.get("/postings", per_page=2, page=1).get_json(),
        api.get("/postings", per_page=2, page=2),
    )
    assert len(first["items"]) == 2 and first["total"] == 3
    assert len(second.get_json()["items"]) == 1
    assert api.get("/postings", page=99).get_json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "0"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "9" * 30}, "page"),
        ({"kind": "rd-need"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"field": "不存在的领域"}, "field"),
        ({"town": "火星镇"}, "town"),
    ],
)
def test_list_rejects_bad_parameters_with_reasons(
    api_as: Any, make: Factory, params: dict, field: str
) -> None:
    body = assert_json_error(api_as(make.user()).get("/postings", **params), 400)
    assert field in body["errors"]


def test_list_full_text_search(api_as: Any, make: Factory) -> None:
    owner = make.user()
    hit = make.posting(owner, RD, **NEED)
    make.posting(
        owner,
        RD,
        title="荷藕保鲜剂需求",
        description="需要植物提取物复配的抗褐变保鲜剂，延长鲜切藕片的冷藏货架期。",
    )
    make.posting(owner, RD, PostingStatus.DRAFT, title="热变形补偿草稿", description=NEED["description"])
    body = api_as(make.user()).get("/postings", q="热变形 补偿").get_json()
    assert [i["id"] for i in body["items"]] == [hit]
    assert body["total"] == 1 and body["estimated"] is False
    assert api_as(make.user()).get("/postings", q="热变形", kind="research_outcome").get_json()["items"] == []


# --- GET /postings/<id> ----------------------------------------------------------------------


def test_detail_has_the_documented_fields(api_as: Any, make: Factory) -> None:
    owner = make.user()
    posting = make.posting(
        owner, RD, **NEED, tech_field="先进制造", town="安宜镇", confidential_detail="目标客户：某整机厂"
    )
    body = api_as(make.user()).get(f"/postings/{posting}").get_json()
    assert body["id"] == posting and body["kind"] == "rd_need" and body["status"] == "published"
    assert body["title"] == NEED["title"] and body["description"] == NEED["description"]
    assert body["keywords"] == NEED["keywords"]
    assert body["field"] == "先进制造" and body["town"] == "安宜镇"
    assert body["organization"] == {"id": make.org_of(owner), "name": body["organization"]["name"]}
    assert body["created_at"].endswith("+00:00") and body["updated_at"]
    assert body["url"].endswith(f"/postings/{posting}")
    assert "confidential_detail" not in body  # only the owner and bureau staff see it
    assert api_as(owner).get(f"/postings/{posting}").get_json()["confidential_detail"] == "目标客户：某整机厂"
    assert api_as(make.bureau()).get(f"/postings/{posting}").get_json()["confidential_detail"]


def test_detail_hides_what_the_caller_may_not_see(api_as: Any, make: Factory) -> None:
    owner = make.user()
    draft = make.posting(owner, RD, PostingStatus.DRAFT)
    bureau_only = make.posting(owner, RD, visibility=Visibility.BUREAU)
    stranger = api_as(make.user())
    for posting_id in (draft, bureau_only, 10**6, 2**63 - 1):
        assert_json_error(stranger.get(f"/postings/{posting_id}"), 404)
    assert_json_error(stranger.get(f"/postings/{2**64}"), 404)  # beyond SQLite's range: still JSON
    assert api_as(owner).get(f"/postings/{draft}").status_code == 200
    assert api_as(make.bureau()).get(f"/postings/{bureau_only}").status_code == 200


# --- POST /postings --------------------------------------------------------------------------


def test_create_a_draft_then_a_submitted_posting(app: Flask, api_as: Any, make: Factory) -> None:
    email = make.user()
    api = api_as(email)
    response = api.post("/postings", new_posting(budget=50, cooperation_modes=["joint_dev"]))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and body["keywords"] == NEED["keywords"] and body["budget"] == 50
    assert response.headers["Location"].endswith(f"/api/v1/postings/{body['id']}")
    assert api.get(f"/postings/{body['id']}").get_json()["cooperation_modes"] == ["joint_dev"]

    submitted = api.post("/postings", new_posting(title="提交审核的需求", submit=True)).get_json()
    assert submitted["status"] == "pending"
    state = make.get_posting(submitted["id"])
    assert state["events"][0][0] == "posting.submitted"
    with app.app_context():
        posting = db.session.get(Posting, submitted["id"])
        assert posting.organization.users[0].email == email and posting.author.email == email


def test_unverified_organisation_cannot_submit_and_nothing_is_saved(
    app: Flask, api_as: Any, make: Factory
) -> None:
    api = api_as(make.user(status=OrgStatus.PENDING))
    body = assert_json_error(api.post("/postings", new_posting(submit=True)), 422)
    assert "认证" in body["errors"]["submit"][0]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Posting)) == 0
    assert api.post("/postings", new_posting()).status_code == 201  # a draft is fine


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": None}, "title", "请填写标题"),
        ({"title": "短"}, "title", "标题应为4到120个字"),
        ({"title": 12345}, "title", "应为字符串"),
        ({"description": "太短了"}, "description", "详细描述应为20到10000个字"),
        ({"kind": "bogus"}, "kind", "有效的类型"),
        ({"field": "不存在的领域"}, "field", "未知的技术领域"),
        ({"town": 3}, "town", "应为字符串"),
        ({"keywords": "a、b"}, "keywords", "字符串数组"),
        ({"keywords": [str(i) for i in range(11)]}, "keywords", "最多10个"),
        ({"keywords": ["x" * 31]}, "keywords", "1到30个字"),
        ({"keywords": ["锂电池 隔膜"]}, "keywords", "每项只写一个关键词"),
        ({"title": "\ud800数控机床主轴热变形"}, "title", "无效的字符"),
        ({"field": "\udfff"}, "field", "无效的字符"),
        ({"keywords": ["\ud800"]}, "keywords", "无效的字符"),
        ({"contact_phone": "13800000000\n"}, "contact_phone", "有效的手机号"),
        ({"budget": "100"}, "budget", "应为数字"),
        ({"budget": True}, "budget", "应为数字"),
        ({"budget": -1}, "budget", "金额应在0到1,000,000万元之间"),
        ({"valid_until": "2020-01-01"}, "valid_until", "有效期不能早于今天"),
        ({"valid_until": "明天"}, "valid_until", "不是有效的日期"),
        ({"contact_phone": "123"}, "contact_phone", "有效的手机号"),
        ({"cooperation_modes": ["bogus"]}, "cooperation_modes", "合作方式选项无效"),
        ({"visibility": "everyone"}, "visibility", "不是有效的选择"),
        ({"maturity": "mature"}, "maturity", "不是有效的选择"),
        ({"submit": "yes"}, "submit", "true 或 false"),
        ({"fields": "先进制造"}, "fields", "不支持的字段"),
    ],
)
def test_create_validates_like_the_web_form(
    app: Flask, api_as: Any, make: Factory, overrides: dict, field: str, message: str
) -> None:
    payload = {k: v for k, v in new_posting(**overrides).items() if v is not None}
    body = assert_json_error(api_as(make.user()).post("/postings", payload), 422)
    assert any(message in m for m in body["errors"][field]), body["errors"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Posting)) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "not json", "content_type": "application/json"},
        {"data": "title=x", "content_type": "application/x-www-form-urlencoded"},
        {"json": ["a", "list"]},
        {"json": "a string"},
        {"data": "[" * 50_000 + "]" * 50_000, "content_type": "application/json"},  # absurd nesting
    ],
)
def test_create_needs_a_json_object(api_as: Any, make: Factory, kwargs: dict) -> None:
    api = api_as(make.user())
    body = assert_json_error(api.client.post("/api/v1/postings", headers=api._headers(), **kwargs), 400)
    assert "JSON" in body["message"]


def test_create_respects_roles(api_as: Any, make: Factory) -> None:
    university = api_as(make.user(org_type=OrgType.UNIVERSITY))
    assert "不能发布" in assert_json_error(university.post("/postings", new_posting()), 403)["message"]
    assert university.post("/postings", new_posting(kind="research_outcome")).status_code == 201
    enterprise = api_as(make.user())
    assert_json_error(enterprise.post("/postings", new_posting(kind="research_outcome")), 403)
    assert_json_error(api_as(make.bureau()).post("/postings", new_posting()), 403)


# --- GET /postings/<id>/matches ---------------------------------------------------------------


def test_matches_are_the_pages_proposals(api_as: Any, make: Factory) -> None:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    outcome = make.posting(uni, RO, **OUTCOME)
    make.posting(
        uni, RO, title="荷藕保鲜剂", description="植物提取物复配的抗褐变保鲜剂，鲜切藕片冷藏货架期十八天。"
    )
    body = api_as(enterprise).get(f"/postings/{need}/matches").get_json()
    assert body["posting_id"] == need
    assert [m["posting"]["id"] for m in body["matches"]] == [outcome]
    top = body["matches"][0]
    assert 0 < top["score"] <= 100 and {"补偿", "变形"} <= set(top["matched_terms"])
    assert top["posting"]["kind"] == "research_outcome" and top["posting"]["organization"][
        "id"
    ] == make.org_of(uni)
    # the other side sees the need
    assert [
        m["posting"]["id"] for m in api_as(uni).get(f"/postings/{outcome}/matches").get_json()["matches"]
    ] == [need]


def test_matches_limits_and_errors(api_as: Any, make: Factory) -> None:
    owner = make.user()
    draft = make.posting(owner, RD, PostingStatus.DRAFT, **NEED)
    api = api_as(owner)
    assert api.get(f"/postings/{draft}/matches").get_json() == {"posting_id": draft, "matches": []}
    assert "limit" in assert_json_error(api.get(f"/postings/{draft}/matches", limit=0), 400)["errors"]
    assert_json_error(api.get(f"/postings/{draft}/matches", limit=51), 400)
    assert_json_error(api_as(make.user()).get(f"/postings/{draft}/matches"), 404)


# --- the rest --------------------------------------------------------------------------------


def test_vocabularies_list_codes_and_names(api_as: Any, make: Factory) -> None:
    response = api_as(make.user()).get("/vocabularies")
    assert "研发需求" in response.get_data(as_text=True)  # UTF-8, not \u escapes
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert {"code": "rd_need", "label": "研发需求"} in body["kinds"]
    assert "先进制造" in body["fields"] and "安宜镇" in body["towns"]


def test_errors_are_json_never_html(api_as: Any, make: Factory, client: FlaskClient) -> None:
    api = api_as(make.user())
    response = api.client.delete("/api/v1/postings", headers=api._headers())
    assert_json_error(response, 405)
    assert "POST" in response.headers["Allow"]
    assert_json_error(api.get("/no-such-thing"), 404)
    assert_json_error(api.get("/postings/abc"), 404)
    assert "x" in assert_json_error(api.get("/vocabularies", x="1"), 400)["errors"]


@pytest.fixture
def limited(tmp_path: Any, template_db: Any) -> Any:
    """An app with tiny limits: 3 API calls and 2 creations a minute."""
    from matchmaker import create_app
    from tests.conftest import clone_database

    path = clone_database(template_db, tmp_path / "limited.sqlite3")
    # RATELIMIT_ENABLED said outright: Flask-Limiter keeps the last app's setting on its one
    # (module-wide) Limiter as the default, so an app made earlier in this worker with limits off
    # (tests/test_api_schema.py) would otherwise switch them off here too.
    app = create_app(
        app_config(
            path, API_RATE_LIMIT="3 per minute", API_WRITE_RATE_LIMIT="2 per minute", RATELIMIT_ENABLED=True
        )
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_rate_limit_answers_429_in_json(limited: Flask) -> None:
    factory = Factory(limited)
    api = Api(limited.test_client(), factory.token(factory.user()))
    assert [api.get("/vocabularies").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/vocabularies")
    assert "频繁" in assert_json_error(response, 429)["message"]
    assert int(response.headers["Retry-After"]) > 0
    other = Api(limited.test_client(), factory.token(factory.user()))
    assert other.get("/vocabularies").status_code == 200  # counted per token


def test_made_up_tokens_share_their_address_count(limited: Flask) -> None:
    client = limited.test_client()
    statuses = [
        client.get("/api/v1/postings", headers={"Authorization": f"Bearer mm_junk{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_creating_counts_against_both_limits(limited: Flask) -> None:
    factory = Factory(limited)
    api = Api(limited.test_client(), factory.token(factory.user()))
    statuses = [api.post("/postings", new_posting(title=f"研发需求第{n}号")).status_code for n in range(3)]
    assert statuses == [201, 201, 429]  # the write limit
    # the two creations also count against the shared limit of 3: one more call, then no more
    assert [api.get("/vocabularies").status_code for _ in range(2)] == [200, 429]


def test_openapi_description_is_valid_and_documented_for_humans(client: FlaskClient) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert set(spec["paths"]) >= {"/postings", "/postings/{posting_id}", "/postings/{posting_id}/matches"}
    assert "先进制造" in spec["paths"]["/postings"]["get"]["parameters"][1]["schema"]["enum"]
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for text in (
        "GET /api/v1/postings",
        "POST /api/v1/postings",
        "/matches",
        "Authorization: Bearer",
        "请求体（JSON）",
        "contact_phone",
    ):
        assert text in page


def test_nul_inside_nested_json_is_a_400_not_a_database_error(api_as: Any, make: Factory) -> None:
    """NUL is valid JSON but no database stores it (PostgreSQL refuses it even in a lookup)."""
    api = api_as(make.user())
    body = {
        "type": "new_product",
        "title": "新产品推广协议",
        "signed_on": "2025-01-01",
        "parties": [{"name": "\x00", "side": "buyer", "party_type": "enterprise"}],
    }
    response = api.post("/agreements", body)
    assert "parties" in assert_json_error(response, 400)["errors"]
