"""JSON and query-string input → the same forms and services the web app uses.

A posting created through the API passes exactly the web form's validation (PostingForm) and the
services' rules; this module only translates JSON types and names to the form's and back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from matchmaker.api.errors import ApiError
from matchmaker.core.extensions import db
from matchmaker.core.rules import KEYWORD_SEPARATORS, MAX_KEYWORD_LENGTH, MAX_KEYWORDS
from matchmaker.core.web import MAX_ID, MAX_PAGE
from matchmaker.postings.forms import PostingForm
from matchmaker.postings.models import PostingKind
from matchmaker.postings.operations import PostingDetails
from matchmaker.taxonomy.models import TaxonomyMixin, TechField, Town

MAX_PER_PAGE = 100
MAX_MATCHES = 50


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
TERM_FIELDS: dict[str, tuple[str, type[TaxonomyMixin]]] = {
    "field": ("tech_field", TechField),
    "town": ("town", Town),
}
POSTING_FIELDS = frozenset(
    {*TEXT_FIELDS, *TERM_FIELDS, "kind", "keywords", "cooperation_modes", "budget", "submit"}
)
FORM_TO_JSON = {form_name: key for key, (form_name, _) in TERM_FIELDS.items()}
KIND_CODES = "、".join(k.value for k in PostingKind)


class Problems:
    """Field → messages, collected before answering 400/422 once with all of them."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self, status: int) -> None:
        if self.errors:
            raise ApiError(status, errors=self.errors)


def find_term(model: type[TaxonomyMixin], name: str, *, active_only: bool) -> Any:
    stmt = select(model).where(model.name == name.strip())
    if active_only:
        stmt = stmt.where(model.active.is_(True))
    return db.session.scalar(stmt)


def term_names(model: type[TaxonomyMixin], *, active_only: bool = True) -> list[str]:
    return [t.name for t in db.session.scalars(model.ordered(active_only=active_only))]


# --- query strings ----------------------------------------------------------------------------

LIST_PARAMS = frozenset({"kind", "field", "town", "q", "page", "per_page"})
MATCH_PARAMS = frozenset({"limit"})


def are_ids(values: list[Any]) -> bool:
    """Every member of a JSON list is a record id (an integer in range, not a boolean)."""
    return all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in values)


def reject_unknown_params(args: MultiDict[str, str], allowed: frozenset[str]) -> None:
    """A misspelt parameter (per-page, fields…) is an error, not silently a different query."""
    problems = Problems()
    for name in sorted(set(args) - allowed):
        problems.add(name[:50], "不支持的参数。")
    problems.raise_if_any(400)


def int_param(args: MultiDict[str, str], name: str, default: int, maximum: int, problems: Problems) -> int:
    value = args.get(name)
    if value is None:
        return default
    if value.isascii() and value.isdigit() and 0 < int(value) <= maximum:
        return int(value)
    problems.add(name, f"应为1到{maximum}之间的整数。")
    return default


@dataclass
class ListQuery:
    kind: PostingKind | None
    tech_field: TechField | None
    town: Town | None
    q: str | None
    page: int
    per_page: int


def list_query(args: MultiDict[str, str]) -> ListQuery:
    """``GET /postings`` parameters, or 400 naming every bad one."""
    reject_unknown_params(args, LIST_PARAMS)
    problems = Problems()
    kind = None
    if "kind" in args:
        try:
            kind = PostingKind(args["kind"])
        except ValueError:
            problems.add("kind", f"类型无效，可选：{KIND_CODES}。")
    terms: dict[str, Any] = {}
    for key, (_, model) in TERM_FIELDS.items():
        if key in args:
            terms[key] = find_term(model, args[key], active_only=False)
            if terms[key] is None:
                problems.add(key, f"未知的{model.label}“{args[key][:50]}”，可选值见 /api/v1/vocabularies。")
    query = ListQuery(
        kind=kind,
        tech_field=terms.get("field"),
        town=terms.get("town"),
        q=args.get("q", "").strip() or None,
        page=int_param(args, "page", 1, MAX_PAGE, problems),
        per_page=int_param(args, "per_page", 20, MAX_PER_PAGE, problems),
    )
    problems.raise_if_any(400)
    return query


