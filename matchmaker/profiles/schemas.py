"""The API's 一企一册 and cultivation-pool resources, declared once: what /api/v1/organizations/…
/profile, …/tier-changes, …/measures and /pool take (parsed and checked before the view runs) and
what they answer, both written into /api/v1/openapi.json. Limits come from the services' own
constants (profiles/operations.py, agreements/plans.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from matchmaker import policy
from matchmaker.accounts.schemas import OrganizationSchema
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.agreements.plan_schemas import PlanSummarySchema
from matchmaker.agreements.plans import MAX_TARGET
from matchmaker.core.apidoc import (
    Integer,
    Length,
    List,
    Nested,
    Number,
    Output,
    Range,
    Schema,
    String,
    or_null,
    vocabulary,
)
from matchmaker.core.web import MAX_ID, public_url
from matchmaker.profiles import operations as service
from matchmaker.profiles.models import MeasureKind
from matchmaker.taxonomy import queries as taxonomy

TIERS = vocabulary("profiles.tiers", lambda: taxonomy.tier_names())
TIERS_OR_NONE = vocabulary("profiles.tiers_or_none", lambda: [*taxonomy.tier_names(), None])
TOWNS = vocabulary("profiles.towns", lambda: taxonomy.town_names(active_only=False))
NOT_LATER = "不晚于今天。"


def _day(**kwargs: Any) -> String:
    """A date as text (the view reads it, so that its problems come with the others')."""
    kwargs.setdefault("metadata", {})
    kwargs["metadata"] = {"format": "date", **kwargs["metadata"]}
    return String(**kwargs)


# --- input ------------------------------------------------------------------------------------


class PoolQuerySchema(Schema):
    plan = fields.Integer(
        validate=Range(1, MAX_ID, error="没有这个计划。"), metadata={"description": "计划编号（见 /plans）。"}
    )
    town = String(metadata={**TOWNS, "description": "只统计该镇区的企业（镇区名称）。"})


class PoolTargetInputSchema(Schema):
    tier = String(required=True, metadata=TIERS)
    value = Integer(allow_none=True, validate=Range(0, MAX_TARGET))
    plan_id = Integer(validate=Range(1, MAX_ID))


class TierChangeInputSchema(Schema):
    tier = String(allow_none=True, metadata=TIERS_OR_NONE)
    effective_on = _day(required=True, metadata={"description": NOT_LATER})
    note = String(validate=Length(max=service.TIER_NOTE_LENGTH))


class MeasureInputSchema(Schema):
    kind = fields.Enum(
        MeasureKind,
        by_value=fields.String,
        required=True,
        error_messages={
            "unknown": "可选：" + "、".join(f"{k.value}（{k.label}）" for k in MeasureKind) + "。"
        },
        metadata={"description": "；".join(f"{k.value}={k.label}" for k in MeasureKind)},
    )
    value = Number(required=True, validate=Range(0, service.MAX_IP))
    as_of = _day(required=True, metadata={"description": NOT_LATER})
    note = String(validate=Length(max=service.MEASURE_NOTE_LENGTH))


# --- output -----------------------------------------------------------------------------------


class ReadingSchema(Output):
    value = Number(required=True)
    as_of = fields.Date(required=True)
    note = String(allow_none=True)


class ProfileIndicatorSchema(Output):
    name = String(required=True, attribute="label")
    unit = String(required=True)
    latest = or_null(ReadingSchema, required=True)
    history = List(Nested(ReadingSchema), required=True)


ProfileIndicatorsSchema = type(
    "ProfileIndicatorsSchema", (Output,), {kind.value: Nested(ProfileIndicatorSchema) for kind in MeasureKind}
)


class TierChangeSchema(Output):
    tier = String(required=True, allow_none=True, metadata={"description": "null 为移出培育库。"})
    effective_on = fields.Date(required=True)
    note = String(allow_none=True)


def _ids(**metadata: Any) -> fields.List:
    return List(Integer(), allow_none=True, metadata=metadata)


class ProfileSchema(Output):
    id = Integer(required=True)
    name = String(required=True)
    type = fields.Enum(OrgType, by_value=fields.String, required=True)
    status = fields.Enum(OrgStatus, by_value=fields.String, required=True)
    credit_code = String(allow_none=True)
    town = String(allow_none=True)
    tier = String(required=True, allow_none=True, metadata={"description": "当前梯度。"})
    tier_history = List(Nested(TierChangeSchema), required=True)
    indicators = or_null(
        ProfileIndicatorsSchema,
        required=True,
        description="rd_intensity=研发投入强度（%）；class1_ip=Ⅰ类知识产权（件）。",
    )
    posting_ids = List(Integer(), required=True)
    pairing_ids = _ids()
    agreement_ids = _ids()
    event_ids = _ids()
    call_ids = _ids()
    call_proposal_ids = _ids()
    url = String()


class Profile:
    """An organisation's profile as ``viewer`` may read it: basic data for every member who may see
    it; indicators and records (null otherwise) for its own users and bureau staff, as on the web
    page."""

    def __init__(self, org: Any, viewer: Any) -> None:
        self.id, self.name, self.type, self.status = org.id, org.name, org.type, org.status
        self.credit_code = org.credit_code
        self.town = org.town.name if org.town else None
        self.tier = org.tier.name if org.tier else None
        self.tier_history = [
            {"tier": h.tier.name if h.tier else None, "effective_on": h.effective_on, "note": h.note}
            for h in service.tier_history(org)
        ]
        self.indicators = None
        if policy.may(viewer, "profile.see_indicators", org):
            readings = service.readings(org)
            self.indicators = {
                kind.value: {
                    "label": kind.label,
                    "unit": kind.unit,
                    "latest": readings[kind][0] if readings[kind] else None,
                    "history": readings[kind],
                }
                for kind in MeasureKind
            }
        records = service.records(org, viewer)
        full = policy.may(viewer, "profile.see_records", org)
        self.posting_ids = [p.id for p in records.postings]
        self.pairing_ids = [p.id for p in records.pairings] if full else None
        self.agreement_ids = [a.id for a in records.agreements] if full else None
        self.event_ids = [r.event_id for r in records.registrations] if full else None
        self.call_ids = [c.id for c in records.calls] if full else None
        self.call_proposal_ids = [p.id for p in records.proposals] if full else None
        self.url = public_url("profiles.detail", org_id=org.id)


class PoolTierSchema(Output):
    tier = String(required=True, allow_none=True, metadata={"description": "null 为未评定梯度的企业。"})
    target = Integer(required=True, allow_none=True)
    count = Integer(required=True)
    gap = Integer(required=True, allow_none=True)
    organizations = List(Nested(OrganizationSchema), required=True)


class PoolSchema(Output):
    period = String(required=True, metadata={"description": "目标所在的年份（计划的最后一年）。"})
    plan = or_null(PlanSummarySchema, description="目标所属的计划；没有计划时为 null。")
    town = String(required=True, allow_none=True)
    tiers = List(Nested(PoolTierSchema), required=True)
