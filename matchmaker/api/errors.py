"""The API's error shape: JSON with the status and a Chinese ``message`` (plus ``errors`` per field)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db

MESSAGES = {
    400: "请求有误，请检查参数。",
    401: "需要有效的访问令牌：请在请求头中加入 Authorization: Bearer <令牌>。",
    403: "您没有权限执行此操作。",
    404: "请求的资源不存在，或您没有查看权限。",
    405: "该接口不支持此请求方法。",
    406: "该接口只返回 JSON。",
    409: "当前状态下不能执行此操作。",
    413: "请求内容过大。",
    414: "请求地址过长：请缩短查询参数，或分几次请求。",
    415: "请求体须为 JSON（Content-Type: application/json）。",
    422: "提交的内容未通过校验。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，已记录。请稍后重试，或联系主管部门。",
    503: "服务暂时不可用，请稍后再试。",
}


class ApiError(Exception):
    """Raised by API code; turned into a JSON response by the app's error mapping."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message or MESSAGES.get(status, ""))
        self.status = status
        self.message = message or MESSAGES.get(status, "请求无法完成。")
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def json_error(
    status: int,
    message: str | None = None,
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    body: dict[str, object] = {"status": status, "message": message or MESSAGES.get(status, "请求无法完成。")}
    if errors:
        body["errors"] = dict(errors)
    response = jsonify(body)
    response.status_code = status
    for name, value in headers:
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def field_error(error: FieldError, names: Mapping[str, str] | None = None) -> ApiError:
    """A service's FieldError as the API's 422, keyed by the body's member (``names`` maps the
    service's field names to the body's where they differ)."""
    key = (names or {}).get(error.field, error.field)
    return ApiError(422, errors={key: [error.message]})


@contextmanager
def committing(names: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a service's write and commit it; its FieldError rolls the session back and answers the
    API's 422 for that member (``names`` as for field_error)."""
    try:
        yield
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, names) from None
    db.session.commit()
