"""The API's specialists resources, declared once: appointments and assignments (bureau staff),
visits with the needs found there, the enterprise's confirmation of each, and diagnoses — what
each takes (parsed and checked before the view runs) and answers, both written into
/api/v1/openapi.json. Limits come from specialists/operations.py."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow.validate import OneOf

from matchmaker import policy
from matchmaker.core.apidoc import Integer, Length, List, Nested, Output, Range, Schema, String
from matchmaker.core.web import MAX_ID, public_url
from matchmaker.postings.values import PostingKind
from matchmaker.specialists import operations as service
from matchmaker.specialists.values import Grade, SpecialistKind

NEED_KINDS = [k for k in PostingKind if k.is_need]


def _enum(enum: Any, **kwargs: Any) -> fields.Enum:
    return fields.Enum(
        enum,
        by_value=fields.String,
        error_messages={"unknown": "可选：" + "、".join(f"{k.value}（{k.label}）" for k in enum) + "。"},
        metadata={"description": "；".join(f"{k.value}={k.label}" for k in enum)},
        **kwargs,
    )


# --- input ------------------------------------------------------------------------------------


class SpecialistInputSchema(Schema):
    user_id = Integer(
        required=True, validate=Range(1, MAX_ID), metadata={"description": "被聘任的用户编号。"}
    )
    kind = _enum(SpecialistKind, required=True)
    team = String(allow_none=True, validate=Length(max=service.TEAM_LENGTH))
    note = String(allow_none=True, validate=Length(max=service.NOTE_LENGTH))


class AssignmentInputSchema(Schema):
    organization_id = Integer(
        required=True, validate=Range(1, MAX_ID), metadata={"description": "企业编号。"}
    )


class FoundNeedInputSchema(Schema):
    kind = String(
        required=True,
        validate=OneOf(
            [k.value for k in NEED_KINDS], error="可选：rd_need（研发需求）、supply_need（配套需求）。"
        ),
        metadata={"description": "rd_need=研发需求；supply_need=配套需求"},
    )
    title = String(required=True, validate=Length(max=100))
    description = String(required=True, validate=Length(max=5000))


class VisitInputSchema(Schema):
    organization_id = Integer(
        required=True, validate=Range(1, MAX_ID), metadata={"description": "服务企业编号。"}
    )
    visited_on = String(required=True, metadata={"format": "date", "description": "走访日期，不晚于今天。"})
    met = String(
        required=True, validate=Length(max=service.MET_LENGTH), metadata={"description": "接待人员。"}
    )
    notes = String(required=True, validate=Length(max=service.NOTES_LENGTH))
    needs = List(
        Nested(FoundNeedInputSchema), validate=Length(max=20), metadata={"description": "走访发现的需求。"}
    )


class VisitQuerySchema(Schema):
    organization_id = Integer(validate=Range(1, MAX_ID), metadata={"description": "只列该企业的走访。"})


class ReasonInputSchema(Schema):
    reason = String(required=True, validate=Length(max=service.REASON_LENGTH))


class DiagnosisInputSchema(Schema):
    grade = _enum(Grade, required=True)
    missing = String(
        allow_none=True,
        validate=Length(max=service.NOTE_LENGTH),
        metadata={"description": "需二次诊断（needs_work）时必填：缺少什么（企业可见）。"},
    )
    note = String(allow_none=True, validate=Length(max=service.NOTE_LENGTH))


class ConfirmNeedInputSchema(Schema):
    pass


# --- output -----------------------------------------------------------------------------------


class SpecialistSchema(Output):
    id = Integer(required=True)
    user_id = Integer(required=True)
    name = String(required=True)
    organization = String(required=True, metadata={"description": "专员所在单位。"})
    kind = fields.Enum(SpecialistKind, by_value=fields.String, required=True)
    team = String(allow_none=True)
    active = fields.Boolean(required=True)
    appointed_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True)
    organization_ids = List(Integer(), required=True, metadata={"description": "现服务的企业编号。"})


class SpecialistListSchema(Output):
    items = List(Nested(SpecialistSchema), required=True)
    max_enterprises = Integer(required=True, metadata={"description": "每人服务企业数的提示上限。"})


class SpecialistAssignmentSchema(Output):
    id = Integer(required=True)
    specialist_id = Integer(required=True)
    organization_id = Integer(required=True)
    organization = String(required=True, attribute="organization.name")
    assigned_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True)
    warning = String(allow_none=True, metadata={"description": "超过提示上限时的提示（仍已分配）。"})


class FoundNeedSchema(Output):
    id = Integer(required=True)
    kind = String(required=True)
    title = String(required=True)
    status = String(required=True)
    confirmation = String(required=True, allow_none=True)
    confirmation_note = String(allow_none=True)
    visit_id = Integer(allow_none=True)
    found_by_id = Integer(allow_none=True)
    url = String()


class VisitSchema(Output):
    id = Integer(required=True)
    organization_id = Integer(required=True)
    organization = String(required=True)
    specialist_id = Integer(required=True)
    specialist = String(required=True)
    visited_on = fields.Date(required=True)
    met = String(required=True)
    notes = String(required=True)
    needs = List(Nested(FoundNeedSchema), required=True)
    url = String()


class VisitListSchema(Output):
    items = List(Nested(VisitSchema), required=True)


class DiagnosisSchema(Output):
    id = Integer(required=True)
    posting_id = Integer(required=True)
    specialist_id = Integer(required=True)
    grade = fields.Enum(Grade, by_value=fields.String, required=True)
    missing = String(allow_none=True)
    note = String(allow_none=True, metadata={"description": "仅专员和主管部门可见，其他调用者为 null。"})
    created_at = fields.DateTime(required=True)


class DiagnosisListSchema(Output):
    items = List(Nested(DiagnosisSchema), required=True)


# --- answers as plain dicts ------------------------------------------------------------------------


def specialist(s: Any, organization_ids: list[int]) -> dict[str, Any]:
    return {
        "id": s.id,
        "user_id": s.user_id,
        "name": s.user.name,
        "organization": s.user.organization.name,
        "kind": s.kind,
        "team": s.team,
        "active": s.active,
        "appointed_at": s.appointed_at,
        "ended_at": s.ended_at,
        "organization_ids": organization_ids,
    }


def need(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind.value,
        "title": p.title,
        "status": p.status.value,
        "confirmation": p.confirmation.value if p.confirmation else None,
        "confirmation_note": p.confirmation_note,
        "visit_id": p.visit_id,
        "found_by_id": p.found_by_id,
        "url": public_url("specialists.need", posting_id=p.id),
    }


def visit(v: Any) -> dict[str, Any]:
    return {
        "id": v.id,
        "organization_id": v.organization_id,
        "organization": v.organization.name,
        "specialist_id": v.specialist_id,
        "specialist": v.specialist.user.name,
        "visited_on": v.visited_on,
        "met": v.met,
        "notes": v.notes,
        "needs": [need(p) for p in v.postings],
        "url": public_url("specialists.visit", visit_id=v.id),
    }


def diagnosis(d: Any, viewer: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "posting_id": d.posting_id,
        "specialist_id": d.specialist_id,
        "grade": d.grade,
        "missing": d.missing,
        "note": d.note if policy.may(viewer, "diagnosis.see_note", d.posting) else None,
        "created_at": d.created_at,
    }
