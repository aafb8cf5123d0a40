"""Schemas generate the API's contract: flask-smorest (marshmallow + apispec) parses a request
against a resource's input schema, serialises the answer with its output schema, and writes both
into /api/v1/openapi.json. docs/API-SCHEMAS.md says how a resource is converted.

This module is plumbing only: it knows nothing of postings, plans or any other capability.
- ``Schema`` and the fields below answer in Chinese and are as strict as the JSON types say
  (no "2027" for an integer, no 1 for a boolean, no lone surrogates or NUL in text).
- A request that fails its schema answers exactly as the hand-written API did: 400 when the body is
  not a JSON object, has members the resource does not take or members of the wrong JSON type (and
  for every query-string problem); 422 for everything else (required, limits, choices), with
  ``errors`` per field: ``{"status": 422, "message": "提交的内容未通过校验。", "errors": {...}}``.
- ``document(head)`` is the served document: the app's head (info, servers, security) with the
  paths and components the resources' schemas generate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from datetime import date
from functools import wraps
from typing import Any

import flask_smorest
import marshmallow
from flask import Flask, Response, current_app, jsonify
from marshmallow import ValidationError, fields, validate
from webargs.flaskparser import FlaskParser

__all__ = [
    "Blueprint",
    "Boolean",
    "Day",
    "Id",
    "Integer",
    "ItemCount",
    "Length",
    "List",
    "Nested",
    "Number",
    "OneOf",
    "Output",
    "Range",
    "Regexp",
    "Schema",
    "String",
    "before_body",
    "document",
    "init_app",
    "or_null",
    "register",
    "responds",
    "vocabulary",
]

OPENAPI_VERSION = "3.0.3"

# --- messages ---------------------------------------------------------------------------------

VALIDATION_FAILED = "提交的内容未通过校验。"  # matchmaker/api/errors.py MESSAGES[422]
BAD_REQUEST = "请求有误，请检查参数。"  # and MESSAGES[400]
NOT_AN_OBJECT = "请求体须为 JSON 对象。"
UNKNOWN_FIELD = "不支持的字段。"
UNKNOWN_PARAM = "不支持的参数。"
WRONG_TYPE = "类型不正确。"
UNENCODABLE = "含有无法保存的字符。"
REQUIRED = "必填。"
NOT_NULL = "不能为 null。"
INVALID_ID = "编号无效。"
# What makes a body "bad" (400) rather than "not valid" (422), as the hand-written API answered.
BAD_REQUEST_MESSAGES = frozenset({NOT_AN_OBJECT, UNKNOWN_FIELD, WRONG_TYPE, UNENCODABLE, INVALID_ID})

FIELD_MESSAGES = {
    "required": REQUIRED,
    "null": NOT_NULL,
    "validator_failed": "取值无效。",
    "invalid": WRONG_TYPE,
    "type": WRONG_TYPE,
    "too_large": "数值过大。",
    "invalid_utf8": UNENCODABLE,
    "unencodable": UNENCODABLE,
    "special": WRONG_TYPE,
}


class Length(validate.Length):
    message_min = "至少{min}个字。"
    message_max = "最多{max}个字。"
    message_all = "应为{min}到{max}个字。"
    message_equal = "应为{equal}个字。"


class ItemCount(validate.Length):
    """A list's length: ``maxItems`` in the document."""

    message_min = "至少{min}项。"
    message_max = "最多{max}项。"
    message_all = "应为{min}到{max}项。"
    message_equal = "应为{equal}项。"


class Range(validate.Range):
    # marshmallow formats these twice: first the bounds' wording ({min_op}), then the numbers.
    message_min = "应{min_op}。"
    message_max = "应{max_op}。"
    message_all = "应{min_op}且{max_op}。"
    message_gte = "不小于{min}"
    message_gt = "大于{min}"
    message_lte = "不大于{max}"
    message_lt = "小于{max}"


class OneOf(validate.OneOf):
    default_message = "可选：{choices}。"

    def _format_error(self, value: Any) -> str:
        return (self.error or self.default_message).format(
            input=value, choices="、".join(str(c) for c in self.choices), labels=self.labels
        )


