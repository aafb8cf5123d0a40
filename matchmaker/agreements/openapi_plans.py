"""The OpenAPI description of /api/v1/plans (matchmaker/api/plans.py), kept beside the
hand-written document (openapi.py) that includes it."""

from __future__ import annotations

from typing import Any

from matchmaker.agreements.values import AgreementType, PlanStatus
from matchmaker.core.web import MAX_ID

PLAN_ID = {
    "name": "plan_id",
    "in": "path",
    "required": True,
    "description": "计划编号。",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}
TARGET_VALUE = {
    "type": "integer",
    "minimum": 0,
    "maximum": 100000,
    "nullable": True,
    "description": "目标数；null 删除该目标。",
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, ref: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _target_inputs(indicator_codes: list[str], tiers: list[str]) -> dict[str, Any]:
    return {
        "targets": {
            "type": "array",
            "maxItems": 200,
            "description": "指标目标：period 为计划内的年份（如 2027）或整个计划期（如 2027-2029）。",
            "items": {
                "type": "object",
                "required": ["indicator", "period", "value"],
                "additionalProperties": False,
                "properties": {
                    "indicator": {"type": "string", "enum": indicator_codes},
                    "period": {"type": "string", "pattern": r"^[0-9]{4}(-[0-9]{4})?$"},
                    "value": TARGET_VALUE,
                },
            },
        },
        "tier_targets": {
            "type": "array",
            "maxItems": 200,
            "description": "梯度培育目标（计划最后一年末的企业数）。",
            "items": {
                "type": "object",
                "required": ["tier", "value"],
                "additionalProperties": False,
                "properties": {"tier": {"type": "string", "enum": tiers}, "value": TARGET_VALUE},
            },
        },
    }


def plan_paths(indicator_codes: list[str], tiers: list[str], errors: dict[str, Any]) -> dict[str, Any]:
    bad_body = _error("请求体不是 JSON 对象，或含不支持的字段、类型不对。")
    readers = "主管部门（开启公开看板时所有令牌）可以查看"
    return {
        "/plans": {
            "get": {
                "operationId": "listPlans",
                "summary": "培育计划列表",
                "description": "全部计划，开始年份最新的在前；in_force 为今天（站点时区）执行中的计划编号，"
                f"没有计划覆盖今天时为 null。{readers}。",
                "responses": {
                    "200": _ok("计划列表。", "PlanList"),
                    "400": _error("带了不支持的参数。"),
                    "403": _error("看板未公开，调用者不是主管部门。"),
                    **errors,
                },
            },
            "post": {
                "operationId": "createPlan",
                "summary": "新建计划（主管部门）",
                "description": "新计划执行中；计数规则和梯度培育目标复制自 copy_from（默认：开始年份更早的最近一个计划），"
                "copy 为 false 时不复制。可同时设定 targets 和 tier_targets。每项修改都记入操作记录。",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["name", "start_year", "end_year"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 4, "maxLength": 100},
                            "doc_number": {"type": "string", "maxLength": 60, "nullable": True},
                            "start_year": YEAR,
                            "end_year": {**YEAR, "description": "不早于开始年份，计划最长10年。"},
                            "bureaus": {"type": "string", "maxLength": 200, "nullable": True},
                            "demo": {"type": "boolean"},
                            "copy_from": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                            "copy": {"type": "boolean"},
                            **_target_inputs(indicator_codes, tiers),
                        },
                    }
                ),
                "responses": {
                    "201": _ok("新建的计划。", "Plan"),
                    "400": bad_body,
                    "403": _error("调用者不是主管部门。"),
                    "422": _error(
                        "内容未通过校验（年份、名称、已有相同期间的执行中计划、目标期间等），errors 中说明。"
                    ),
                    **errors,
                },
            },
        },
        "/plans/{plan_id}": {
            "get": {
                "operationId": "getPlan",
                "summary": "一个计划",
                "description": f"计划信息、计数规则和全部目标。{readers}。",
                "parameters": [PLAN_ID],
                "responses": {
                    "200": _ok("计划。", "Plan"),
                    "400": _error("带了不支持的参数。"),
                    "403": _error("看板未公开，调用者不是主管部门。"),
                    "404": _error("计划不存在。"),
                    **errors,
                },
            },
            "patch": {
                "operationId": "updatePlan",
                "summary": "修改计划或结束计划（主管部门）",
                "description": "只改给出的字段（名称、文号、责任部门）；status 为 closed 时结束计划（仍可查看）。"
                "计划的起止年份不能修改（目标按年份设定）。",
                "parameters": [PLAN_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 4, "maxLength": 100},
                            "doc_number": {"type": "string", "maxLength": 60},
                            "bureaus": {"type": "string", "maxLength": 200},
                            "status": {"type": "string", "enum": [PlanStatus.CLOSED.value]},
                        },
                    }
                ),
                "responses": {
                    "200": _ok("修改后的计划。", "Plan"),
                    "400": bad_body,
                    "403": _error("调用者不是主管部门。"),
                    "404": _error("计划不存在。"),
                    "422": _error("内容未通过校验，errors 中说明。"),
                    **errors,
                },
            },
        },
        "/plans/{plan_id}/targets": {
            "get": {
                "operationId": "getPlanTargets",
                "summary": "计划的目标",
                "description": f"各指标按年度和计划期的目标，以及梯度培育目标；periods 为可设定目标的期间。{readers}。",
                "parameters": [PLAN_ID],
                "responses": {
                    "200": _ok("目标。", "PlanTargets"),
                    "400": _error("带了不支持的参数。"),
                    "403": _error("看板未公开，调用者不是主管部门。"),
                    "404": _error("计划不存在。"),
                    **errors,
                },
            },
            "patch": {
                "operationId": "setPlanTargets",
                "summary": "设定计划的目标（主管部门）",
                "description": "设定给出的目标（value 为 null 删除），其余不变；每项修改都记入操作记录。",
                "parameters": [PLAN_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": _target_inputs(indicator_codes, tiers),
                    }
                ),
                "responses": {
                    "200": _ok("设定后的目标。", "PlanTargets"),
                    "400": bad_body,
                    "403": _error("调用者不是主管部门。"),
                    "404": _error("计划不存在。"),
                    "422": _error("指标、期间、梯度或目标数有误，errors 中说明。"),
                    **errors,
                },
            },
        },
    }


