"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json and rendered at /api/v1/docs.

Written out here rather than generated: the API is small, and a description one can read top to
bottom is the contract the provincial and city platforms code against. tests/test_api_schema.py
runs Schemathesis against it, so it can't drift from what the views do.
"""

from __future__ import annotations

from typing import Any

from matchmaker.api.inputs import MAX_PER_PAGE
from matchmaker.core.web import MAX_PAGE

VERSION = "1.0.0"


def _codes(enum: Any, *, nullable: bool = False) -> dict[str, Any]:
    values: list[Any] = [m.value for m in enum]
    described = "；".join(f"{m.value}={m.label}" for m in enum)
    schema: dict[str, Any] = {"type": "string", "enum": values, "description": described}
    if nullable:
        schema["nullable"] = True
        schema["enum"] = [*values, None]
    return schema


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, schema_ref: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


COMMON_ERRORS = {
    "401": _error("缺少访问令牌，或令牌无效、已过期、已吊销。"),
    "429": _error("请求过于频繁（按令牌计数），请按 Retry-After 头等待后重试。"),
}


def _integer_param(name: str, where: str, description: str, maximum: int, default: int | None = None) -> dict:
    schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": maximum}
    if default is not None:
        schema["default"] = default
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
    }


PAGING = [
    _integer_param("page", "query", "页码。", MAX_PAGE, 1),
    _integer_param("per_page", "query", "每页条数。", MAX_PER_PAGE, 20),
]


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def spec() -> dict[str, Any]:
    """The description, with this installation's 技术领域 and 镇区 as enumerations."""
    return {
        "openapi": "3.0.3",
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
        "paths": {
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "本说明（OpenAPI 3）",
                    "description": "无需令牌。可读版本见 /api/v1/docs。",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3 文档。",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "429": COMMON_ERRORS["429"],
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "在“我的账号 → API 访问令牌”创建的令牌，形如 mm_…",
                }
            },
            "schemas": {
                **_schemas(),
            },
        },
    }


def _schemas() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string", "description": "中文说明。"},
                "errors": {
                    "type": "object",
                    "description": "字段 → 问题列表（校验错误时）。",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        # Organization: generated (accounts/schemas.py), still referenced by the parts below
    }


def operations(description: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) in reading order, for the human-readable page."""
    return [
        (method.upper(), path, operation)
        for path, item in description["paths"].items()
        for method, operation in item.items()
    ]


# --- 揭榜挂帅 challenge calls ---------------------------------------------------------------
