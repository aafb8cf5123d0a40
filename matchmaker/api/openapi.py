"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json and rendered at /api/v1/docs.

Written out here rather than generated: the API is small, and a description one can read top to
bottom is the contract the provincial and city platforms code against. tests/test_api_schema.py
runs Schemathesis against it, so it can't drift from what the views do.
"""

from __future__ import annotations

from typing import Any

from matchmaker.api.inputs import MAX_KEYWORD_LENGTH, MAX_MATCHES, MAX_PER_PAGE, term_names
from matchmaker.core.rules import MAX_KEYWORDS, PHONE_PATTERN
from matchmaker.core.web import MAX_ID, MAX_PAGE
from matchmaker.notifications.models import Notification
from matchmaker.pairings.models import DeclineReason, PairingState
from matchmaker.postings.models import (
    CooperationMode,
    IPStatus,
    Maturity,
    PostingKind,
    PostingStatus,
    Visibility,
)
from matchmaker.taxonomy.models import TechField, Town

VERSION = "1.0.0"


def _codes(enum: Any, *, nullable: bool = False) -> dict[str, Any]:
    values: list[Any] = [m.value for m in enum]
    described = "；".join(f"{m.value}={m.label}" for m in enum)
    schema: dict[str, Any] = {"type": "string", "enum": values, "description": described}
    if nullable:
        schema["nullable"] = True
        schema["enum"] = [*values, None]
    return schema


def _text(max_length: int, *, min_length: int = 0, nullable: bool = True, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, **extra}
    if min_length:
        schema["minLength"] = min_length
    if nullable:
        schema["nullable"] = True
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


POSTING_ID = _integer_param("posting_id", "path", "信息编号。", MAX_ID)
PAIRING_ID = _integer_param("pairing_id", "path", "对接编号。", MAX_ID)
NOTIFICATION_ID = _integer_param("notification_id", "path", "通知编号。", MAX_ID)
PAGING = [
    _integer_param("page", "query", "页码。", MAX_PAGE, 1),
    _integer_param("per_page", "query", "每页条数。", MAX_PER_PAGE, 20),
]


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _step(operation_id: str, summary: str, description: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """One step of a pairing (accept, decline, advance): the pairing as it is afterwards."""
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "parameters": [PAIRING_ID],
        "responses": {
            "200": _ok("这一步之后的对接。", "PairingDetail"),
            "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
            "403": _error("调用者不能走这一步（如回应自己发出的意向）。"),
            "404": _error("对接不存在，或调用者无权查看。"),
            "409": _error("当前状态下不能走这一步，或对方/同事刚刚已经操作过。"),
            "422": _error("内容未通过校验，errors 中说明。"),
            **COMMON_ERRORS,
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def _pipeline_paths() -> dict[str, Any]:
    """Pairings (合作意向 → 对接 → 洽谈 → 签约) and notifications."""
    return {
        "/pairings": {
            "get": {
                "operationId": "listPairings",
                "summary": "列出对接",
                "description": "调用者本单位发出和收到的对接（主管部门：全部），按最近动态倒序。",
                "parameters": [
                    {
                        "name": "state",
                        "in": "query",
                        "description": "对接状态。",
                        "schema": _codes(PairingState),
                    },
                    {
                        "name": "role",
                        "in": "query",
                        "description": "sent=本单位发出的意向，received=本单位收到的意向（主管部门不适用）。",
                        "schema": {"type": "string", "enum": ["sent", "received"]},
                    },
                    *PAGING,
                ],
                "responses": {
                    "200": _ok("一页对接。", "PairingPage"),
                    "400": _error("参数有误，errors 中逐项说明。"),
                    **COMMON_ERRORS,
                },
            },
            "post": {
                "operationId": "createPairing",
                "summary": "表达合作意向",
                "description": (
                    "对调用者可见的、其他单位已发布且未过期的信息表达合作意向，可附上本单位一条已发布的信息"
                    "（如“我们的成果 X 能解决贵司的需求”）。调用者单位须已通过认证；同一单位对同一条信息只能表达一次。"
                    "对方接受前，双方都看不到对方的联系方式。"
                ),
                "requestBody": _body({"$ref": "#/components/schemas/PairingInput"}),
                "responses": {
                    "201": _ok("已发送；Location 头为新对接的地址。", "PairingDetail"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error(
                        "调用者不能对这条信息表达意向（本单位的信息、主管部门账号、单位未认证、信息未发布或已过期）。"
                    ),
                    "422": _error(
                        "内容未通过校验（信息不存在、附带的不是本单位已发布的信息、已表达过意向、留言为空或过长）。"
                    ),
                    **COMMON_ERRORS,
                },
            },
        },
        "/pairings/{pairing_id}": {
            "get": {
                "operationId": "getPairing",
                "summary": "查看一次对接",
                "description": "状态、双方、进展记录；对方接受后才有联系方式（contacts）和对方提供的保密信息。",
                "parameters": [PAIRING_ID],
                "responses": {
                    "200": _ok("对接详情。", "PairingDetail"),
                    "400": _error("带了不支持的参数。"),
                    "404": _error("对接不存在，或调用者不是对接双方或主管部门。"),
                    **COMMON_ERRORS,
                },
            }
        },
        "/pairings/{pairing_id}/accept": {
            "post": _step(
                "acceptPairing",
                "接受合作意向",
                "只有收到意向的一方可以接受；接受后双方可以看到彼此的联系方式。"
                "share_confidential=true 时同时向对方提供本信息的保密内容。请求体可省略。",
                _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"share_confidential": {"type": "boolean", "default": False}},
                    },
                    required=False,
                ),
            )
        },
        "/pairings/{pairing_id}/decline": {
            "post": _step(
                "declinePairing",
                "婉拒合作意向",
                "只有收到意向的一方可以婉拒，须给出原因；对方会看到原因。婉拒后这两方不会再被互相推荐。",
                _body({"$ref": "#/components/schemas/DeclineInput"}),
            )
        },
        "/pairings/{pairing_id}/advance": {
            "post": _step(
                "advancePairing",
                "更新对接进展",
                "contacted=接受（同 accept，仅收到意向的一方）；negotiating=进入洽谈（从已对接）；"
                "failed=未成功（从已对接或洽谈中，须写 reason）。signed 一律拒绝（409）：已签约只能通过登记协议"
                "（POST /agreements 带 pairing_id）产生。对接双方和主管部门可以操作。",
                _body({"$ref": "#/components/schemas/AdvanceInput"}),
            )
        },
        "/pairings/{pairing_id}/messages": {
            "get": {
                "operationId": "listPairingMessages",
                "summary": "对接中的消息",
                "description": "按时间顺序；调用者是对接一方时，同时标为已读。",
                "parameters": [PAIRING_ID],
                "responses": {
                    "200": _ok("全部消息。", "PairingMessages"),
                    "400": _error("带了不支持的参数。"),
                    "404": _error("对接不存在，或调用者无权查看。"),
                    **COMMON_ERRORS,
                },
            },
            "post": {
                "operationId": "postPairingMessage",
                "summary": "发送消息",
                "description": "纯文本，最多 2000 字；只有对接双方可以发送，对方婉拒后不能再发。",
                "parameters": [PAIRING_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["text"],
                        "additionalProperties": False,
                        "properties": {"text": {"type": "string", "maxLength": 2000}},
                    }
                ),
                "responses": {
                    "201": _ok("已发送的消息。", "PairingMessage"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不是对接双方。"),
                    "404": _error("对接不存在，或调用者无权查看。"),
                    "409": _error("对方已婉拒，不能再发消息。"),
                    "422": _error("消息为空或过长。"),
                    **COMMON_ERRORS,
                },
            },
        },
        "/notifications": {
            "get": {
                "operationId": "listNotifications",
                "summary": "我的通知",
                "description": "调用者本人的通知，新的在前。",
                "parameters": [
                    {
                        "name": "unread",
                        "in": "query",
                        "description": "1=只看未读。",
                        "schema": {"type": "string", "enum": ["0", "1"]},
                    },
                    *PAGING,
                ],
                "responses": {
                    "200": _ok("一页通知。", "NotificationPage"),
                    "400": _error("参数有误。"),
                    **COMMON_ERRORS,
                },
            }
        },
        "/notifications/{notification_id}/read": {
            "post": {
                "operationId": "readNotification",
                "summary": "标为已读",
                "parameters": [NOTIFICATION_ID],
                "responses": {
                    "200": _ok("该通知。", "Notification"),
                    "404": _error("通知不存在，或不是调用者的。"),
                    **COMMON_ERRORS,
                },
            }
        },
    }


def _pipeline_schemas() -> dict[str, Any]:
    date_time = {"type": "string", "format": "date-time"}
    nullable_time = {**date_time, "nullable": True}
    org = {"$ref": "#/components/schemas/Organization"}
    summary = {"$ref": "#/components/schemas/PostingSummary"}
    pairing_properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "state": _codes(PairingState),
        "state_label": {"type": "string"},
        "by_bureau": {"type": "boolean", "description": "由主管部门牵线。"},
        "brokered": {
            "type": "boolean",
            "description": "居间对接：接收方尚未开通平台账号，由主管部门联系对方并代为答复。",
        },
        "target_posting": summary,
        "own_posting": {**summary, "nullable": True},
        "initiator": org,
        "receiver": org,
        "message": {"type": "string"},
        "decline_reason": _codes(DeclineReason, nullable=True),
        "decline_note": {"type": "string", "nullable": True},
        "fail_reason": {"type": "string", "nullable": True},
        "created_at": date_time,
        "answered_at": nullable_time,
        "last_activity_at": date_time,
        "closed_at": nullable_time,
        "url": {"type": "string"},
    }
    contact = {
        "type": "object",
        "required": ["organization", "contact_name", "contact_phone"],
        "properties": {
            "organization": org,
            "contact_name": {"type": "string", "nullable": True},
            "contact_phone": {"type": "string", "nullable": True},
        },
    }
    message = {
        "type": "object",
        "required": ["id", "author", "text", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "author": {
                "type": "object",
                "required": ["name", "organization"],
                "properties": {"name": {"type": "string"}, "organization": org},
            },
            "text": {"type": "string"},
            "created_at": date_time,
        },
    }
    notification = {
        "type": "object",
        "required": ["id", "kind", "title", "link", "created_at", "read"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": list(Notification.KINDS)},
            "title": {"type": "string"},
            "body": {"type": "string", "nullable": True},
            "link": {"type": "string", "description": "站内路径。"},
            "created_at": date_time,
            "read": {"type": "boolean"},
        },
    }

    def page_of(ref: str) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        }

    return {
        "Pairing": {"type": "object", "required": list(pairing_properties), "properties": pairing_properties},
        "PairingDetail": {
            "type": "object",
            "required": [*pairing_properties, "history", "contacts"],
            "properties": {
                **pairing_properties,
                "history": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["at", "action", "label"],
                        "properties": {
                            "at": date_time,
                            "action": {"type": "string"},
                            "label": {"type": "string"},
                            "actor": {
                                "type": "object",
                                "nullable": True,
                                "properties": {"name": {"type": "string"}, "organization": org},
                            },
                            "note": {"type": "string", "nullable": True},
                        },
                    },
                },
                "contacts": {
                    "type": "array",
                    "nullable": True,
                    "items": contact,
                    "description": "对方接受后才有：双方的联系人和电话；之前为 null。",
                },
                "shared_confidential": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "posting_id": {"type": "integer"},
                            "confidential_detail": {"type": "string"},
                        },
                    },
                    "description": "接受后，双方选择提供给对方的保密信息。",
                },
            },
        },
        "PairingPage": page_of("Pairing"),
        "PairingInput": {
            "type": "object",
            "required": ["target_posting_id", "message"],
            "additionalProperties": False,
            "properties": {
                "target_posting_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "own_posting_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "nullable": True},
                "message": {"type": "string", "maxLength": 1000, "description": "想对对方说的话（必填）。"},
                "share_confidential": {
                    "type": "boolean",
                    "default": False,
                    "description": "对方接受后，向对方提供所附信息的保密内容。",
                },
            },
        },
        "DeclineInput": {
            "type": "object",
            "required": ["reason"],
            "additionalProperties": False,
            "properties": {
                "reason": _codes(DeclineReason),
                "note": {
                    "type": "string",
                    "maxLength": 1000,
                    "nullable": True,
                    "description": "补充说明（对方可见）。",
                },
            },
        },
        "AdvanceInput": {
            "type": "object",
            "required": ["to"],
            "additionalProperties": False,
            "properties": {
                "to": {"type": "string", "enum": ["contacted", "negotiating", "signed", "failed"]},
                "reason": {
                    "type": "string",
                    "maxLength": 1000,
                    "nullable": True,
                    "description": "failed 时必填。",
                },
            },
        },
        "PairingMessage": message,
        "PairingMessages": {
            "type": "object",
            "required": ["pairing_id", "items"],
            "properties": {"pairing_id": {"type": "integer"}, "items": {"type": "array", "items": message}},
        },
        "Notification": notification,
        "NotificationPage": page_of("Notification"),
    }


def spec() -> dict[str, Any]:
    """The description, with this installation's 技术领域 and 镇区 as enumerations."""
    fields, towns = term_names(TechField, active_only=False), term_names(Town, active_only=False)
    active_fields, active_towns = term_names(TechField), term_names(Town)
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
            "/postings": {
                "get": {
                    "operationId": "listPostings",
                    "summary": "列出信息",
                    "description": (
                        "已发布且未过期、调用者有权查看的信息，加上调用者本单位的全部信息（含草稿、待审核）。"
                        "不带 q 时按最近修改时间倒序，total 为精确总数；带 q 时为全文检索，只含已发布信息，"
                        "按相关度排序，结果很多时 total 为估计值（estimated=true）。"
                    ),
                    "parameters": [
                        {
                            "name": "kind",
                            "in": "query",
                            "description": "信息类型。",
                            "schema": _codes(PostingKind),
                        },
                        {
                            "name": "field",
                            "in": "query",
                            "description": "技术领域名称（见 /vocabularies）。",
                            "schema": {"type": "string", "enum": fields},
                        },
                        {
                            "name": "town",
                            "in": "query",
                            "description": "所属镇区名称（见 /vocabularies）。",
                            "schema": {"type": "string", "enum": towns},
                        },
                        {
                            "name": "q",
                            "in": "query",
                            "description": "全文检索词，中英文、数字均可；超过 100 字的部分不参与检索。",
                            "schema": {"type": "string"},
                        },
                        _integer_param("page", "query", "页码。", MAX_PAGE, 1),
                        _integer_param("per_page", "query", "每页条数。", MAX_PER_PAGE, 20),
                    ],
                    "responses": {
                        "200": _ok("一页信息。", "PostingPage"),
                        "400": _error("参数有误，errors 中逐项说明。"),
                        "503": _error("带 q 时：全文检索暂时不可用（索引故障，已记录）。"),
                        **COMMON_ERRORS,
                    },
                },
                "post": {
                    "operationId": "createPosting",
                    "summary": "发布信息",
                    "description": (
                        "为调用者本单位新建一条信息，校验规则与网页表单相同。默认保存为草稿；"
                        '"submit": true 时同时提交主管部门审核（单位须已通过认证），审核通过后公开。'
                        "企业可发研发需求、配套需求、配套供给，高校院所可发科技成果。"
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/PostingInput"}}
                        },
                    },
                    "responses": {
                        "201": _ok("已创建；Location 头为新信息的地址。", "Posting"),
                        "400": _error("请求体不是 JSON 对象。"),
                        "403": _error("调用者的角色不能发布此类型的信息（如主管部门账号，或高校发布需求）。"),
                        "422": _error("内容未通过校验，errors 中逐字段说明；未保存任何内容。"),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/postings/{posting_id}": {
                "get": {
                    "operationId": "getPosting",
                    "summary": "查看一条信息",
                    "description": "保密信息（confidential_detail）只对发布单位和主管部门返回。",
                    "parameters": [POSTING_ID],
                    "responses": {
                        "200": _ok("信息详情。", "Posting"),
                        "400": _error("带了不支持的参数。"),
                        "404": _error("信息不存在，或调用者无权查看。"),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/postings/{posting_id}/matches": {
                "get": {
                    "operationId": "getPostingMatches",
                    "summary": "推荐对接",
                    "description": (
                        "与网页上“推荐对接”相同的结果：互补类型、非本单位、已发布未过期且调用者可见的信息，"
                        "按匹配度（0–100）从高到低，并给出双方共有的关键词。信息本身未发布或已过期时为空列表。"
                    ),
                    "parameters": [
                        POSTING_ID,
                        _integer_param("limit", "query", "最多返回几条。", MAX_MATCHES, 10),
                    ],
                    "responses": {
                        "200": _ok("推荐列表。", "Matches"),
                        "400": _error("参数有误。"),
                        "404": _error("信息不存在，或调用者无权查看。"),
                        "503": _error("推荐暂时不可用（索引故障，已记录）。"),
                        **COMMON_ERRORS,
                    },
                }
            },
            **_pipeline_paths(),
            "/vocabularies": {
                "get": {
                    "operationId": "getVocabularies",
                    "summary": "代码表",
                    "description": "各字段的可选值：类型、状态等为代码与中文名称，技术领域和镇区为当前启用的名称。",
                    "responses": {
                        "200": _ok("代码表。", "Vocabularies"),
                        "400": _error("带了不支持的参数。"),
                        **COMMON_ERRORS,
                    },
                }
            },
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
                **_schemas(active_fields, active_towns),
                **_pipeline_schemas(),
            },
        },
    }


