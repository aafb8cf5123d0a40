"""The API's plan resource, declared once: what /api/v1/plans takes (parsed and checked before the
view runs) and what it answers (serialised from the models), both written into
/api/v1/openapi.json. Limits come from the service's own constants (services/plans.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, pre_dump

from matchmaker.agreements import counting
from matchmaker.agreements.models import FIRST_YEAR, LAST_YEAR, AgreementType, Plan, PlanStatus
from matchmaker.agreements.plans import BUREAUS_LENGTH, DOC_NUMBER_LENGTH, MAX_TARGET, NAME_LENGTH
from matchmaker.core.apidoc import (
    Boolean,
    Integer,
    ItemCount,
    Length,
    List,
    Nested,
    OneOf,
    Output,
    Range,
    Regexp,
    Schema,
    String,
    vocabulary,
)
from matchmaker.core.extensions import db
from matchmaker.core.web import MAX_ID
from matchmaker.taxonomy.models import EnterpriseTier

MAX_TARGETS = 200  # per request: far more than a plan has (indicators × years + tiers)
PERIOD_PATTERN = r"^[0-9]{4}(-[0-9]{4})?$"

INDICATORS = vocabulary("indicators", lambda: [i.code for i in counting.indicators()])
TIERS = vocabulary(
    "tiers", lambda: [t.name for t in db.session.scalars(EnterpriseTier.ordered(active_only=False))]
)


# --- input ------------------------------------------------------------------------------------


def _year(**metadata: Any) -> Integer:
    return Integer(required=True, validate=Range(FIRST_YEAR, LAST_YEAR), metadata=metadata)


def _target_value() -> Integer:
    return Integer(
        required=True,
        allow_none=True,
        validate=Range(0, MAX_TARGET),
        metadata={"description": "目标数；null 删除该目标。"},
    )


class TargetInputSchema(Schema):
    indicator = String(required=True, metadata=INDICATORS)
    period = String(required=True, validate=Regexp(PERIOD_PATTERN))
    value = _target_value()


class TierTargetInputSchema(Schema):
    tier = String(required=True, metadata=TIERS)
    value = _target_value()


class TargetsInputSchema(Schema):
    targets = List(
        Nested(TargetInputSchema),
        validate=ItemCount(max=MAX_TARGETS),
        metadata={"description": "指标目标：period 为计划内的年份（如 2027）或整个计划期（如 2027-2029）。"},
    )
    tier_targets = List(
        Nested(TierTargetInputSchema),
        validate=ItemCount(max=MAX_TARGETS),
        metadata={"description": "梯度培育目标（计划最后一年末的企业数）。"},
    )


class PlanCreateSchema(TargetsInputSchema):
    name = String(required=True, validate=Length(*NAME_LENGTH))
    doc_number = String(allow_none=True, validate=Length(max=DOC_NUMBER_LENGTH))
    start_year = _year()
    end_year = _year(description="不早于开始年份，计划最长10年。")
    bureaus = String(allow_none=True, validate=Length(max=BUREAUS_LENGTH))
    demo = Boolean()
    copy_from = Integer(validate=Range(1, MAX_ID))
    copy = Boolean()


class PlanPatchSchema(Schema):
    name = String(validate=Length(*NAME_LENGTH))
    doc_number = String(validate=Length(max=DOC_NUMBER_LENGTH))
    bureaus = String(validate=Length(max=BUREAUS_LENGTH))
    status = String(validate=OneOf([PlanStatus.CLOSED.value], error="只能改为 closed（结束计划）。"))


# --- output -----------------------------------------------------------------------------------


class _Sorted:
    """A plan whose targets read in the order the API lists them."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan

    def __getattr__(self, name: str) -> Any:
        return getattr(self._plan, name)

    @property
    def targets(self) -> list[Any]:
        return sorted(self._plan.targets, key=lambda t: (t.indicator_code, len(t.period), t.period))

    @property
    def tier_targets(self) -> list[Any]:
        return sorted(self._plan.tier_targets, key=lambda t: t.tier.position)


class TargetSchema(Output):
    indicator = String(required=True, attribute="indicator_code", metadata=INDICATORS)
    period = String(required=True)
    value = Integer(required=True)


class TierTargetSchema(Output):
    tier = String(required=True, attribute="tier.name")
    period = String(required=True)
    value = Integer(required=True)


class _TargetsOutput(Output):
    targets = List(Nested(TargetSchema), required=True)
    tier_targets = List(Nested(TierTargetSchema), required=True)

    @pre_dump
    def _in_order(self, plan: Plan, **_: Any) -> Any:
        return _Sorted(plan)


class PlanSummarySchema(Output):
    """A plan without its targets: what lists and other resources embed."""

    id = Integer(required=True)
    name = String(required=True)
    doc_number = String(required=True, allow_none=True)
    start_year = Integer(required=True)
    end_year = Integer(required=True)
    period = String(required=True, metadata={"description": "如 2023-2025。"})
    bureaus = String(required=True, allow_none=True)
    status = fields.Enum(PlanStatus, by_value=fields.String, required=True)
    status_label = String(required=True, attribute="status.label")
    demo = Boolean(required=True, metadata={"description": "演示数据中的计划。"})


class RuleSchema(Output):
    indicator = String(required=True, attribute="indicator_code", metadata=INDICATORS)
    agreement_type = fields.Enum(AgreementType, by_value=fields.String, required=True)
    iur_only = Boolean(required=True)


class PlanSchema(PlanSummarySchema, _TargetsOutput):
    """A plan with its counting rules and targets."""

    rules = List(Nested(RuleSchema), required=True)


class PlanListSchema(Output):
    items = List(Nested(PlanSummarySchema), required=True)
    in_force = Integer(required=True, allow_none=True)


class PlanTargetsSchema(_TargetsOutput):
    plan_id = Integer(required=True, attribute="id")
    periods = List(String(), required=True)
