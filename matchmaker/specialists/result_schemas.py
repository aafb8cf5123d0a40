"""The API's results-per-person and attribution resources, declared once: what
/api/v1/specialists/results, …/results/records and /pairings|agreements/{id}/attribution take and
answer (written into /api/v1/openapi.json). What each figure counts: specialists/results.py."""

from __future__ import annotations

from marshmallow import fields

from matchmaker.core.apidoc import (
    Day,
    Id,
    Integer,
    Length,
    List,
    Nested,
    Number,
    OneOf,
    Output,
    Schema,
    String,
)
from matchmaker.core.web import MAX_ID
from matchmaker.specialists.attribution import MAX_NOTE
from matchmaker.specialists.results import BY_FIGURE, FIGURES, GROUPINGS, REWARD

FIGURE_NOTES = "；".join(f"{f.code}={f.label}" for f in (*FIGURES, REWARD))


class ResultsQuerySchema(Schema):
    # "from" is a Python keyword: the members are named by data_key.
    first = Day(
        data_key="from",
        metadata={"description": "期间的第一天（缺省：今天执行中的计划的期间，没有时为今年）。"},
    )
    last = Day(data_key="to", metadata={"description": "期间的最后一天（含）。"})


class RecordsQuerySchema(ResultsQuerySchema):
    figure = String(
        required=True,
        validate=OneOf(list(BY_FIGURE)),
        metadata={"description": FIGURE_NOTES},
    )
    by = String(
        required=True,
        validate=OneOf(list(GROUPINGS)),
        metadata={"description": "；".join(f"{k}={v}" for k, v in GROUPINGS.items())},
    )
    key = String(
        required=True,
        validate=Length(min=1, max=60),
        metadata={
            "description": "行：by=specialist 时为专员编号，agency 时为机构（单位）编号，team 时为科技镇长团名称。"
        },
    )


class AttributionInputSchema(Schema):
    found_by_id = Id(
        MAX_ID,
        allow_none=True,
        metadata={"description": "发现人（用户编号，须是在任的专员）；null 为无；缺省为不变。"},
    )
    brokered_by_id = Id(
        MAX_ID,
        allow_none=True,
        metadata={"description": "居间人（用户编号，须是在任的专员）；null 为无；缺省为不变。"},
    )
    note = String(
        required=True, validate=Length(min=1, max=MAX_NOTE), metadata={"description": "依据（必填）。"}
    )


# --- output ---------------------------------------------------------------------------------------


class AttributionSchema(Output):
    id = Integer(required=True)
    found_by_id = Integer(required=True, allow_none=True)
    brokered_by_id = Integer(required=True, allow_none=True)
    attribution_note = String(required=True, allow_none=True)


ResultFiguresSchema = type(
    "ResultFiguresSchema",
    (Output,),
    {
        f.code: (
            Number(metadata={"description": f.label})
            if f.money
            else Integer(required=True, metadata={"description": f.label})
        )
        for f in (*FIGURES, REWARD)
    },
)


class ResultRowSchema(Output):
    key = String(required=True, metadata={"description": "行的键（见 records 的 key）。"})
    name = String(required=True)
    detail = String(required=True)
    active = fields.Boolean(required=True, metadata={"description": "专员是否在任（团队、机构恒为 true）。"})
    figures = Nested(ResultFiguresSchema, required=True, attribute="values")


class ResultsSchema(Output):
    first = fields.Date(required=True, data_key="from")
    last = fields.Date(required=True, data_key="to")
    reward_percent = Number(
        required=True,
        allow_none=True,
        metadata={"description": "奖励基数的百分比；未设置时为 null，行中无 reward。"},
    )
    specialists = List(Nested(ResultRowSchema), required=True)
    teams = List(Nested(ResultRowSchema), required=True)
    agencies = List(Nested(ResultRowSchema), required=True)


class ResultRecordsSchema(Output):
    figure = String(required=True)
    records = String(
        required=True, metadata={"description": "organization、visit、posting、pairing 或 agreement。"}
    )
    ids = List(Integer(), required=True, metadata={"description": "记录编号；个数即该数字。"})
    total = Number(required=True, metadata={"description": "计数，或技术交易额、奖励基数（万元）。"})
