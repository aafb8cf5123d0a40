"""The API shell's input helpers shared by the resources: query-string paging (``page_fields`` for
the resources declared with schemas; ``paging``, ``body_of`` and ``field_error`` for the
hand-written ones until they are converted), problems collected per field, vocabulary look-ups."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import fields
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from matchmaker.api.errors import ApiError
from matchmaker.core.apidoc import Range
from matchmaker.core.extensions import db
from matchmaker.core.web import MAX_ID, MAX_PAGE
from matchmaker.taxonomy.models import TaxonomyMixin

MAX_PER_PAGE = 100


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


def page_fields() -> dict[str, fields.Integer]:
    """``page`` and ``per_page`` of a list's query-string schema: ``page = page_fields()["page"]``."""
    return {
        "page": fields.Integer(
            load_default=1, validate=Range(1, MAX_PAGE), metadata={"description": "页码。"}
        ),
        "per_page": fields.Integer(
            load_default=20, validate=Range(1, MAX_PER_PAGE), metadata={"description": "每页条数。"}
        ),
    }


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


def body_of(allowed: dict[str, type], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object: 400 for a body of the wrong shape (not an object, unknown
    members, wrong JSON types), 422 for a required member missing."""
    payload = json_body()
    if not isinstance(payload, dict):
        raise ApiError(400, "请求体须为 JSON 对象。")
    problems = Problems()
    for key in sorted(set(payload) - set(allowed)):
        problems.add(str(key)[:50], "不支持的字段。")
    for key, kind in allowed.items():
        value = payload.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            problems.add(key, "类型不正确。")
        elif not encodable(value):  # strings, and strings inside lists and objects
            problems.add(key, "含有无法保存的字符。")
        elif isinstance(value, int) and kind is int and not 0 < value <= MAX_ID:
            problems.add(key, "编号无效。")
    problems.raise_if_any(400)
    for key in required:
        if payload.get(key) is None or payload[key] == "":
            problems.add(key, "必填。")
    problems.raise_if_any(422)
    return payload


def paging(args: Any, allowed: frozenset[str]) -> tuple[int, int, Problems]:
    reject_unknown_params(args, allowed)
    problems = Problems()
    page = int_param(args, "page", 1, MAX_PAGE, problems)
    per_page = int_param(args, "per_page", 20, MAX_PER_PAGE, problems)
    return page, per_page, problems
