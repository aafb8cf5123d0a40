"""The API's 揭榜挂帅 resources, declared once: what /api/v1/calls takes (parsed and checked before
the view runs) and what it answers (serialised from the models), both written into
/api/v1/openapi.json. Limits come from the service's own constants (calls/operations.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from matchmaker import policy
from matchmaker.accounts.schemas import OrganizationSchema
from matchmaker.api.inputs import MAX_PER_PAGE
from matchmaker.calls import operations as service
from matchmaker.calls.models import CallProposal, CallStatus, ChallengeCall, ProposalStatus
from matchmaker.core.apidoc import (
    Boolean,
    Day,
    Integer,
    ItemCount,
    Length,
    List,
    Nested,
    Number,
    Output,
    Range,
    Schema,
    String,
)
from matchmaker.core.rules import MAX_BUDGET
from matchmaker.core.web import MAX_ID, MAX_PAGE, public_url


def _statuses() -> fields.Enum:
    return fields.Enum(
        CallStatus,
        by_value=fields.String,
        error_messages={"unknown": "可选：" + "、".join(s.value for s in CallStatus) + "。"},
        metadata={
            "description": "pending=待审批；open=揭榜中（含截止后评审中）；awarded=已揭榜；cancelled=已撤销。"
        },
    )


def _id(**kwargs: Any) -> Integer:
    return Integer(validate=Range(1, MAX_ID), **kwargs)


def _text(lengths: tuple[int, int], **kwargs: Any) -> String:
    return String(validate=Length(*lengths), **kwargs)


# --- input ------------------------------------------------------------------------------------


class CallQuerySchema(Schema):
    status = _statuses()
    page = fields.Integer(load_default=1, validate=Range(1, MAX_PAGE), metadata={"description": "页码。"})
    per_page = fields.Integer(
        load_default=20, validate=Range(1, MAX_PER_PAGE), metadata={"description": "每页条数。"}
    )


class CriterionInputSchema(Schema):
    name = _text(service.CRITERION_NAME_LENGTH, required=True)
    weight = Integer(required=True, validate=Range(*service.WEIGHT_RANGE))


class CallInputSchema(Schema):
    title = _text(service.CALL_TEXT_LENGTHS["title"], required=True)
    problem = _text(service.CALL_TEXT_LENGTHS["problem"], required=True)
    deliverables = _text(service.CALL_TEXT_LENGTHS["deliverables"], required=True)
    budget = Number(
        required=True,
        validate=Range(0, MAX_BUDGET, min_inclusive=False, error=service.BUDGET_PROBLEM),
        metadata={"description": "榜额，万元。", "exclusiveMinimum": True},  # apispec writes only minimum
    )
    deadline = Day(required=True, metadata={"description": "今天到一年之内。"})
    eligibility = _text(service.CALL_TEXT_LENGTHS["eligibility"], required=True)
    need_ids = List(_id(), required=True, validate=ItemCount(1, service.MAX_NEEDS))
    criteria = List(Nested(CriterionInputSchema), validate=ItemCount(max=service.MAX_CRITERIA))


def _proposal_inputs(required: bool) -> dict[str, Any]:
    texts = {
        name: _text(lengths, required=required) for name, lengths in service.PROPOSAL_TEXT_LENGTHS.items()
    }
    price = Number(
        required=required,
        validate=Range(0, MAX_BUDGET, error=service.PRICE_PROBLEM),
        metadata={"description": "万元。"},
    )
    return {**texts, "price": price}


ProposalInputSchema = type("ProposalInputSchema", (Schema,), _proposal_inputs(True))
ProposalPatchSchema = type("ProposalPatchSchema", (Schema,), _proposal_inputs(False))


class CallCancelInputSchema(Schema):
    reason = String(
        required=True, validate=Length(*service.CANCEL_REASON_LENGTH, error=service.CANCEL_REASON_PROBLEM)
    )


class InvitationInputSchema(Schema):
    organization_id = _id(required=True)


class ScoreInputSchema(Schema):
    criterion_id = _id(required=True)
    score = Integer(required=True, validate=Range(*service.SCORE_RANGE, error=service.SCORE_PROBLEM))


class ScoresInputSchema(Schema):
    scores = List(Nested(ScoreInputSchema), required=True)


class AwardInputSchema(Schema):
    proposal_id = _id(required=True)
    reason = String(required=True, validate=Length(max=service.AWARD_REASON_LENGTH))


class EmptySchema(Schema):
    """A step that takes no body (one may send ``{}``)."""


# --- output -----------------------------------------------------------------------------------


class CriterionSchema(Output):
    id = Integer(required=True)
    name = String(required=True)
    weight = Integer(required=True)


class CallSchema(Output):
    id = Integer(required=True)
    title = String(required=True)
    status = fields.Enum(CallStatus, by_value=fields.String, required=True)
    phase = String(metadata={"description": "状态的中文名称；截止后尚未揭榜为“评审中”。"})
    accepting = Boolean(metadata={"description": "现在是否接受方案。"})
    problem = String()
    deliverables = String()
    budget = Number(required=True, metadata={"description": "榜额（万元）。"})
    deadline = fields.Date(required=True)
    eligibility = String()
    enterprise = Nested(OrganizationSchema, required=True)
    need_ids = fields.Method("_need_ids", metadata={"type": "array", "items": {"type": "integer"}})
    criteria = List(Nested(CriterionSchema), required=True)
    selection_reason = String(allow_none=True)
    url = fields.Method("_url", metadata={"type": "string"})
    pairing_id = Integer(metadata={"description": "只在揭榜接口的回应中：入选单位与发榜企业的对接。"})

    def _need_ids(self, call: ChallengeCall) -> list[int]:
        return [n.id for n in call.needs]

    def _url(self, call: ChallengeCall) -> str:
        return public_url("calls.detail", call_id=call.id)


class Awarded:
    """An awarded call with the pairing it made (only the award's answer carries ``pairing_id``)."""

    def __init__(self, call: ChallengeCall, pairing_id: int) -> None:
        self._call, self.pairing_id = call, pairing_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)