def plan_schemas(indicator_codes: list[str]) -> dict[str, Any]:
    nullable = {"type": "string", "nullable": True}
    summary_properties = {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "doc_number": nullable,
        "start_year": {"type": "integer"},
        "end_year": {"type": "integer"},
        "period": {"type": "string", "description": "如 2023-2025。"},
        "bureaus": nullable,
        "status": {"type": "string", "enum": [s.value for s in PlanStatus]},
        "status_label": {"type": "string"},
        "demo": {"type": "boolean", "description": "演示数据中的计划。"},
    }
    targets = {
        "targets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["indicator", "period", "value"],
                "properties": {
                    "indicator": {"type": "string", "enum": indicator_codes},
                    "period": {"type": "string"},
                    "value": {"type": "integer"},
                },
            },
        },
        "tier_targets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tier", "period", "value"],
                "properties": {
                    "tier": {"type": "string"},
                    "period": {"type": "string"},
                    "value": {"type": "integer"},
                },
            },
        },
    }
    return {
        "PlanSummary": {
            "type": "object",
            "required": list(summary_properties),
            "properties": summary_properties,
        },
        "PlanList": {
            "type": "object",
            "required": ["items", "in_force"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/PlanSummary"}},
                "in_force": {"type": "integer", "nullable": True},
            },
        },
        "Plan": {
            "type": "object",
            "required": [*summary_properties, "rules", "targets", "tier_targets"],
            "properties": {
                **summary_properties,
                "rules": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["indicator", "agreement_type", "iur_only"],
                        "properties": {
                            "indicator": {"type": "string", "enum": indicator_codes},
                            "agreement_type": {"type": "string", "enum": [t.value for t in AgreementType]},
                            "iur_only": {"type": "boolean"},
                        },
                    },
                },
                **targets,
            },
        },
        "PlanTargets": {
            "type": "object",
            "required": ["plan_id", "periods", "targets", "tier_targets"],
            "properties": {
                "plan_id": {"type": "integer"},
                "periods": {"type": "array", "items": {"type": "string"}},
                **targets,
            },
        },
    }
