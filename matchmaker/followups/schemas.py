"""The API's follow-up resources, declared once: what /api/v1/followups… take and answer. Limits
come from the service's own constants (followups/operations.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from matchmaker.api.inputs import page_fields
from matchmaker.core.apidoc import Integer, Length, List, Nested, OneOf, Output, Schema, String
from matchmaker.core.web import site_path
from matchmaker.followups.operations import REASON_LENGTH
from matchmaker.followups.queries import STATES, is_overdue
from matchmaker.followups.values import FollowUpAnswer


def _codes(enum: Any) -> str:
    return "；".join(f"{m.value}={m.label}" for m in enum)


def _answers(**kwargs: Any) -> fields.Enum:
    return fields.Enum(
        FollowUpAnswer,
        by_value=fields.String,
        error_messages={"unknown": "回答无效，可选：" + "、".join(a.value for a in FollowUpAnswer) + "。"},
        metadata={"description": _codes(FollowUpAnswer)},
        **kwargs,
    )


# --- input ------------------------------------------------------------------------------------


class FollowUpAnswerInputSchema(Schema):
    answer = _answers(required=True)
    reason = String(
        allow_none=True,
        validate=Length(max=REASON_LENGTH),
        metadata={"description": "说明；answer 为 ended（已终止）时必填，写明原因。"},
    )


class FollowUpQuerySchema(Schema):
    page = page_fields()["page"]
    per_page = page_fields()["per_page"]


class FollowUpStaffQuerySchema(Schema):
    since = fields.Date(metadata={"description": "回访发出日期自（含），YYYY-MM-DD。"})
    until = fields.Date(metadata={"description": "回访发出日期至（含），YYYY-MM-DD。"})
    answer = _answers()
    state = String(
        validate=OneOf(list(STATES), error="可选：" + "、".join(STATES) + "。"),
        metadata={"description": "；".join(f"{k}={v}" for k, v in STATES.items())},
    )
    page = page_fields()["page"]
    per_page = page_fields()["per_page"]


class FollowUpFiguresQuerySchema(Schema):
    since = fields.Date(
        metadata={"description": "回访发出日期自（含），YYYY-MM-DD；与 until 都不给时为今年。"}
    )
    until = fields.Date(metadata={"description": "回访发出日期至（含），YYYY-MM-DD。"})


# --- output -----------------------------------------------------------------------------------


class FollowUpOrgSchema(Output):
    id = Integer(required=True)
    name = String(required=True)


class FollowUpSchema(Output):
    id = Integer(required=True)
    pairing_id = Integer(required=True)
    pairing_title = String(required=True, attribute="pairing.target.title")
    organization = Nested(
        FollowUpOrgSchema, required=True, metadata={"description": "被回访的单位（回答这一份的一方）。"}
    )
    other_organization = Nested(FollowUpOrgSchema, required=True, attribute="other_org")
    months = Integer(required=True, metadata={"description": "对接被接受后第几个月的回访。"})
    due_on = fields.Date(required=True)
    asked_on = fields.Date(required=True)
    answer = _answers(required=True, allow_none=True)
    reason = String(required=True, allow_none=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    overdue = fields.Function(
        lambda f: is_overdue(f),
        required=True,
        metadata={"type": "boolean", "description": "超过回答期限仍未回答。"},
    )
    agreement_form = fields.Function(
        lambda f: (
            site_path("agreements.create", pairing=f.pairing_id)
            if f.answer is FollowUpAnswer.SIGNED
            else None
        ),
        required=True,
        allow_none=True,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "回答已签约时：登记协议页面（按对接预填）的站内路径；仅回答不计入统计。",
        },
    )


class FollowUpPageSchema(Output):
    items = List(Nested(FollowUpSchema), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)


class FollowUpPeriodSchema(Output):
    month = String(required=True, attribute="label", metadata={"description": "YYYY-MM（发出月份）。"})
    asked = Integer(required=True)
    answered = Integer(required=True)
    rate = fields.Float(required=True, allow_none=True)


class FollowUpAnswerCountSchema(Output):
    answer = _answers(required=True)
    count = Integer(required=True)


class FollowUpFiguresSchema(Output):
    since = fields.Date(required=True, allow_none=True, attribute="span.since")
    until = fields.Date(required=True, allow_none=True, attribute="span.until")
    asked = Integer(required=True)
    answered = Integer(required=True)
    rate = fields.Float(required=True, allow_none=True, metadata={"description": "回答率：已回答 / 已发出。"})
    unanswered = Integer(required=True)
    overdue = Integer(required=True)
    answer_days = Integer(required=True, metadata={"description": "回答期限（天）。"})
    answers = List(
        Nested(FollowUpAnswerCountSchema),
        required=True,
        attribute="answer_counts",
        metadata={"description": "各回答的份数。"},
    )
    periods = List(Nested(FollowUpPeriodSchema), required=True)