def match_limit(args: MultiDict[str, str]) -> int:
    reject_unknown_params(args, MATCH_PARAMS)
    problems = Problems()
    limit = int_param(args, "limit", 10, MAX_MATCHES, problems)
    problems.raise_if_any(400)
    return limit


# --- request bodies ---------------------------------------------------------------------------


def json_body() -> Any:
    """The parsed JSON body, or None when it is missing, malformed or absurdly nested."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def encodable(value: Any) -> bool:
    """False for strings with lone surrogates or NUL ("\\ud800", "\\u0000": valid JSON, but text no
    database stores: PostgreSQL refuses NUL outright)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    elif isinstance(value, list):
        return all(encodable(item) for item in value)
    elif isinstance(value, dict):
        return all(encodable(k) and encodable(v) for k, v in value.items())
    return True


def posting_kind(payload: Any) -> PostingKind:
    """The ``kind`` of a new posting's JSON body (400 for a body that is not an object)."""
    if not isinstance(payload, dict):
        raise ApiError(400, "请求体须为 JSON 对象（Content-Type: application/json）。")
    code: Any = payload.get("kind")  # a JSON value: anything but a known code is a ValueError
    try:
        return PostingKind(code)
    except ValueError:
        raise ApiError(422, errors={"kind": [f"请填写有效的类型，可选：{KIND_CODES}。"]}) from None


def posting_details(payload: dict[str, Any], kind: PostingKind) -> tuple[PostingDetails, bool]:
    """Validate a new posting's body with the web form; 422 with every problem by JSON field."""
    problems = Problems()
    for key in sorted(payload.keys() - POSTING_FIELDS):
        problems.add(str(key)[:50].encode("utf-8", "replace").decode(), "不支持的字段。")
    for key in sorted(POSTING_FIELDS & payload.keys()):
        if not encodable(payload[key]):
            problems.add(key, "含有无效的字符。")
            payload = {k: v for k, v in payload.items() if k != key}
    data: MultiDict[str, str] = MultiDict()
    for key in TEXT_FIELDS:
        value = payload.get(key)
        if isinstance(value, str):
            data.add(key, value)
        elif value is not None:
            problems.add(key, "应为字符串。")
    for key, (form_name, model) in TERM_FIELDS.items():
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            term = find_term(model, value, active_only=True)
            if term is None:
                problems.add(key, f"未知的{model.label}“{value[:50]}”，可选值见 /api/v1/vocabularies。")
            else:
                data.add(form_name, str(term.id))
        elif value is not None and value != "":
            problems.add(key, "应为字符串。")
    _keywords(payload.get("keywords"), data, problems)
    modes = payload.get("cooperation_modes")
    if modes is not None:
        if isinstance(modes, list) and all(isinstance(m, str) for m in modes):
            for mode in dict.fromkeys(modes):
                data.add("cooperation_modes", mode)
        else:
            problems.add("cooperation_modes", "应为字符串数组。")
    budget = payload.get("budget")
    if budget is not None:
        if isinstance(budget, int | float) and not isinstance(budget, bool) and math.isfinite(budget):
            data.add("budget", str(budget))
        else:
            problems.add("budget", "应为数字（万元）。")
    submit = payload.get("submit", False)
    if not isinstance(submit, bool):
        problems.add("submit", "应为 true 或 false。")

    form = PostingForm(formdata=data, meta={"csrf": False}, kind=kind)
    if not form.validate():
        for name, messages in form.errors.items():
            for message in messages:
                problems.add(FORM_TO_JSON.get(name, name), message)
    problems.raise_if_any(422)
    return form.details(), submit is True


def _keywords(value: Any, data: MultiDict[str, str], problems: Problems) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        problems.add("keywords", "应为字符串数组。")
    elif len(value) > MAX_KEYWORDS:
        problems.add("keywords", f"关键词最多{MAX_KEYWORDS}个。")
    elif any(not k.strip() or len(k) > MAX_KEYWORD_LENGTH for k in value):
        problems.add("keywords", f"每个关键词应为1到{MAX_KEYWORD_LENGTH}个字。")
    elif any(KEYWORD_SEPARATORS.search(k) for k in value):
        problems.add("keywords", "每项只写一个关键词，不含空格、逗号、顿号或分号。")
    else:
        data.add("keywords", "、".join(value))