class Regexp(validate.Regexp):
    default_message = "格式不正确。"


def encodable(value: str) -> bool:
    """False for text no database stores: NUL (PostgreSQL refuses it) and lone surrogates."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- fields: as strict as JSON's types ----------------------------------------------------------


class String(fields.String):
    default_error_messages = {"unencodable": UNENCODABLE}  # noqa: RUF012 (marshmallow's API)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not encodable(value):
            raise self.make_error("unencodable")
        return value


class Integer(fields.Integer):
    """A JSON integer: not "2027", not 2027.0, not true."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class Id(Integer):
    """A record's id in a body: a JSON integer from 1 to ``maximum`` (the URLs' MAX_ID); any other
    number is a bad request (400 "编号无效。"), as the hand-written API answered."""

    def __init__(self, maximum: int, **kwargs: Any) -> None:
        metadata = {"minimum": 1, "maximum": maximum, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.maximum = maximum

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if not 0 < number <= self.maximum:
            raise ValidationError(INVALID_ID)
        return number


class Boolean(fields.Boolean):
    """A JSON boolean: not 1, not "yes"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Number(fields.Float):
    """A JSON number (integer or not): not "4.5", not true. Answers dump as JSON numbers."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return value


class Day(String):
    """A date written YYYY-MM-DD (``format: date``), given to the view as text: a JSON string that is
    no such date is refused with ``message`` (422), one that is no string at all as the wrong type."""

    def __init__(self, message: str = "日期应写成 2026-06-30 的形式。", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metadata = {"format": "date", **self.metadata}
        self.day_message = message

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ValidationError(self.day_message) from None
        return text


List = fields.List
Nested = fields.Nested


def or_null(schema: Any, description: str | None = None, **kwargs: Any) -> fields.Nested:
    """An object or null in an answer, documented ``allOf: [$ref], nullable: true`` as the saved
    contract has it (apispec writes ``allow_none`` as an ``anyOf``; dumping is the same)."""
    metadata: dict[str, Any] = {"nullable": True}
    if description:
        metadata["description"] = description
    return Nested(schema, metadata=metadata, **kwargs)


class Schema(marshmallow.Schema):
    """The base of every API schema: unknown members refused, messages in Chinese."""

    class Meta:
        unknown = marshmallow.RAISE

    error_messages = {"unknown": UNKNOWN_FIELD, "type": NOT_AN_OBJECT}  # noqa: RUF012 (marshmallow's API)

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        messages = field_obj.error_messages
        for key in messages.keys() & FIELD_MESSAGES.keys():
            messages[key] = FIELD_MESSAGES[key]
        if isinstance(field_obj, fields.List):  # a list's items: List(Integer()) answers in Chinese too
            inner = field_obj.inner.error_messages
            for key in inner.keys() & FIELD_MESSAGES.keys():
                inner[key] = FIELD_MESSAGES[key]
        if isinstance(field_obj, fields.Nested | fields.List):
            messages["type"] = messages["invalid"] = WRONG_TYPE


class Output(Schema):
    """The base of an answer's schema: documented without ``additionalProperties`` (the API may
    add members; clients ignore what they do not know)."""

    class Meta:
        unknown = marshmallow.EXCLUDE


# --- vocabularies: enumerations this installation keeps in its database -------------------------

# values: the names, and None where the member may be null
_VOCABULARIES: dict[str, Callable[[], Sequence[str | None]]] = {}
VOCABULARY_KEY = "x-vocabulary"


def vocabulary(name: str, values: Callable[[], Sequence[str | None]]) -> dict[str, str]:
    """A field's metadata whose document ``enum`` is ``values()`` at the time the document is
    served (e.g. the enterprise tiers staff may rename): ``String(metadata=vocabulary(...))``.
    The field's validation is the caller's (the view looks the value up anyway)."""
    _VOCABULARIES[name] = values
    return {VOCABULARY_KEY: name}


def _fill_vocabularies(node: Any) -> Any:
    if isinstance(node, list):
        return [_fill_vocabularies(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _fill_vocabularies(value) for key, value in node.items() if key != VOCABULARY_KEY}
    if VOCABULARY_KEY in node:
        out["enum"] = _VOCABULARIES[node[VOCABULARY_KEY]]()
    return out


# --- parsing and its errors --------------------------------------------------------------------


class AbortWith(Exception):
    """A request refused by its schema, answered in the API's error shape (matchmaker/api/errors.py
    json_error): ``{"status": 422, "message": "提交的内容未通过校验。", "errors": {...}}``."""

    def __init__(
        self, status: int, message: str | None = None, errors: Mapping[str, list[str]] | None = None
    ) -> None:
        super().__init__(message or "")
        self.status, self.errors = status, dict(errors) if errors else None
        self.message = message or (VALIDATION_FAILED if status == 422 else BAD_REQUEST)

    def response(self) -> Response:
        body: dict[str, Any] = {"status": self.status, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        answer = jsonify(body)
        answer.status_code = self.status
        return answer


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages → the API's: keyed by the body's member, or ``member[n]`` for
    an item of a list, deeper members named in the message (``{"targets[0]": ["value 类型不正确。"]}``)."""
    out: dict[str, list[str]] = {}

    def add(key: str, where: str, found: Any) -> None:
        if isinstance(found, dict):
            for name, inner in found.items():
                if isinstance(name, int):
                    add(f"{key}[{name}]" if not where else key, f"{where}[{name}]" if where else "", inner)
                elif name == marshmallow.schema.SCHEMA:
                    add(key, where, inner)
                else:
                    add(key, f"{where}.{name}" if where else str(name)[:50], inner)
            return
        for message in found:
            message = str(message)
            if key and message == NOT_AN_OBJECT:
                message = "应为 JSON 对象。"
            out.setdefault(key or "_body", []).append(f"{where} {message}" if where else message)

    for name, found in messages.items() if isinstance(messages, dict) else [("", messages)]:
        if name == marshmallow.schema.SCHEMA:
            name = ""
        add(prefix + str(name)[:50], "", found)
    return out


OPTIONAL_BODY = "_optional_body"  # set on the schema of a body the operation may be called without


class Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 422
    # The schema's own rule (Schema: RAISE) for query strings too: a misspelt parameter is an
    # error, not silently a different query.
    DEFAULT_UNKNOWN_BY_LOCATION = {  # noqa: RUF012 (webargs' API)
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def load_json(self, req: Any, schema: marshmallow.Schema) -> Any:
        if getattr(schema, OPTIONAL_BODY, False) and not req.get_data():
            return marshmallow.missing  # an optional body left out: read as {}
        try:
            payload = req.get_json(silent=True)
        except RecursionError:
            payload = None
        if not isinstance(payload, dict):
            raise AbortWith(400, NOT_AN_OBJECT)
        return payload

    def handle_error(
        self,
        error: ValidationError,
        req: Any,
        schema: marshmallow.Schema,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> Any:
        location = next(iter(error.messages)) if isinstance(error.messages, dict) else "json"
        messages = error.messages[location] if isinstance(error.messages, dict) else error.messages
        errors = _flatten(messages)
        if location == "query":
            errors = {
                key: [UNKNOWN_PARAM if m == UNKNOWN_FIELD else m for m in found]
                for key, found in errors.items()
            }
            raise AbortWith(400, errors=errors)
        if "_body" in errors:
            raise AbortWith(400, NOT_AN_OBJECT)
        bad = {
            key: found
            for key, found in errors.items()
            if re.fullmatch(r"[^.\[]+", key) and BAD_REQUEST_MESSAGES.intersection(found)
        }
        # Text no database stores is the body's fault wherever it is (a party's name, a list's
        # item): 400, named by the body's member, as the hand-written API answered.
        for key, found in errors.items():
            if any(message.endswith(UNENCODABLE) for message in found):
                bad.setdefault(re.split(r"[.\[]", key, maxsplit=1)[0], [UNENCODABLE])
        if bad:
            raise AbortWith(400, errors=bad)
        raise AbortWith(error_status_code or 422, errors=errors)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint (a Flask Blueprint: names and URLs as with Flask's), parsing with
    the Parser above, and documenting only the error responses a view declares (``responds``)."""

    ARGUMENTS_PARSER = Parser()

    def arguments(
        self, schema: Any, *, required: bool = True, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if not required:  # ``required=False``: a request without a body is one with {}
            schema = schema() if isinstance(schema, type) else schema
            setattr(schema, OPTIONAL_BODY, True)
        inner = super().arguments(schema, required=required, **kwargs)

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            view = inner(func)
            view._apidoc["arguments"].pop("responses", None)
            return view

        return decorator


ERROR_REF = {"$ref": "#/components/schemas/Error"}


def before_body(check: Callable[..., object]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``check(**url_values)`` — the resource's 404, the caller's 403, a state's 409 — runs before
    the body or query string is parsed, so a request answers in the order the hand-written API did:
    goes above ``@bp.arguments``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check(**kwargs)
            return view(*args, **kwargs)

        return checked

    return decorate


def responds(errors: Mapping[int, str], *, common: bool = True) -> dict[str, Any]:
    """The error responses of an operation, for ``@bp.doc(responses=responds({403: "…"}))``:
    each is the Error schema with its Chinese description; 401 and 429 are added (every call
    needs a token and counts against the rate limit) unless ``common`` is False."""
    described = dict(errors)
    if common:
        described.setdefault(401, "缺少访问令牌，或令牌无效、已过期、已吊销。")
        described.setdefault(429, "请求过于频繁（按令牌计数），请按 Retry-After 头等待后重试。")
    return {
        str(status): {"description": text, "content": {"application/json": {"schema": ERROR_REF}}}
        for status, text in described.items()
    }


class ErrorSchema(Output):
    status = Integer(required=True)
    message = String(required=True, metadata={"description": "中文说明。"})
    errors = fields.Dict(
        keys=String(), values=List(String()), metadata={"description": "字段 → 问题列表（校验错误时）。"}
    )


# --- the Api, per app --------------------------------------------------------------------------


class _Api(flask_smorest.Api):
    DEFAULT_ERROR_RESPONSE_NAME = None  # error responses are declared per operation (responds)
    ERROR_SCHEMA = ErrorSchema  # the component "Error" that responds() refers to


def init_app(app: Flask) -> None:
    """The app's flask-smorest Api (one per app: the tests make hundreds). It serves no document
    of its own: /api/v1/openapi.json is the API's view, which calls ``document``."""
    app.config.setdefault("API_TITLE", "API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", OPENAPI_VERSION)
    api = _Api(app)
    app.extensions["apidoc"] = api
    app.register_error_handler(AbortWith, AbortWith.response)


def register(
    app: Flask, blueprint: flask_smorest.Blueprint, converters: Iterable[tuple[type, dict[str, Any]]] = ()
) -> None:
    """Register ``blueprint`` in ``app`` and its routes in the document; ``converters`` give the
    path parameters' schema for the app's own URL converters."""
    api: flask_smorest.Api = app.extensions["apidoc"]
    for converter, schema in converters:
        api.register_converter(converter, lambda _c, schema=schema: dict(schema))
    api.register_blueprint(blueprint)


def document(head: dict[str, Any], prefix: str = "/api/v1") -> dict[str, Any]:
    """The served document: ``head`` (what no schema says: info, servers, security and its
    schemes) with every operation that declares an answer (``@bp.response``, or a 2xx in
    ``@bp.doc(responses=...)``) and the components the schemas generate."""
    generated = _fill_vocabularies(deepcopy(current_app.extensions["apidoc"].spec.to_dict()))
    paths: dict[str, Any] = {}
    for path, item in generated.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        operations = {}
        shared = item.get("parameters", [])  # the path's own (plan_id…): per operation, as by hand
        for method, operation in item.items():
            if method == "parameters" or not any(
                code.startswith("2") for code in operation.get("responses", {})
            ):
                continue
            operation.pop("tags", None)
            if shared:
                operation["parameters"] = [*shared, *operation.get("parameters", [])]
            operations[method] = operation
        if operations:
            paths[path.removeprefix(prefix) or "/"] = operations
    served = deepcopy(head)
    served["paths"] = paths
    components = served.setdefault("components", {})
    components["schemas"] = generated.get("components", {}).get("schemas", {})
    return served