def _schemas(fields: list[str], towns: list[str]) -> dict[str, Any]:
    date_time = {"type": "string", "format": "date-time"}
    summary_properties = {
        "id": {"type": "integer"},
        "kind": _codes(PostingKind),
        "title": {"type": "string"},
        "organization": {"$ref": "#/components/schemas/Organization"},
    }
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
        "PostingSummary": {
            "type": "object",
            "required": list(summary_properties),
            "properties": summary_properties,
        },
        "Posting": {
            "type": "object",
            "required": [
                *summary_properties,
                "status",
                "expired",
                "description",
                "keywords",
                "field",
                "town",
                "created_at",
                "updated_at",
            ],
            "properties": {
                **summary_properties,
                "status": _codes(PostingStatus),
                "expired": {"type": "boolean", "description": "已过有效期（已过期的信息不再公开列出）。"},
                "description": {"type": "string"},
                "keywords": {"type": "array", "items": {"type": "string"}},
                "field": {"type": "string", "nullable": True, "description": "技术领域名称。"},
                "town": {"type": "string", "nullable": True, "description": "所属镇区名称。"},
                "industry_chain": {"type": "string", "nullable": True},
                "budget": {
                    "type": "number",
                    "nullable": True,
                    "description": "预算或意向价格（万元），空为面议。",
                },
                "valid_until": {"type": "string", "format": "date", "nullable": True},
                "cooperation_modes": {"type": "array", "items": _codes(CooperationMode)},
                "maturity": _codes(Maturity, nullable=True),
                "ip_status": _codes(IPStatus, nullable=True),
                "ip_detail": {"type": "string", "nullable": True},
                "contact_name": {"type": "string", "nullable": True},
                "contact_phone": {"type": "string", "nullable": True},
                "visibility": _codes(Visibility),
                "interest_brokered": {
                    "type": "boolean",
                    "description": "发布单位尚未开通平台账号：对其表达的意向由主管部门居间对接（代为联系和答复）。",
                },
                "confidential_detail": {
                    "type": "string",
                    "nullable": True,
                    "description": "只对发布单位和主管部门返回。",
                },
                "created_at": date_time,
                "updated_at": date_time,
                "published_at": {**date_time, "nullable": True},
                "url": {
                    "type": "string",
                    "description": "网页地址：配置了 BASE_URL 时为完整地址，否则为站内路径。",
                },
            },
        },
        "PostingPage": {
            "type": "object",
            "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Posting"}},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "estimated": {"type": "boolean", "description": "total 为估计值（全文检索结果很多时）。"},
            },
        },
        "PostingInput": {
            "type": "object",
            "required": ["kind", "title", "description"],
            "additionalProperties": False,
            "properties": {
                "kind": _codes(PostingKind),
                "title": _text(120, min_length=4, nullable=False, pattern=r"\S"),
                "description": _text(10000, min_length=20, nullable=False, pattern=r"\S"),
                "keywords": {
                    "type": "array",
                    "maxItems": MAX_KEYWORDS,
                    "items": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_KEYWORD_LENGTH,
                        "pattern": r"^[^、，,;；\s]+$",
                        "description": "每项一个关键词（不含空格、逗号、顿号、分号）。",
                    },
                    "nullable": True,
                },
                "field": {"type": "string", "enum": [*fields, None], "nullable": True},
                "town": {"type": "string", "enum": [*towns, None], "nullable": True},
                "industry_chain": _text(50),
                "budget": {"type": "number", "minimum": 0, "maximum": 10**9, "nullable": True},
                "valid_until": {
                    "type": "string",
                    "format": "date",
                    "nullable": True,
                    "description": "有效期至，不早于今天；空为长期有效。",
                },
                "cooperation_modes": {"type": "array", "items": _codes(CooperationMode), "nullable": True},
                "maturity": _codes(Maturity, nullable=True),
                "ip_status": _codes(IPStatus, nullable=True),
                "ip_detail": _text(200),
                "contact_name": _text(50),
                "contact_phone": {"type": "string", "pattern": "^$|" + PHONE_PATTERN, "nullable": True},
                "visibility": {**_codes(Visibility), "default": Visibility.PUBLIC.value},
                "confidential_detail": _text(5000, description="仅本单位和主管部门可见。"),
                "submit": {"type": "boolean", "default": False, "description": "同时提交审核。"},
            },
        },
        "Matches": {
            "type": "object",
            "required": ["posting_id", "matches"],
            "properties": {
                "posting_id": {"type": "integer"},
                "matches": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["posting", "score", "matched_terms"],
                        "properties": {
                            "posting": {"$ref": "#/components/schemas/PostingSummary"},
                            "score": {"type": "integer", "minimum": 0, "maximum": 100},
                            "matched_terms": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
        "Vocabularies": {
            "type": "object",
            "properties": {
                name: {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "label"],
                        "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
                    },
                }
                for name in ("kinds", "statuses", "visibility", "cooperation_modes", "maturity", "ip_status")
            }
            | {
                "fields": {"type": "array", "items": {"type": "string"}},
                "towns": {"type": "array", "items": {"type": "string"}},
            },
        },
    }


def operations(description: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) in reading order, for the human-readable page."""
    return [
        (method.upper(), path, operation)
        for path, item in description["paths"].items()
        for method, operation in item.items()
    ]
