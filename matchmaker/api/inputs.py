"""The API shell's input helpers shared by the resources: the query-string paging members of their
schemas (``page_fields``), unknown query parameters refused, problems collected per field, the
JSON body read."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import fields
from werkzeug.datastructures import MultiDict

from matchmaker.api.errors import ApiError
from matchmaker.core.apidoc import Range
from matchmaker.core.web import MAX_PAGE

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


def reject_unknown_params(args: MultiDict[str, str], allowed: frozenset[str]) -> None:
    """A misspelt parameter (per-page, fields…) is an error, not silently a different query."""
    problems = Problems()
    for name in sorted(set(args) - allowed):
        problems.add(name[:50], "不支持的参数。")
    problems.raise_if_any(400)


# --- request bodies ---------------------------------------------------------------------------


def json_body() -> Any:
    """The parsed JSON body, or None when it is missing, malformed or absurdly nested."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None
