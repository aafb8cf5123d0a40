"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json and rendered at /api/v1/docs.

Written out here rather than generated: the API is small, and a description one can read top to
bottom is the contract the provincial and city platforms code against. tests/test_api_schema.py
runs Schemathesis against it, so it can't drift from what the views do.
"""

from __future__ import annotations

from typing import Any

from matchmaker.accounts.models import OrgStatus, OrgType
from matchmaker.agreements.models import (
    AgreementStatus,
    AgreementType,
    PartySide,
    PartyType,
    Registration,
)
from matchmaker.api.inputs import MAX_PER_PAGE, term_names
from matchmaker.core.web import MAX_ID, MAX_PAGE
from matchmaker.events.models import EventKind, EventStatus, MeetingOutcome
from matchmaker.profiles.models import MeasureKind
from matchmaker.taxonomy.models import EnterpriseTier, TechField, Town

VERSION = "1.0.0"
INDICATOR_CODES = [
    "iur_agreements",
    "tech_transfer",
    "new_products",
    "innovation_plans",
]  # the plan's (migration 0011)


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


AGREEMENT_ID = _integer_param("agreement_id", "path", "协议编号。", MAX_ID)
SPAN = {"type": "string", "pattern": r"^\d{4}(-\d{4})?$"}


def _agreement_step(
    operation_id: str, summary: str, description: str, body: dict[str, Any] | None
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "parameters": [AGREEMENT_ID],
        "responses": {
            "200": _ok("这一步之后的协议。", "Agreement"),
            "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
            "403": _error("调用者不能走这一步。"),
            "404": _error("协议不存在，或调用者无权查看。"),
            "409": _error("当前状态下不能走这一步（如尚未经对方确认就核验），或刚刚已被他人处理。"),
            "422": _error("内容未通过校验。"),
            **COMMON_ERRORS,
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def _agreement_paths() -> dict[str, Any]:
    """Agreements (what the plan counts) and the indicators they are counted against."""
    return {
        "/agreements": {
            "get": {
                "operationId": "listAgreements",
                "summary": "列出协议",
                "description": "调用者本单位参与或登记的协议（主管部门：全部），不含已删除的，按签订日期倒序。"
                "带 indicator 时只列计入该指标的（已核验、同一合同只计一次），year 缺省为今天执行中的计划的计划期（没有时为今年）。",
                "parameters": [
                    {
                        "name": "year",
                        "in": "query",
                        "description": "签订年份（2025）或期间（2023-2025）。",
                        "schema": SPAN,
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "description": "状态。",
                        "schema": _codes(AgreementStatus),
                    },
                    {
                        "name": "indicator",
                        "in": "query",
                        "description": "指标代码。",
                        "schema": {"type": "string", "enum": INDICATOR_CODES},
                    },
                    *PAGING,
                ],
                "responses": {
                    "200": _ok("一页协议。", "AgreementPage"),
                    "400": _error("参数有误。"),
                    **COMMON_ERRORS,
                },
            },
            "post": {
                "operationId": "createAgreement",
                "summary": "登记协议",
                "description": "企业、高校院所（单位须已认证，且是协议一方）或主管部门登记一份协议；"
                "由另一方确认、主管部门核验后计入指标。带 pairing_id 时关联对接（洽谈中的对接随之改为已签约）。"
                "同一登记编号不能登记两次。",
                "requestBody": _body({"$ref": "#/components/schemas/AgreementInput"}),
                "responses": {
                    "201": _ok("已登记；Location 头为协议地址。", "Agreement"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不能登记协议（单位未认证等）。"),
                    "409": _error("关联的对接不在洽谈中或已签约状态。"),
                    "422": _error("内容未通过校验，errors 中逐字段说明；未保存任何内容。"),
                    **COMMON_ERRORS,
                },
            },
        },
        "/agreements/{agreement_id}": {
            "get": {
                "operationId": "getAgreement",
                "summary": "查看一份协议",
                "parameters": [AGREEMENT_ID],
                "responses": {
                    "200": _ok("协议详情。", "Agreement"),
                    "400": _error("带了不支持的参数。"),
                    "404": _error("协议不存在，或调用者不是协议各方、登记单位或主管部门。"),
                    **COMMON_ERRORS,
                },
            },
            "patch": {
                "operationId": "updateAgreement",
                "summary": "修改协议",
                "description": "登记单位或主管部门修改协议，与网页上的“修改”同一规则：给出的字段替换原值（null 清空可选字段）。"
                "对方确认后修改类别、签订日期、金额、登记编号或协议各方，协议回到“待对方确认”（已核验的也退出统计），"
                "须对方重新确认、主管部门重新核验；登记单位不能把自己从协议各方中移除；已删除的协议不能修改。"
                "带 version 时，若协议在读取后已被修改则拒绝（409）。",
                "parameters": [AGREEMENT_ID],
                "requestBody": _body({"$ref": "#/components/schemas/AgreementPatch"}),
                "responses": {
                    "200": _ok("修改后的协议。", "Agreement"),
                    "400": _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。"),
                    "403": _error("调用者不是登记单位或主管部门。"),
                    "404": _error("协议不存在，或调用者无权查看。"),
                    "409": _error("协议已删除，或在读取后已被修改。"),
                    "422": _error("内容未通过校验，errors 中逐字段说明；未保存任何内容。"),
                    **COMMON_ERRORS,
                },
            },
        },
        "/agreements/{agreement_id}/confirm": {
            "post": _agreement_step(
                "confirmAgreement",
                "确认协议",
                "协议另一方确认签订了这份协议。请求体可省略；带上读取时的 version，协议在此之后有修改则 409。",
                _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"version": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                    },
                    required=False,
                ),
            )
        },
        "/agreements/{agreement_id}/verify": {
            "post": _agreement_step(
                "verifyAgreement",
                "核验协议",
                "主管部门核验后协议计入指标。须已经另一方确认（另一方不在平台上时可直接核验）。请求体可省略；"
                "带上读取时的 version，协议在此之后有修改则 409。",
                _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "note": {"type": "string"},
                            "version": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        },
                    },
                    required=False,
                ),
            )
        },
        "/agreements/{agreement_id}/return": {
            "post": _agreement_step(
                "returnAgreement",
                "退回协议",
                "主管部门退回补正，须写明理由。",
                _body(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "additionalProperties": False,
                        "properties": {"reason": {"type": "string", "maxLength": 1000}},
                    }
                ),
            )
        },
        "/indicators": {
            "get": {
                "operationId": "listIndicators",
                "summary": "计划指标完成情况",
                "description": "每个指标的目标和计入的协议：只计已核验的协议，每份在签订年份计一次，同一合同重复登记只计一次；"
                "count 等于 agreement_ids 的个数。目标和计数规则取覆盖所问期间的计划（plan）；"
                "不带参数时为今天（站点时区）执行中的计划的整个计划期，没有计划覆盖今天时为今年、没有目标（plan 为 null）。"
                "仅主管部门（开启公开看板时所有令牌）。",
                "parameters": [
                    {
                        "name": "plan",
                        "in": "query",
                        "description": "计划编号（见 /plans）：不带 year、period 时为该计划的整个计划期。",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    },
                    {
                        "name": "year",
                        "in": "query",
                        "description": "年份，如 2025。",
                        "schema": {"type": "string", "pattern": r"^\d{4}$"},
                    },
                    {"name": "period", "in": "query", "description": "期间，如 2023-2025。", "schema": SPAN},
                ],
                "responses": {
                    "200": _ok("各指标。", "Indicators"),
                    "400": _error("参数有误。"),
                    "403": _error("看板未公开，调用者不是主管部门。"),
                    **COMMON_ERRORS,
                },
            }
        },
    }


def _agreement_schemas(fields: list[str]) -> dict[str, Any]:
    date = {"type": "string", "format": "date"}
    party = {
        "type": "object",
        "required": ["side", "name", "party_type"],
        "additionalProperties": False,
        "properties": {
            "side": _codes(PartySide),
            "name": {"type": "string", "maxLength": 100},
            "credit_code": {
                "type": "string",
                "nullable": True,
                "description": "统一社会信用代码（企业必填）。",
            },
            "party_type": _codes(PartyType),
        },
    }
    agreement_properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "type": _codes(AgreementType),
        "equity": {"type": "boolean", "description": "作价入股（按技术转让登记）。"},
        "title": {"type": "string"},
        "status": _codes(AgreementStatus),
        "deleted": {"type": "boolean"},
        "signed_on": date,
        "valid_from": {**date, "nullable": True},
        "valid_until": {**date, "nullable": True},
        "contract_amount": {"type": "number", "nullable": True, "description": "合同成交额（万元）。"},
        "tech_amount": {"type": "number", "nullable": True, "description": "技术交易额（万元）。"},
        "field": {"type": "string", "nullable": True},
        "ip_involved": {"type": "string", "nullable": True},
        "registration": _codes(Registration),
        "registration_number": {"type": "string", "nullable": True},
        "notes": {"type": "string", "nullable": True},
        "pairing_id": {"type": "integer", "nullable": True},
        "parties": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["side", "name", "party_type"],
                "properties": {
                    **party["properties"],
                    "organization": {"$ref": "#/components/schemas/Organization", "nullable": True},
                },
            },
        },
        "recorded_by": {"$ref": "#/components/schemas/Organization"},
        "return_reason": {"type": "string", "nullable": True},
        "version": {
            "type": "integer",
            "description": "每次修改或状态变化加一；PATCH 可带上以防覆盖他人的修改。",
        },
        "confirmed_at": {"type": "string", "format": "date-time", "nullable": True},
        "verified_at": {"type": "string", "format": "date-time", "nullable": True},
        "url": {"type": "string"},
    }
    agreement_input: dict[str, Any] = {
        "type": "object",
        "required": ["type", "title", "signed_on", "parties"],
        "additionalProperties": False,
        "properties": {
            "type": _codes(AgreementType),
            "title": {"type": "string", "minLength": 4, "maxLength": 120},
            "signed_on": {**date, "description": "签订日期，不晚于今天。"},
            "parties": {"type": "array", "minItems": 1, "maxItems": 6, "items": party},
            "equity": {"type": "boolean", "default": False},
            "valid_from": {**date, "nullable": True},
            "valid_until": {**date, "nullable": True},
            "contract_amount": {"type": "number", "minimum": 0, "maximum": 1000000, "nullable": True},
            "tech_amount": {
                "type": "number",
                "minimum": 0,
                "maximum": 1000000,
                "nullable": True,
                "description": "不大于合同成交额。",
            },
            "field": {"type": "string", "enum": [*fields, None], "nullable": True},
            "ip_involved": {"type": "string", "maxLength": 1000, "nullable": True},
            "registration": {**_codes(Registration), "default": Registration.NOT_APPLIED.value},
            "registration_number": {
                "type": "string",
                "maxLength": 40,
                "nullable": True,
                "description": "已登记时必填。",
            },
            "notes": {"type": "string", "maxLength": 2000, "nullable": True},
            "pairing_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "nullable": True},
        },
    }
    return {
        "Agreement": {
            "type": "object",
            "required": ["id", "type", "title", "status", "signed_on", "parties", "registration"],
            "properties": agreement_properties,
        },
        "AgreementPage": {
            "type": "object",
            "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Agreement"}},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        },
        "AgreementInput": agreement_input,
        "AgreementPatch": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                **{
                    k: v
                    for k, v in agreement_input["properties"].items()
                    if k not in ("pairing_id", "equity", "registration")
                },
                "equity": {"type": "boolean"},
                "registration": _codes(Registration),
                "version": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            },
        },
        "Indicators": {
            "type": "object",
            "required": ["period", "indicators"],
            "properties": {
                "period": {"type": "string"},
                "plan": {
                    "allOf": [{"$ref": "#/components/schemas/PlanSummary"}],
                    "nullable": True,
                    "description": "目标所属的计划；没有计划覆盖所问期间时为 null。",
                },
                "indicators": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "name", "target", "count", "agreement_ids"],
                        "properties": {
                            "code": {"type": "string", "enum": INDICATOR_CODES},
                            "name": {"type": "string"},
                            "target": {"type": "integer", "nullable": True},
                            "count": {"type": "integer"},
                            "agreement_ids": {"type": "array", "items": {"type": "integer"}},
                        },
                    },
                },
            },
        },
    }


def spec() -> dict[str, Any]:
    """The description, with this installation's 技术领域 and 镇区 as enumerations."""
    fields, towns = term_names(TechField, active_only=False), term_names(Town, active_only=False)
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
            **_agreement_paths(),
            **_call_paths(),
            **_profile_paths(towns, term_names(EnterpriseTier)),
            **_event_paths(),
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
                **_agreement_schemas(fields),
                **_call_schemas(),
                **_profile_schemas(),
                **_event_schemas(),
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