class CallPageSchema(Output):
    items = List(Nested(CallSchema), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)


class FileSchema(Output):
    name = String(required=True, attribute="original_name")
    size = Integer(required=True)


class Seen:
    """A proposal as ``viewer`` may read it: the scores only for the reviewers, and for its authors
    once the selection is announced; the number of reviewers never for a proposer."""

    def __init__(self, proposal: CallProposal, viewer: Any) -> None:
        self._proposal = proposal
        if policy.may(viewer, "proposal.see_scores", proposal):
            tally = service.tally(proposal)
            self.weighted_score = tally.total
            if policy.may(viewer, "proposal.see_reviewers", proposal):
                self.reviewers = tally.reviewers

    def __getattr__(self, name: str) -> Any:
        return getattr(self._proposal, name)


class ProposalSchema(Output):
    id = Integer(required=True)
    call_id = Integer(required=True)
    organization = Nested(OrganizationSchema, required=True)
    status = fields.Enum(ProposalStatus, by_value=fields.String, required=True)
    approach = String()
    team = String()
    schedule = String()
    price = Number(required=True, metadata={"description": "报价（万元）。"})
    submitted_at = fields.DateTime()
    weighted_score = Number(
        allow_none=True,
        metadata={
            "description": "各项平均分按权重的总分（尚无完整评分时为 null）。只给评审方（发榜企业、主管部门）；"
            "揭榜单位只在揭榜后、且只对本单位的方案得到此字段。"
        },
    )
    reviewers = Integer(
        metadata={"description": "评审人数。只给评审方（发榜企业、主管部门），从不给揭榜单位。"}
    )
    pairing_id = Integer(allow_none=True)
    files = List(Nested(FileSchema))


class ProposalListSchema(Output):
    items = List(Nested(ProposalSchema), required=True)


class OutcomeSchema(Output):
    posting_id = Integer()
    title = String()
    strength = Integer()
    matched_terms = List(String())


class CallCandidateSchema(Output):
    organization = Nested(OrganizationSchema, required=True)
    invited = Boolean(required=True)
    outcomes = List(Nested(OutcomeSchema), required=True)


class CallCandidatesSchema(Output):
    items = List(Nested(CallCandidateSchema), required=True)


class CallInvitedSchema(Output):
    invited = List(Integer(), required=True)
