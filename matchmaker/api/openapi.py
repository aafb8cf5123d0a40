"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json and rendered at /api/v1/docs.

Written out here rather than generated: the API is small, and a description one can read top to
bottom is the contract the provincial and city platforms code against. tests/test_api_schema.py
runs Schemathesis against it, so it can't drift from what the views do.
"""

from __future__ import annotations

from typing import Any

from matchmaker.accounts.models import OrgStatus, OrgType
from matchmaker.api.inputs import MAX_KEYWORD_LENGTH, MAX_MATCHES, MAX_PER_PAGE, term_names
from matchmaker.core.rules import MAX_KEYWORDS, PHONE_PATTERN
from matchmaker.core.web import MAX_ID, MAX_PAGE
from matchmaker.events.models import EventKind, EventStatus, MeetingOutcome
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
from matchmaker.profiles.models import MeasureKind
from matchmaker.taxonomy.models import EnterpriseTier, TechField, Town

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
            **_call_paths(),
            **_profile_paths(towns, term_names(EnterpriseTier)),
            **_event_paths(),
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
                **_call_schemas(),
                **_profile_schemas(),
                **_event_schemas(),
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


ORGANIZATION_ID = _integer_param("organization_id", "path", "单位编号。", MAX_ID)


def _profile_paths(towns: list[str], tiers: list[str]) -> dict[str, Any]:
    """一企一册 and the cultivation pool (matchmaker/api/profiles.py)."""
    return {
        "/organizations/{organization_id}/profile": {
            "get": {
                "operationId": "getProfile",
                "summary": "一企一册：单位档案",
                "description": "基本信息、梯度及其认定历史，对所有已登录用户公开（已认证单位）；"
                "研发投入强度、Ⅰ类知识产权等指标（indicators）和对接、协议、活动、揭榜记录的编号"
                "只对本单位和主管部门给出，其他调用者为 null。",
                "parameters": [ORGANIZATION_ID],
                "responses": {
                    "200": _ok("单位档案。", "Profile"),
                    "400": _error("带了不支持的参数。"),
                    "404": _error("单位不存在，或调用者无权查看其档案（未认证单位仅本单位和主管部门）。"),
                    **COMMON_ERRORS,
                },
            }
        },
        "/pool": {
            "get": {
                "operationId": "getPool",
                "summary": "梯度培育库",
                "description": "按企业当前梯度统计企业数，对照计划期末（period 年）的梯度目标给出差距；"
                "默认为今天执行中的计划，没有计划覆盖今天时 plan 为 null、没有目标。"
                "每个数字附带其企业名单（count 等于 organizations 的个数）。仅主管部门。",
                "parameters": [
                    {
                        "name": "plan",
                        "in": "query",
                        "description": "计划编号（见 /plans）。",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    },
                    {
                        "name": "town",
                        "in": "query",
                        "description": "只统计该镇区的企业（镇区名称）。",
                        "schema": {"type": "string", "enum": towns},
                    },
                ],
                "responses": {
                    "200": _ok("培育库。", "Pool"),
                    "400": _error("参数有误。"),
                    "403": _error("调用者不是主管部门。"),
                    **COMMON_ERRORS,
                },
            }
        },
        "/pool/targets": {
            "post": {
                "operationId": "setTierTarget",
                "summary": "设定梯度目标（主管部门）",
                "description": "某一梯度在计划期末的企业数目标（plan_id 缺省为今天执行中的计划）；"
                "value 为 null 时删除目标。返回设定后的培育库（该计划的）。",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["tier"],
                        "additionalProperties": False,
                        "properties": {
                            "tier": {"type": "string", "enum": tiers},
                            "value": {"type": "integer", "minimum": 0, "maximum": 100000, "nullable": True},
                            "plan_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        },
                    }
                ),
                "responses": {
                    "200": _ok("培育库。", "Pool"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对，或没有这个计划。"),
                    "403": _error("调用者不是主管部门。"),
                    "409": _error("没有执行中的计划，且未给出 plan_id。"),
                    "422": _error("没有这个梯度，或目标超出范围。"),
                    **COMMON_ERRORS,
                },
            }
        },
        "/organizations/{organization_id}/tier-changes": {
            "post": {
                "operationId": "changeTier",
                "summary": "记录梯度认定（主管部门）",
                "description": "企业在某日被认定为某一梯度（tier 为梯度名称；null 表示出库），note 可写文号。"
                "当前梯度取日期最新的一次认定：补录较早的认定只进入历史。返回记录后的档案。",
                "parameters": [ORGANIZATION_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["effective_on"],
                        "additionalProperties": False,
                        "properties": {
                            "tier": {"type": "string", "enum": [*tiers, None], "nullable": True},
                            "effective_on": {
                                "type": "string",
                                "format": "date",
                                "description": "不晚于今天。",
                            },
                            "note": {"type": "string", "maxLength": 200},
                        },
                    }
                ),
                "responses": {
                    "201": _ok("单位档案。", "Profile"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不是主管部门。"),
                    "404": _error("单位不存在。"),
                    "422": _error("内容未通过校验（不是企业、日期晚于今天等），errors 中说明。"),
                    **COMMON_ERRORS,
                },
            }
        },
        "/organizations/{organization_id}/measures": {
            "post": {
                "operationId": "recordMeasure",
                "summary": "录入指标（主管部门）",
                "description": "企业的研发投入强度（rd_intensity，%）或Ⅰ类知识产权数量（class1_ip，件）截至某日的数值；"
                "同一指标同一日期再次录入即更正。返回录入后的档案。",
                "parameters": [ORGANIZATION_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["kind", "value", "as_of"],
                        "additionalProperties": False,
                        "properties": {
                            "kind": _codes(MeasureKind),
                            "value": {"type": "number", "minimum": 0, "maximum": 100000},
                            "as_of": {"type": "string", "format": "date", "description": "不晚于今天。"},
                            "note": {"type": "string", "maxLength": 500},
                        },
                    }
                ),
                "responses": {
                    "201": _ok("单位档案。", "Profile"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不是主管部门。"),
                    "404": _error("单位不存在。"),
                    "422": _error("数值或日期有误，errors 中说明。"),
                    **COMMON_ERRORS,
                },
            }
        },
    }


def _profile_schemas() -> dict[str, Any]:
    ids = {"type": "array", "items": {"type": "integer"}, "nullable": True}
    nullable_name = {"type": "string", "nullable": True}
    reading = {
        "type": "object",
        "required": ["value", "as_of"],
        "properties": {
            "value": {"type": "number"},
            "as_of": {"type": "string", "format": "date"},
            "note": {"type": "string", "nullable": True},
        },
    }
    indicator = {
        "type": "object",
        "required": ["name", "unit", "latest", "history"],
        "properties": {
            "name": {"type": "string"},
            "unit": {"type": "string"},
            "latest": {**reading, "nullable": True},
            "history": {"type": "array", "items": reading},
        },
    }
    return {
        "Profile": {
            "type": "object",
            "required": ["id", "name", "type", "status", "tier", "tier_history", "indicators", "posting_ids"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "type": _codes(OrgType),
                "status": _codes(OrgStatus),
                "credit_code": {"type": "string", "nullable": True},
                "town": {"type": "string", "nullable": True},
                "tier": {"type": "string", "nullable": True, "description": "当前梯度。"},
                "tier_history": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["tier", "effective_on"],
                        "properties": {
                            "tier": {**nullable_name, "description": "null 为移出培育库。"},
                            "effective_on": {"type": "string", "format": "date"},
                            "note": {"type": "string", "nullable": True},
                        },
                    },
                },
                "indicators": {
                    "type": "object",
                    "nullable": True,
                    "description": "rd_intensity=研发投入强度（%）；class1_ip=Ⅰ类知识产权（件）。",
                    "properties": {kind.value: indicator for kind in MeasureKind},
                },
                "posting_ids": {"type": "array", "items": {"type": "integer"}},
                "pairing_ids": ids,
                "agreement_ids": ids,
                "event_ids": ids,
                "call_ids": ids,
                "call_proposal_ids": ids,
                "url": {"type": "string"},
            },
        },
        "Pool": {
            "type": "object",
            "required": ["period", "town", "tiers"],
            "properties": {
                "period": {"type": "string", "description": "目标所在的年份（计划的最后一年）。"},
                "plan": {
                    "allOf": [{"$ref": "#/components/schemas/PlanSummary"}],
                    "nullable": True,
                    "description": "目标所属的计划；没有计划时为 null。",
                },
                "town": {"type": "string", "nullable": True},
                "tiers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["tier", "target", "count", "gap", "organizations"],
                        "properties": {
                            "tier": {**nullable_name, "description": "null 为未评定梯度的企业。"},
                            "target": {"type": "integer", "nullable": True},
                            "count": {"type": "integer"},
                            "gap": {"type": "integer", "nullable": True},
                            "organizations": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Organization"},
                            },
                        },
                    },
                },
            },
        },
    }


# --- 揭榜挂帅 challenge calls ---------------------------------------------------------------

CALL_ID = _integer_param("call_id", "path", "榜单编号。", MAX_ID)
CALL_STATUSES = {"type": "string", "enum": ["pending", "open", "awarded", "cancelled"]}


def _call_paths() -> dict[str, Any]:
    """Calls and proposals: read what the caller may see; submit, withdraw, score, approve, award."""
    return {
        "/calls": {
            "get": {
                "operationId": "listCalls",
                "summary": "列出揭榜挂帅榜单",
                "description": "揭榜中和已揭榜的榜单，加上调用者本企业的全部榜单（主管部门：全部），按截止日期倒序。",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "description": "pending=待审批；open=揭榜中（含截止后评审中）；awarded=已揭榜；cancelled=已撤销。",
                        "schema": CALL_STATUSES,
                    },
                    *PAGING,
                ],
                "responses": {
                    "200": _ok("一页榜单。", "CallPage"),
                    "400": _error("参数有误。"),
                    **COMMON_ERRORS,
                },
            },
            "post": {
                "operationId": "createCall",
                "summary": "发榜",
                "description": "由一条或多条同一企业已发布的研发需求发榜。主管部门发布的榜单立即征集方案；"
                "企业用本单位的需求发榜，经主管部门批准后公开。criteria 省略时为四项常用评审标准（权重合计100）。",
                "requestBody": _body({"$ref": "#/components/schemas/CallInput"}),
                "responses": {
                    "201": _ok("已发榜（open）或待批准（pending）。", "Call"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不能发榜（高校院所、单位未认证）。"),
                    "422": _error("内容未通过校验，errors 中说明。"),
                    **COMMON_ERRORS,
                },
            },
        },
        "/calls/{call_id}": {
            "get": {
                "operationId": "getCall",
                "summary": "查看一个榜单",
                "parameters": [CALL_ID],
                "responses": {
                    "200": _ok("榜单详情。", "Call"),
                    "400": _error("带了不支持的参数。"),
                    "404": _error(
                        "榜单不存在，或调用者无权查看（待审批、已撤销的榜单只对发榜企业和主管部门可见）。"
                    ),
                    **COMMON_ERRORS,
                },
            }
        },
        "/calls/{call_id}/proposals": {
            "get": {
                "operationId": "listCallProposals",
                "summary": "榜单的方案",
                "description": (
                    "调用者可见的方案：高校院所只看到本单位的，揭榜（公布评选结果）前不含得分和评审人数，"
                    "揭榜后含本单位方案的加权总分；发榜企业和主管部门看到全部，含加权总分和评审人数。"
                ),
                "parameters": [CALL_ID],
                "responses": {
                    "200": _ok("方案列表。", "ProposalList"),
                    "400": _error("带了不支持的参数。"),
                    "404": _error("榜单不存在，或调用者无权查看。"),
                    **COMMON_ERRORS,
                },
            },
            "post": {
                "operationId": "createCallProposal",
                "summary": "揭榜：提交方案",
                "description": "通过认证的高校院所在截止日当天结束前提交方案，每个单位一份（上传附件在网页上进行）。",
                "parameters": [CALL_ID],
                "requestBody": _body({"$ref": "#/components/schemas/ProposalInput"}),
                "responses": {
                    "201": _ok("已提交。", "Proposal"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不是通过认证的高校院所。"),
                    "404": _error("榜单不存在，或调用者无权查看。"),
                    "409": _error("榜单不在征集中，或已过截止日期。"),
                    "422": _error("内容未通过校验，或本单位已提交过方案；errors 中说明。"),
                    **COMMON_ERRORS,
                },
            },
        },
        "/calls/{call_id}/proposals/{proposal_id}": {
            "patch": _call_step(
                "updateCallProposal",
                "修改方案",
                "提交方案的单位在截止日当天结束前修改；只改给出的字段。",
                "Proposal",
                _body({"$ref": "#/components/schemas/ProposalPatch"}),
                [CALL_ID, PROPOSAL_ID],
                "已过截止日期，或方案已撤回、已评选。",
            )
        },
        "/calls/{call_id}/cancel": {
            "post": _call_step(
                "cancelCall",
                "撤销榜单",
                "主管部门或发榜企业撤销待审批、征集中的榜单，须写明原因；已提交方案的单位收到通知。",
                "Call",
                _body(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "additionalProperties": False,
                        "properties": {"reason": {"type": "string", "minLength": 2, "maxLength": 500}},
                    }
                ),
                [CALL_ID],
                "榜单已揭榜或已撤销。",
            )
        },
        "/calls/{call_id}/candidates": {
            "get": {
                "operationId": "listCallCandidates",
                "summary": "适合揭榜的高校院所（主管部门）",
                "description": "研发成果与榜单需求匹配的高校院所，附匹配的成果、匹配度和共同词，以及是否已邀请；"
                "榜单不再征集方案时为空。",
                "parameters": [CALL_ID],
                "responses": {
                    "200": _ok("推荐名单。", "CallCandidates"),
                    "400": _error("带了不支持的参数。"),
                    "403": _error("调用者不是主管部门。"),
                    "404": _error("榜单不存在，或调用者无权查看。"),
                    "503": _error("推荐暂时不可用（索引故障，已记录）。"),
                    **COMMON_ERRORS,
                },
            }
        },
        "/calls/{call_id}/invitations": {
            "post": _call_step(
                "inviteToCall",
                "邀请高校院所揭榜（主管部门）",
                "被邀请单位的用户收到通知；返回已邀请的全部单位编号。",
                "CallInvited",
                _body(
                    {
                        "type": "object",
                        "required": ["organization_id"],
                        "additionalProperties": False,
                        "properties": {
                            "organization_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                        },
                    }
                ),
                [CALL_ID],
                "榜单不再征集方案（对方不是通过认证的高校院所时为 422）。",
            )
        },
        "/calls/{call_id}/approve": {
            "post": _call_step(
                "approveCall",
                "批准榜单（主管部门）",
                "企业提出的榜单经主管部门批准后开始征集方案。请求体可省略。",
                "Call",
                None,
                [CALL_ID],
                "榜单不在待审批状态，或截止日期已过。",
            )
        },
        "/calls/{call_id}/proposals/{proposal_id}/withdraw": {
            "post": _call_step(
                "withdrawCallProposal",
                "撤回方案",
                "提交方案的单位在截止日当天结束前撤回；之后可以重新提交。请求体可省略。",
                "Proposal",
                None,
                [CALL_ID, PROPOSAL_ID],
                "已过截止日期，或方案已撤回、已评选。",
            )
        },
        "/calls/{call_id}/proposals/{proposal_id}/scores": {
            "post": _call_step(
                "scoreCallProposal",
                "评审打分",
                "截止日当天结束（网站时区的午夜）后，主管部门或发榜企业的评审人为每项评审标准打 0–100 分；"
                "再次打分替换本人此前的分数。截止前打分回应 409。",
                "Proposal",
                _body(
                    {
                        "type": "object",
                        "required": ["scores"],
                        "additionalProperties": False,
                        "properties": {
                            "scores": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["criterion_id", "score"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "criterion_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                                        "score": {"type": "integer", "minimum": 0, "maximum": 100},
                                    },
                                },
                            }
                        },
                    }
                ),
                [CALL_ID, PROPOSAL_ID],
                "尚未截止（截止日当天结束后才能评分），或榜单已揭榜、已撤销，或方案已撤回。",
            )
        },
        "/calls/{call_id}/award": {
            "post": _call_step(
                "awardCall",
                "揭榜：选定方案",
                "截止后由主管部门或发榜企业选定一份方案并写明理由；所有揭榜单位收到结果和理由，"
                "入选单位与发榜企业之间形成“已对接”的对接（pairing_id），之后可登记协议。",
                "Call",
                _body(
                    {
                        "type": "object",
                        "required": ["proposal_id", "reason"],
                        "additionalProperties": False,
                        "properties": {
                            "proposal_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                            "reason": {"type": "string", "maxLength": 2000},
                        },
                    }
                ),
                [CALL_ID],
                "尚未截止、已揭榜或已撤销，或所选方案不是已提交状态。",
            )
        },
    }


PROPOSAL_ID = _integer_param("proposal_id", "path", "方案编号。", MAX_ID)


def _call_step(
    operation_id: str,
    summary: str,
    description: str,
    ref: str,
    body: dict[str, Any] | None,
    parameters: list[dict[str, Any]],
    conflict: str,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "parameters": parameters,
        "responses": {
            "200": _ok("这一步之后的状态。", ref),
            "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
            "403": _error("调用者不能走这一步。"),
            "404": _error("榜单或方案不存在，或调用者无权查看。"),
            "409": _error(conflict),
            "422": _error("内容未通过校验，errors 中说明。"),
            **COMMON_ERRORS,
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def _call_schemas() -> dict[str, Any]:
    org = {"$ref": "#/components/schemas/Organization"}
    proposal_input = {
        "type": "object",
        "required": ["approach", "team", "schedule", "price"],
        "additionalProperties": False,
        "properties": {
            "approach": {"type": "string", "minLength": 20, "maxLength": 5000},
            "team": {"type": "string", "minLength": 4, "maxLength": 5000},
            "schedule": {"type": "string", "minLength": 4, "maxLength": 5000},
            "price": {"type": "number", "minimum": 0, "maximum": 1000000, "description": "万元。"},
        },
    }
    call_properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "status": CALL_STATUSES,
        "phase": {"type": "string", "description": "状态的中文名称；截止后尚未揭榜为“评审中”。"},
        "accepting": {"type": "boolean", "description": "现在是否接受方案。"},
        "problem": {"type": "string"},
        "deliverables": {"type": "string"},
        "budget": {"type": "number", "description": "榜额（万元）。"},
        "deadline": {"type": "string", "format": "date"},
        "eligibility": {"type": "string"},
        "enterprise": org,
        "need_ids": {"type": "array", "items": {"type": "integer"}},
        "criteria": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "weight"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "weight": {"type": "integer"},
                },
            },
        },
        "selection_reason": {"type": "string", "nullable": True},
        "url": {"type": "string"},
        "pairing_id": {"type": "integer", "description": "只在揭榜接口的回应中：入选单位与发榜企业的对接。"},
    }
    proposal_properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "call_id": {"type": "integer"},
        "organization": org,
        "status": {"type": "string", "enum": ["submitted", "withdrawn", "selected", "not_selected"]},
        "approach": {"type": "string"},
        "team": {"type": "string"},
        "schedule": {"type": "string"},
        "price": {"type": "number", "description": "报价（万元）。"},
        "submitted_at": {"type": "string", "format": "date-time"},
        "weighted_score": {
            "type": "number",
            "nullable": True,
            "description": (
                "各项平均分按权重的总分（尚无完整评分时为 null）。只给评审方（发榜企业、主管部门）；"
                "揭榜单位只在揭榜后、且只对本单位的方案得到此字段。"
            ),
        },
        "reviewers": {
            "type": "integer",
            "description": "评审人数。只给评审方（发榜企业、主管部门），从不给揭榜单位。",
        },
        "pairing_id": {"type": "integer", "nullable": True},
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "size"],
                "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
            },
        },
    }
    return {
        "Call": {
            "type": "object",
            "required": ["id", "title", "status", "budget", "deadline", "enterprise", "criteria"],
            "properties": call_properties,
        },
        "CallPage": {
            "type": "object",
            "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        },
        "Proposal": {
            "type": "object",
            "required": ["id", "call_id", "organization", "status", "price"],
            "properties": proposal_properties,
        },
        "ProposalList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Proposal"}}},
        },
        "ProposalInput": proposal_input,
        "ProposalPatch": {k: v for k, v in proposal_input.items() if k != "required"},
        "CallInput": {
            "type": "object",
            "required": ["title", "problem", "deliverables", "budget", "deadline", "eligibility", "need_ids"],
            "additionalProperties": False,
            "properties": {
                "title": {"type": "string", "minLength": 4, "maxLength": 120},
                "problem": {"type": "string", "minLength": 10, "maxLength": 5000},
                "deliverables": {"type": "string", "minLength": 4, "maxLength": 5000},
                "budget": {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMinimum": True,
                    "maximum": 1000000,
                    "description": "榜额，万元。",
                },
                "deadline": {"type": "string", "format": "date", "description": "今天到一年之内。"},
                "eligibility": {"type": "string", "minLength": 2, "maxLength": 1000},
                "need_ids": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 20,
                    "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                },
                "criteria": {
                    "type": "array",
                    "maxItems": 6,
                    "items": {
                        "type": "object",
                        "required": ["name", "weight"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 1, "maxLength": 60},
                            "weight": {"type": "integer", "minimum": 1, "maximum": 100},
                        },
                    },
                },
            },
        },
        "CallCandidates": {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["organization", "invited", "outcomes"],
                        "properties": {
                            "organization": org,
                            "invited": {"type": "boolean"},
                            "outcomes": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "posting_id": {"type": "integer"},
                                        "title": {"type": "string"},
                                        "strength": {"type": "integer"},
                                        "matched_terms": {"type": "array", "items": {"type": "string"}},
                                    },
                                },
                            },
                        },
                    },
                }
            },
        },
        "CallInvited": {
            "type": "object",
            "required": ["invited"],
            "properties": {"invited": {"type": "array", "items": {"type": "integer"}}},
        },
    }


EVENT_ID = _integer_param("event_id", "path", "活动编号。", MAX_ID)
EVENT_NAMED = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


MEETING_ID = _integer_param("meeting_id", "path", "洽谈编号。", MAX_ID)
SLOT = {"type": "integer", "minimum": 0, "maximum": 47, "description": "时段序号，从 0 开始。"}
BAD_BODY = _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。")
NOT_STAFF = _error("调用者不是主管部门。")
NO_EVENT = _error("活动不存在。")


def _event_paths() -> dict[str, Any]:
    """Events (对接活动): read them, register, ask for meetings, build the schedule (events/api.py)."""
    errors = COMMON_ERRORS
    return {
        "/events": {
            "get": {
                "operationId": "listEvents",
                "summary": "列出对接活动",
                "description": "所有活动（高校院所专题拜访、产业链配套对接会、成果发布会、线上对接），按活动日期倒序。",
                "parameters": [
                    {"name": "kind", "in": "query", "description": "活动类型。", "schema": _codes(EventKind)},
                    {
                        "name": "when",
                        "in": "query",
                        "description": "upcoming：即将举办；past：已结束（含已取消）。",
                        "schema": {"type": "string", "enum": ["upcoming", "past"]},
                    },
                    *PAGING,
                ],
                "responses": {"200": _ok("一页活动。", "EventPage"), "400": _error("参数有误。"), **errors},
            },
            "post": {
                "operationId": "createEvent",
                "summary": "创建活动（主管部门）",
                "description": "高校院所专题拜访须给出拜访的高校（host_id）；线上对接须给出会议链接，其他须给出地点。"
                "技术领域、镇区按名称。未给出的洽谈设置取默认：09:00 起、每场 20 分钟、8 个时段、10 张桌。",
                "requestBody": _body({"$ref": "#/components/schemas/EventInput"}),
                "responses": {
                    "201": _ok("已创建。", "EventDetail"),
                    "400": BAD_BODY,
                    "403": NOT_STAFF,
                    "422": _error("内容未通过校验，errors 中说明。"),
                    **errors,
                },
            },
        },
        "/events/{event_id}": {
            "get": {
                "operationId": "getEvent",
                "summary": "查看一个活动",
                "description": "活动详情、洽谈时段、成效数字（邀请、报名、洽谈、形成对接、登记和核验的协议）、"
                "参会单位名单和调用者本单位的报名。",
                "parameters": [EVENT_ID],
                "responses": {
                    "200": _ok("活动详情。", "EventDetail"),
                    "400": _error("带了不支持的参数。"),
                    "404": _error("活动不存在。"),
                    **errors,
                },
            },
            "patch": {
                "operationId": "updateEvent",
                "summary": "修改活动（主管部门）",
                "description": "只改给出的字段。名额不能少于已报名数；缩小时段或桌数后放不下的洽谈会被取消并通知双方。",
                "parameters": [EVENT_ID],
                "requestBody": _body({"$ref": "#/components/schemas/EventPatch"}),
                "responses": {
                    "200": _ok("修改后的活动。", "EventDetail"),
                    "400": BAD_BODY,
                    "403": NOT_STAFF,
                    "404": NO_EVENT,
                    "409": _error("活动已举办或已取消。"),
                    "422": _error("内容未通过校验，errors 中说明。"),
                    **errors,
                },
            },
        },
        "/events/{event_id}/meetings": {
            "get": {
                "operationId": "listMeetings",
                "summary": "洽谈日程",
                "description": "主管部门：全部一对一洽谈；参会单位：本单位的洽谈。时段 slot 从 0 开始，桌号从 1 开始。",
                "parameters": [EVENT_ID],
                "responses": {
                    "200": _ok("洽谈列表。", "MeetingList"),
                    "400": _error("带了不支持的参数。"),
                    "403": _error("调用者不是参会单位或主管部门。"),
                    "404": _error("活动不存在。"),
                    **errors,
                },
            },
            "post": {
                "operationId": "addMeeting",
                "summary": "人工新增一场洽谈（主管部门）",
                "description": "为两家参会单位在某一时段安排洽谈（自动选空桌），重新排期时保留在此。",
                "parameters": [EVENT_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["a_id", "b_id", "slot"],
                        "additionalProperties": False,
                        "properties": {
                            "a_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                            "b_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                            "slot": SLOT,
                        },
                    }
                ),
                "responses": {
                    "201": _ok("新增的洽谈。", "Meeting"),
                    "400": BAD_BODY,
                    "403": NOT_STAFF,
                    "404": NO_EVENT,
                    "409": _error("活动已举办或已取消。"),
                    "422": _error(
                        "不是两家参会单位，或冲突（一方已有洽谈、在休息或没有空桌），errors 中说明。"
                    ),
                    **errors,
                },
            },
        },
        "/events/{event_id}/registration": {
            "post": {
                "operationId": "registerForEvent",
                "summary": "报名参加或修改报名",
                "description": "已认证的企业、高校院所报名（201），已报名的修改报名（200）：带来的本单位已发布信息"
                "（最多 5 条）、不能洽谈的时段（从 0 开始）。报名截止、名额已满或活动已结束时为 409。",
                "parameters": [EVENT_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/RegistrationInput"}}
                    },
                },
                "responses": {
                    "200": _ok("已修改报名。", "Registration"),
                    "201": _ok("已报名。", "Registration"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不能报名（主管部门、单位未认证）。"),
                    "404": _error("活动不存在。"),
                    "409": _error("报名已截止、名额已满或活动已结束。"),
                    "422": _error("内容未通过校验，errors 中说明。"),
                    **errors,
                },
            },
            "delete": {
                "operationId": "cancelRegistration",
                "summary": "取消报名",
                "description": "本单位的洽谈随之取消，对方收到通知。",
                "parameters": [EVENT_ID],
                "responses": {
                    "204": {"description": "已取消报名。"},
                    "404": _error("活动不存在，或本单位没有报名。"),
                    "409": _error("活动已结束。"),
                    **errors,
                },
            },
        },
        "/events/{event_id}/meeting-requests": {
            "post": {
                "operationId": "requestMeeting",
                "summary": "约见参会单位",
                "description": "已报名的参会单位约见另一家参会单位；排期时约见的洽谈优先安排。",
                "parameters": [EVENT_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["organization_id"],
                                "additionalProperties": False,
                                "properties": {
                                    "organization_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                                    "note": {"type": "string", "maxLength": 500},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _ok("已约见。", "MeetingRequest"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者本单位未报名本活动。"),
                    "404": _error("活动不存在。"),
                    "409": _error("活动已结束或报名已取消。"),
                    "422": _error("对方不是本活动的参会单位，或已约见过。"),
                    **errors,
                },
            }
        },
        "/events/{event_id}/schedule": {
            "post": {
                "operationId": "buildSchedule",
                "summary": "自动排期（主管部门）",
                "description": "先安排约见，再按匹配度安排推荐的洽谈；同一单位不同时出现在两处、不排在其休息时段，"
                "人工调整过的洽谈保持不动。请求体可省略。",
                "parameters": [EVENT_ID],
                "responses": {
                    "200": _ok("排期结果。", "ScheduleResult"),
                    "400": _error("请求体不是空的 JSON 对象。"),
                    "403": _error("调用者不是主管部门。"),
                    "404": _error("活动不存在。"),
                    "409": _error("活动已举办或已取消。"),
                    "503": _error("推荐暂时不可用（索引故障，已记录）。"),
                    **errors,
                },
            }
        },
        **_event_management_paths(),
    }


def _event_management_paths() -> dict[str, Any]:
    """Bureau staff's changes to events, the participants' withdrawal, hand-made schedules and
    outcomes: the API twins of the web pages' forms (events/api.py)."""
    errors = COMMON_ERRORS
    meeting = {"422": _error("冲突（一方已有洽谈、在休息或没有空桌），errors 中说明；未作任何改动。")}
    return {
        "/events/{event_id}/held": {
            "post": {
                "operationId": "markEventHeld",
                "summary": "标记活动已举办（主管部门）",
                "description": "之后可记录每场洽谈的结果。请求体可省略。",
                "parameters": [EVENT_ID],
                "responses": {
                    "200": _ok("活动详情。", "EventDetail"),
                    "400": _error("请求体不是空的 JSON 对象。"),
                    "403": NOT_STAFF,
                    "404": NO_EVENT,
                    "409": _error("活动已举办或已取消。"),
                    **errors,
                },
            }
        },
        "/events/{event_id}/cancel": {
            "post": {
                "operationId": "cancelEvent",
                "summary": "取消活动（主管部门）",
                "description": "须写明原因，报名单位会收到通知。",
                "parameters": [EVENT_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "additionalProperties": False,
                        "properties": {"reason": {"type": "string", "minLength": 2, "maxLength": 500}},
                    }
                ),
                "responses": {
                    "200": _ok("活动详情。", "EventDetail"),
                    "400": BAD_BODY,
                    "403": NOT_STAFF,
                    "404": NO_EVENT,
                    "409": _error("活动已举办或已取消。"),
                    "422": _error("没有写明原因。"),
                    **errors,
                },
            }
        },
        "/events/{event_id}/invitations": {
            "get": {
                "operationId": "listInvitations",
                "summary": "按匹配邀请：推荐名单和已邀请的单位（主管部门）",
                "description": "有承办单位时，为其已发布信息匹配到的信息的发布单位，附匹配度和共同词；"
                "没有时，为在活动领域、镇区发布信息的单位。",
                "parameters": [EVENT_ID],
                "responses": {
                    "200": _ok("推荐和已邀请。", "Invitations"),
                    "400": _error("带了不支持的参数。"),
                    "403": NOT_STAFF,
                    "404": NO_EVENT,
                    "503": _error("推荐暂时不可用（索引故障，已记录）。"),
                    **errors,
                },
            },
            "post": {
                "operationId": "inviteToEvent",
                "summary": "邀请单位参加（主管部门）",
                "description": "被邀请单位的用户收到通知；已邀请或已报名的单位不重复邀请。",
                "parameters": [EVENT_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["organization_ids"],
                        "additionalProperties": False,
                        "properties": {
                            "organization_ids": {
                                "type": "array",
                                "maxItems": 200,
                                "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                            }
                        },
                    }
                ),
                "responses": {
                    "200": _ok("本次新邀请的单位。", "Invited"),
                    "400": BAD_BODY,
                    "403": NOT_STAFF,
                    "404": NO_EVENT,
                    "409": _error("活动已举办或已取消。"),
                    "422": _error("单位不存在，或不是已认证的企业、高校院所。"),
                    **errors,
                },
            },
        },
        "/events/{event_id}/meetings/{meeting_id}": {
            "patch": {
                "operationId": "moveMeeting",
                "summary": "调整洽谈时段（主管部门）",
                "description": "移到另一时段的空桌，重新排期时保留在此。",
                "parameters": [EVENT_ID, MEETING_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["slot"],
                        "additionalProperties": False,
                        "properties": {"slot": SLOT},
                    }
                ),
                "responses": {
                    "200": _ok("调整后的洽谈。", "Meeting"),
                    "400": BAD_BODY,
                    "403": NOT_STAFF,
                    "404": _error("活动或洽谈不存在。"),
                    "409": _error("活动已举办或已取消。"),
                    **meeting,
                    **errors,
                },
            },
            "delete": {
                "operationId": "removeMeeting",
                "summary": "取消一场洽谈（主管部门）",
                "description": "双方收到通知。",
                "parameters": [EVENT_ID, MEETING_ID],
                "responses": {
                    "204": {"description": "已取消。"},
                    "403": NOT_STAFF,
                    "404": _error("活动或洽谈不存在。"),
                    "409": _error("活动已举办或已取消。"),
                    **errors,
                },
            },
        },
        "/events/{event_id}/meetings/{meeting_id}/outcome": {
            "post": {
                "operationId": "recordMeetingOutcome",
                "summary": "记录洽谈结果（主管部门，活动举办后）",
                "description": "held 已洽谈、missed 未到场、paired 形成对接。paired 须给出 posting_ids："
                "[对接的需求或产品, 对方回应它的信息]，对接进入对接流程（已接受），或回应双方之间未答复的意向。",
                "parameters": [EVENT_ID, MEETING_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["outcome"],
                        "additionalProperties": False,
                        "properties": {
                            "outcome": {"type": "string", "enum": ["held", "missed", "paired"]},
                            "note": {"type": "string", "maxLength": 1000},
                            "posting_ids": {
                                "type": "array",
                                "minItems": 2,
                                "maxItems": 2,
                                "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                            },
                        },
                    }
                ),
                "responses": {
                    "200": _ok("记录后的洽谈（pairing_id：形成的对接）。", "Meeting"),
                    "400": BAD_BODY,
                    "403": NOT_STAFF,
                    "404": _error("活动或洽谈不存在。"),
                    "409": _error("活动尚未标记为已举办，或这场洽谈已形成对接。"),
                    "422": _error("结果或对接依据有误，errors 中说明。"),
                    **errors,
                },
            }
        },
    }


