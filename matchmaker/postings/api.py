"""JSON API v1 for postings: list and search them, read one, create one (a draft, or submitted for
review), and the proposals its web page shows. A posting created here passes exactly the web
form's validation (PostingForm) and the services' rules: the schema (postings/schemas.py) checks
the JSON types, the form every rule, with the form's messages."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from marshmallow import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from matchmaker import policy, search
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.core.apidoc import responds
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import db, limiter
from matchmaker.core.rules import KEYWORD_SEPARATORS, MAX_KEYWORD_LENGTH, MAX_KEYWORDS
from matchmaker.postings import operations as service
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.forms import PostingForm
from matchmaker.postings.models import Posting, PostingKind, PostingStatus
from matchmaker.postings.operations import PostingDetails
from matchmaker.postings.schemas import (
    KIND_CODES,
    MatchesSchema,
    MatchQuerySchema,
    PostingInputSchema,
    PostingPageSchema,
    PostingQuerySchema,
    PostingSchema,
    Seen,
)
from matchmaker.postings.urls import get_posting_or_404
from matchmaker.taxonomy import queries as taxonomy

POSTING_ID = [{"in": "path", "name": "posting_id", "description": "信息编号。"}]
NOT_VISIBLE = "信息不存在，或调用者无权查看。"
TEXT_FIELDS = (
    "title",
    "description",
    "industry_chain",
    "ip_detail",
    "contact_name",
    "contact_phone",
    "confidential_detail",
    "maturity",
    "ip_status",
    "visibility",
    "valid_until",
)
TERM_FIELDS = {"field": "tech_field", "town": "town"}  # JSON member → the form's field
FORM_TO_JSON = {form_name: key for key, form_name in TERM_FIELDS.items()}


def _term(key: str, value: str, problems: inputs.Problems, *, active_only: bool) -> Any:
    term = taxonomy.named(key, value, active_only=active_only)
    if term is None:
        problems.add(key, f"未知的{taxonomy.label(key)}“{value[:50]}”，可选值见 /api/v1/vocabularies。")
    return term


@bp.get("/postings")
@bp.response(200, PostingPageSchema, description="一页信息。")
@bp.doc(
    operationId="listPostings",
    summary="列出信息",
    description="已发布且未过期、调用者有权查看的信息，加上调用者本单位的全部信息（含草稿、待审核）。"
    "不带 q 时按最近修改时间倒序，total 为精确总数；带 q 时为全文检索，只含已发布信息，"
    "按相关度排序，结果很多时 total 为估计值（estimated=true）。",
    responses=responds(
        {
            400: "参数有误，errors 中逐项说明。",
            503: "带 q 时：全文检索暂时不可用（索引故障，已记录）。",
        }
    ),
)
@policy.enforces("posting.see_contacts", "posting.see_confidential")
@bp.arguments(PostingQuerySchema, location="query")
def list_postings(query: dict[str, Any]) -> dict[str, Any]:
    user = api_user()
    problems = inputs.Problems()
    terms = {key: _term(key, query[key], problems, active_only=False) for key in TERM_FIELDS if key in query}
    problems.raise_if_any(400)
    query |= terms
    query["q"] = (query.get("q") or "").strip() or None
    postings, total, estimated = _search(query, user) if query["q"] else _browse(query, user)
    return {
        "items": [Seen(p, user) for p in postings],
        "page": query["page"],
        "per_page": query["per_page"],
        "total": total,
        "estimated": estimated,
    }


def _browse(query: dict[str, Any], user: Any) -> tuple[list[Posting], int, bool]:
    """Published postings the user may read plus the user's organisation's own, latest change first."""
    stmt = (
        select(Posting)
        .where(or_(policy.listed_postings(user), policy.own_postings(user)))
        .options(
            selectinload(Posting.organization), selectinload(Posting.tech_field), selectinload(Posting.town)
        )
        .order_by(Posting.updated_at.desc(), Posting.id.desc())
    )
    if query.get("kind"):
        stmt = stmt.where(Posting.kind == query["kind"])
    if query.get("field"):
        stmt = stmt.where(Posting.tech_field_id == query["field"].id)
    if query.get("town"):
        stmt = stmt.where(Posting.town_id == query["town"].id)
    page = db.paginate(stmt, page=query["page"], per_page=query["per_page"], error_out=False)
    return list(page.items), page.total or 0, False


def _search(query: dict[str, Any], user: Any) -> tuple[list[Posting], int, bool]:
    """Full-text search over published postings, best first (the web search page's ranking)."""
    found = search.find(
        query["q"],
        kind=query.get("kind"),
        tech_field_id=query["field"].id if query.get("field") else None,
        town_id=query["town"].id if query.get("town") else None,
    )
    results = posting_queries.search_page(found, user, page=query["page"], per_page=query["per_page"])
    return results.items, results.page.total or 0, found.capped


def _messages(found: Any) -> list[str]:
    """marshmallow's messages for one member (a list item's nested under its index) → flat."""
    if isinstance(found, dict):
        return [m for inner in found.values() for m in _messages(inner)]
    return [str(m) for m in found]


def _details(payload: dict[str, Any], kind: PostingKind) -> tuple[PostingDetails, bool]:
    """A new posting's body: its JSON types checked by the schema, then the web form's rules;
    422 with every problem by JSON member."""
    problems = inputs.Problems()
    try:
        body = PostingInputSchema().load(payload)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        for key, found in messages.items():
            for message in dict.fromkeys(_messages(found)):
                problems.add(str(key)[:50].encode("utf-8", "replace").decode(), message)
        body = error.valid_data if isinstance(error.valid_data, dict) else {}
    data: MultiDict[str, str] = MultiDict()
    for key in TEXT_FIELDS:
        if isinstance(body.get(key), str):
            data.add(key, body[key])
    for key, form_name in TERM_FIELDS.items():
        value = body.get(key)
        if value and value.strip():
            term = _term(key, value, problems, active_only=True)
            if term is not None:
                data.add(form_name, str(term.id))
    _keywords(body.get("keywords"), data, problems)
    for mode in dict.fromkeys(body.get("cooperation_modes") or []):
        data.add("cooperation_modes", mode)
    if body.get("budget") is not None:
        data.add("budget", str(payload["budget"]))
    form = PostingForm(formdata=data, meta={"csrf": False}, kind=kind)
    if not form.validate():
        for name, messages in form.errors.items():
            for message in messages:
                problems.add(FORM_TO_JSON.get(name, name), message)
    problems.raise_if_any(422)
    return form.details(), body.get("submit") is True


def _keywords(value: list[str] | None, data: MultiDict[str, str], problems: inputs.Problems) -> None:
    """The keywords as one of the form's texts, once each is one word (the list's own rules)."""
    if value is None:
        return
    if len(value) > MAX_KEYWORDS:
        problems.add("keywords", f"关键词最多{MAX_KEYWORDS}个。")
    elif any(not k.strip() or len(k) > MAX_KEYWORD_LENGTH for k in value):
        problems.add("keywords", f"每个关键词应为1到{MAX_KEYWORD_LENGTH}个字。")
    elif any(KEYWORD_SEPARATORS.search(k) for k in value):
        problems.add("keywords", "每项只写一个关键词，不含空格、逗号、顿号或分号。")
    else:
        data.add("keywords", "、".join(value))


@bp.post("/postings")
@bp.response(201, PostingSchema, description="已创建；Location 头为新信息的地址。")
@bp.doc(
    operationId="createPosting",
    summary="发布信息",
    description="为调用者本单位新建一条信息，校验规则与网页表单相同。默认保存为草稿；"
    '"submit": true 时同时提交主管部门审核（单位须已通过认证），审核通过后公开。'
    "企业可发研发需求、配套需求、配套供给，高校院所可发科技成果。",
    requestBody={"required": True, "content": {"application/json": {"schema": PostingInputSchema}}},
    responses=responds(
        {
            400: "请求体不是 JSON 对象。",
            403: "调用者的角色不能发布此类型的信息（如主管部门账号，或高校发布需求）。",
            422: "内容未通过校验，errors 中逐字段说明；未保存任何内容。",
        }
    ),
)
@policy.enforces("posting.create", "posting.submit", "posting.see_contacts", "posting.see_confidential")
@limiter.limit(write_limit, override_defaults=False)
def create_posting() -> tuple[Seen, int, dict[str, str]]:
    """A posting for the caller's organisation: a draft, or submitted for review with "submit": true."""
    user = api_user()
    payload = inputs.json_body()
    if not isinstance(payload, dict):
        raise ApiError(400, "请求体须为 JSON 对象（Content-Type: application/json）。")
    code: Any = payload.get("kind")  # a JSON value: anything but a known code is a ValueError
    try:
        kind = PostingKind(code)
    except ValueError:
        raise ApiError(422, errors={"kind": [f"请填写有效的类型，可选：{KIND_CODES}。"]}) from None
    if not policy.may(user, "posting.create", kind):
        raise ApiError(403, f"{user.role.label}用户不能发布“{kind.label}”。")
    details, submit = _details(payload, kind)
    posting = service.create_posting(kind, details, actor=user)
    if submit:
        try:
            service.submit_posting(posting, actor=user)
        except InvalidTransition as error:
            db.session.rollback()
            raise ApiError(422, errors={"submit": [error.message]}) from None
    db.session.commit()
    return Seen(posting, user), 201, {"Location": url_for("api.get_posting", posting_id=posting.id)}


@bp.get("/postings/<int:posting_id>", parameters=POSTING_ID)
@bp.response(200, PostingSchema, description="信息详情。")
@bp.doc(
    operationId="getPosting",
    summary="查看一条信息",
    description="保密信息（confidential_detail）只对发布单位和主管部门返回。",
    responses=responds({400: "带了不支持的参数。", 404: NOT_VISIBLE}),
)
@policy.enforces("posting.view", "posting.see_contacts", "posting.see_confidential")
def get_posting(posting_id: int) -> Seen:
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    return Seen(get_posting_or_404(posting_id, viewer=user), user)


@bp.get("/postings/<int:posting_id>/matches", parameters=POSTING_ID)
@bp.response(200, MatchesSchema, description="推荐列表。")
@bp.doc(
    operationId="getPostingMatches",
    summary="推荐对接",
    description="与网页上“推荐对接”相同的结果：互补类型、非本单位、已发布未过期且调用者可见的信息，"
    "按匹配度（0–100）从高到低，并给出双方共有的关键词。信息本身未发布或已过期时为空列表。",
    responses=responds({400: "参数有误。", 404: NOT_VISIBLE, 503: "推荐暂时不可用（索引故障，已记录）。"}),
)
@policy.enforces("posting.view")
@bp.arguments(MatchQuerySchema, location="query")
def posting_matches(query: dict[str, Any], posting_id: int) -> dict[str, Any]:
    """The proposals the posting's web page shows, best first (none unless it is published and current)."""
    user = api_user()
    posting = get_posting_or_404(posting_id, viewer=user)
    proposals: list[posting_queries.Proposal] = []
    if posting.status is PostingStatus.PUBLISHED and not posting.is_expired:
        proposals = posting_queries.proposals(
            posting, user, limit=query["limit"], min_strength=posting_queries.SHOWN_MIN_STRENGTH
        )
    return {"posting_id": posting.id, "matches": proposals}
