"""JSON API v1: the API's own description. /openapi.json is generated from the resources' schemas
(core/apidoc.document) under the head below; /docs is the same document as a readable page."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.api.blueprint import bp
from matchmaker.core import apidoc

VERSION = "1.0.0"

# What no resource's schema says: the title, how to authenticate, the error shape, the units.
HEAD: dict[str, Any] = {
    "openapi": apidoc.OPENAPI_VERSION,
    "info": {
        "title": "宝应县专精特新产学研供需对接平台 API",
        "version": VERSION,
        "description": (
            "供省、市平台对接和脚本使用。所有接口（本说明除外）都需要访问令牌："
            "在“我的账号 → API 访问令牌”中创建，或由管理员运行 "
            "flask --app matchmaker create-token 邮箱。请求头：Authorization: Bearer <令牌>。"
            "令牌以其用户的身份和权限操作，与网页完全一致。\n\n"
            '错误一律返回 JSON：{"status": 状态码, "message": "中文说明"}，'
            '校验错误另有 errors：{"字段": ["问题"]}。'
            "时间为带时区的 ISO 8601（UTC），日期为 YYYY-MM-DD，金额单位为万元。"
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "components": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "在“我的账号 → API 访问令牌”创建的令牌，形如 mm_…",
            }
        },
    },
}


@bp.get("/openapi.json")
@bp.doc(
    operationId="getOpenApi",
    summary="本说明（OpenAPI 3）",
    description="无需令牌。可读版本见 /api/v1/docs。",
    security=[],
    responses={
        "200": {
            "description": "OpenAPI 3 文档。",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **{code: answer for code, answer in apidoc.responds({}).items() if code == "429"},
    },
)
@policy.enforces(policy.PUBLIC)
def openapi_json() -> Response:
    return jsonify(apidoc.document(HEAD))


@bp.get("/docs")
@policy.enforces(policy.PUBLIC)
def docs() -> str:
    description = apidoc.document(HEAD)
    return render_template("api/docs.html", spec=description, operations=operations(description))


def operations(description: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) in reading order, for the readable page."""
    return [
        (method.upper(), path, operation)
        for path, item in description["paths"].items()
        for method, operation in item.items()
    ]