def _event_schemas() -> dict[str, Any]:
    date = {"type": "string", "format": "date"}
    nullable_text = {"type": "string", "nullable": True}
    event = {
        "type": "object",
        "required": ["id", "title", "kind", "status", "held_on", "registration_deadline", "registered"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "kind": _codes(EventKind),
            "status": _codes(EventStatus),
            "registration_open": {"type": "boolean"},
            "held_on": date,
            "registration_deadline": date,
            "place": nullable_text,
            "link": nullable_text,
            "organisers": {"type": "string"},
            "host": {**EVENT_NAMED, "nullable": True},
            "capacity": {"type": "integer", "nullable": True},
            "registered": {"type": "integer"},
            "fields": {"type": "array", "items": {"type": "string"}},
            "towns": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string"},
        },
    }
    registration = {
        "type": "object",
        "required": ["organization", "posting_ids", "breaks"],
        "properties": {
            "organization": EVENT_NAMED,
            "posting_ids": {"type": "array", "items": {"type": "integer"}},
            "breaks": {"type": "array", "items": {"type": "integer"}},
            "attendees": nullable_text,
            "note": nullable_text,
        },
    }
    figures = {
        "type": "object",
        "properties": {
            k: {"type": "integer"}
            for k in (
                "invited",
                "registered",
                "meetings",
                "requested",
                "held",
                "pairings",
                "agreements",
                "verified",
            )
        },
    }
    event_input = {
        "type": "object",
        "required": ["title", "kind", "held_on", "registration_deadline", "organisers"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "minLength": 4, "maxLength": 120},
            "kind": _codes(EventKind),
            "held_on": date,
            "registration_deadline": date,
            "organisers": {"type": "string", "minLength": 1, "maxLength": 200},
            "place": {"type": "string", "maxLength": 200},
            "link": {"type": "string", "maxLength": 300},
            "description": {"type": "string", "maxLength": 5000},
            "capacity": {"type": "integer", "minimum": 1, "maximum": 2000, "nullable": True},
            "host_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "nullable": True},
            "fields": {"type": "array", "items": {"type": "string"}, "description": "技术领域名称。"},
            "towns": {"type": "array", "items": {"type": "string"}, "description": "镇区名称。"},
            "first_slot": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
            "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 120},
            "slot_count": {"type": "integer", "minimum": 1, "maximum": 48},
            "tables": {"type": "integer", "minimum": 1, "maximum": 200},
        },
    }
    return {
        "Event": event,
        "EventPage": {
            "type": "object",
            "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        },
        "EventDetail": {
            "allOf": [
                {"$ref": "#/components/schemas/Event"},
                {
                    "type": "object",
                    "properties": {
                        "description": nullable_text,
                        "slots": {"type": "array", "items": {"type": "string"}},
                        "tables": {"type": "integer"},
                        "figures": figures,
                        "participants": {"type": "array", "items": EVENT_NAMED, "nullable": True},
                        "my_registration": {
                            "allOf": [{"$ref": "#/components/schemas/Registration"}],
                            "nullable": True,
                        },
                    },
                },
            ]
        },
        "Registration": registration,
        "EventInput": event_input,
        "EventPatch": {k: v for k, v in event_input.items() if k != "required"},
        "Invitations": {
            "type": "object",
            "required": ["candidates", "invited"],
            "properties": {
                "candidates": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["organization", "strength", "reason", "invited", "registered"],
                        "properties": {
                            "organization": EVENT_NAMED,
                            "strength": {"type": "integer", "nullable": True},
                            "reason": {"type": "string"},
                            "matched_terms": {"type": "array", "items": {"type": "string"}},
                            "their_posting_id": {"type": "integer", "nullable": True},
                            "host_posting_id": {"type": "integer", "nullable": True},
                            "invited": {"type": "boolean"},
                            "registered": {"type": "boolean"},
                        },
                    },
                },
                "invited": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["organization"],
                        "properties": {
                            "organization": EVENT_NAMED,
                            "strength": {"type": "integer", "nullable": True},
                            "reason": nullable_text,
                            "invited_at": {"type": "string", "format": "date-time"},
                        },
                    },
                },
            },
        },
        "Invited": {
            "type": "object",
            "required": ["invited"],
            "properties": {"invited": {"type": "array", "items": {"type": "integer"}}},
        },
        "RegistrationInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "posting_ids": {"type": "array", "maxItems": 5, "items": {"type": "integer", "minimum": 1}},
                "breaks": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 47}},
                "attendees": {"type": "string", "maxLength": 200},
                "note": {"type": "string", "maxLength": 1000},
            },
        },
        "Meeting": {
            "type": "object",
            "required": ["id", "slot", "time", "table", "a", "b", "requested", "outcome"],
            "properties": {
                "id": {"type": "integer"},
                "slot": {"type": "integer"},
                "time": {"type": "string"},
                "table": {"type": "integer"},
                "a": EVENT_NAMED,
                "b": EVENT_NAMED,
                "requested": {"type": "boolean"},
                "fixed": {"type": "boolean"},
                "strength": {"type": "integer"},
                "outcome": _codes(MeetingOutcome),
                "pairing_id": {"type": "integer", "nullable": True},
            },
        },
        "MeetingList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}}},
        },
        "MeetingRequest": {
            "type": "object",
            "required": ["id", "from", "to"],
            "properties": {
                "id": {"type": "integer"},
                "from": {"type": "integer"},
                "to": {"type": "integer"},
                "note": nullable_text,
            },
        },
        "ScheduleResult": {
            "type": "object",
            "required": ["placed", "requested_placed", "unplaced"],
            "properties": {
                "placed": {"type": "integer"},
                "requested_placed": {"type": "integer"},
                "unplaced": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "a": {"type": "integer"},
                            "b": {"type": "integer"},
                            "requested": {"type": "boolean"},
                            "strength": {"type": "integer"},
                        },
                    },
                },
            },
        },
    }
