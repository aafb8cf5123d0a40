"""JSON API v1 for specialists: appointments and assignments (bureau staff), visits with the needs
found there (the specialist serving the enterprise), the enterprise's confirmation or refusal of
each need (bureau staff's for an enterprise without users), and diagnoses. The same services and
policy as the web pages; visit notes and unconfirmed drafts reach only the enterprise, the
specialists serving it and bureau staff (404 for everyone else). Errors as everywhere in the API:
400 bad request, 403 not allowed, 404 not visible, 409 wrong state, 422 content."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from flask import request, url_for

from matchmaker import policy
from matchmaker.accounts import queries as accounts
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing, field_error
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.postings import queries as postings
from matchmaker.postings.operations import PostingDetails
from matchmaker.postings.values import PostingKind
from matchmaker.specialists import operations as service
from matchmaker.specialists import queries
from matchmaker.specialists import schemas as out
from matchmaker.specialists.models import Specialist, Visit
from matchmaker.specialists.schemas import (
    AssignmentInputSchema,
    ConfirmNeedInputSchema,
    DiagnosisInputSchema,
    DiagnosisListSchema,
    DiagnosisSchema,
    FoundNeedSchema,
    ReasonInputSchema,
    SpecialistAssignmentSchema,
    SpecialistInputSchema,
    SpecialistListSchema,
    SpecialistSchema,
    VisitInputSchema,
    VisitListSchema,
    VisitQuerySchema,
    VisitSchema,
)

if TYPE_CHECKING:
    from matchmaker.postings.models import Posting

SPECIALIST_ID = [{"in": "path", "name": "specialist_id", "description": "专员编号。"}]
ASSIGNMENT_ID = [{"in": "path", "name": "assignment_id", "description": "服务分配编号。"}]
VISIT_ID = [{"in": "path", "name": "visit_id", "description": "走访记录编号。"}]
POSTING_ID = [{"in": "path", "name": "posting_id", "description": "信息编号。"}]
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
NOT_STAFF = "调用者不是主管部门。"
NO_NEED = "需求不存在、不是走访代填的，或调用者无权查看。"


def _staff() -> None:
    policy.require(api_user(), "specialist.manage")
    inputs.reject_unknown_params(request.args, frozenset())


def _specialist_or_404(specialist_id: int) -> Specialist:
    found = queries.specialist(specialist_id)
    if found is None:
        raise ApiError(404, "专员不存在。")
    return found


def _staff_specialist(specialist_id: int) -> None:
    _staff()
    _specialist_or_404(specialist_id)


def _visit_or_404(visit_id: int) -> Visit:
    found = queries.visit(visit_id)
    if found is None or not policy.may(api_user(), "visit.view", found):
        raise ApiError(404, "走访记录不存在，或您无权查看。")
    return found


def _need_or_404(posting_id: int) -> Posting:
    posting = postings.by_id(posting_id)
    if posting is None or posting.visit_id is None or not policy.may(api_user(), "posting.view", posting):
        raise ApiError(404, NO_NEED)
    return posting


def _posting_or_404(posting_id: int) -> Posting:
    posting = postings.by_id(posting_id)
    if posting is None or not policy.may(api_user(), "posting.view", posting):
        raise ApiError(404, "信息不存在，或您无权查看。")
    return posting


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(422, errors={"visited_on": ["日期应写成 2025-06-30 的形式。"]}) from None


# --- appointments and assignments (bureau staff) ----------------------------------------------------


@bp.get("/specialists")
@bp.response(200, SpecialistListSchema, description="专员名单。")
@bp.doc(
    operationId="listSpecialists",
    summary="专员名单（主管部门）",
    description="服务专员、科技镇长团成员和技术经纪人，含已结束聘任的，及其现服务的企业。",
    responses=responds({400: "带了不支持的参数。", 403: NOT_STAFF}),
)
@policy.enforces("specialist.manage")
def list_specialists() -> dict[str, Any]:
    _staff()
    return {
        "items": [
            out.specialist(s, [a.organization_id for a in service.open_assignments(s)])
            for s in service.specialists()
        ],
        "max_enterprises": service.max_enterprises(),
    }


@bp.post("/specialists")
@bp.response(201, SpecialistSchema, description="已聘任。")
@bp.doc(
    operationId="appointSpecialist",
    summary="聘任专员（主管部门）",
    description="聘任一个已有账号为服务专员（service）、科技镇长团成员（mayor_team）或技术经纪人（broker）；"
    "聘任已结束的用户再次聘任时沿用原记录。",
    responses=responds({400: BAD_BODY, 403: NOT_STAFF, 422: "用户不存在或已停用，或已是专员。"}),
)
@policy.enforces("specialist.manage")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_staff)
@bp.arguments(SpecialistInputSchema)
def appoint_specialist(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    try:
        specialist = service.appoint(
            queries.user(body["user_id"]), body["kind"], body.get("team"), body.get("note"), actor=api_user()
        )
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"user": "user_id"}) from None
    db.session.commit()
    return out.specialist(specialist, []), 201


@bp.post("/specialists/<int:specialist_id>/assignments", parameters=SPECIALIST_ID)
@bp.response(201, SpecialistAssignmentSchema, description="已分配。")
@bp.doc(
    operationId="assignEnterprise",
    summary="为专员分配服务企业（主管部门）",
    description="超过每人服务企业数的提示上限（SPECIALIST_MAX_ENTERPRISES）时仍分配，warning 中提示。",
    responses=responds(
        {
            400: BAD_BODY,
            403: NOT_STAFF,
            404: "专员不存在。",
            409: "该专员的聘任已结束。",
            422: "不是企业，或已分配给该专员。",
        }
    ),
)
@policy.enforces("specialist.manage")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_staff_specialist)
@bp.arguments(AssignmentInputSchema)
def assign_enterprise(body: dict[str, Any], specialist_id: int) -> tuple[dict[str, Any], int]:
    specialist = _specialist_or_404(specialist_id)
    try:
        done = service.assign(specialist, accounts.organization(body["organization_id"]), actor=api_user())
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"organization": "organization_id"}) from None
    db.session.commit()
    a = done.assignment
    return {
        "id": a.id,
        "specialist_id": a.specialist_id,
        "organization_id": a.organization_id,
        "organization": a.organization,
        "assigned_at": a.assigned_at,
        "ended_at": a.ended_at,
        "warning": done.warning,
    }, 201


def _staff_assignment(assignment_id: int) -> None:
    _staff()
    if queries.assignment(assignment_id) is None:
        raise ApiError(404, "服务分配不存在。")


@bp.post("/specialist-assignments/<int:assignment_id>/end", parameters=ASSIGNMENT_ID)
@bp.response(200, SpecialistAssignmentSchema, description="已结束。")
@bp.doc(
    operationId="endAssignment",
    summary="结束服务分配（主管部门）",
    responses=responds({400: BAD_BODY, 403: NOT_STAFF, 404: "服务分配不存在。", 409: "该分配已结束。"}),
)
@policy.enforces("specialist.manage")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_staff_assignment)
@bp.arguments(ConfirmNeedInputSchema)
def end_assignment(body: dict[str, Any], assignment_id: int) -> dict[str, Any]:
    a = queries.assignment(assignment_id)
    assert a is not None
    service.end_assignment(a, actor=api_user())
    db.session.commit()
    return {
        "id": a.id,
        "specialist_id": a.specialist_id,
        "organization_id": a.organization_id,
        "organization": a.organization,
        "assigned_at": a.assigned_at,
        "ended_at": a.ended_at,
        "warning": None,
    }


# --- visits ---------------------------------------------------------------------------------------


def _members() -> None:
    policy.require(api_user(), "visits.list")


@bp.get("/visits")
@bp.response(200, VisitListSchema, description="走访记录。")
@bp.doc(
    operationId="listVisits",
    summary="列出走访记录",
    description="调用者可见的走访记录：本企业的、所服务企业的（专员），主管部门全部；按走访日期倒序，最多200条。",
    responses=responds({400: "参数有误。"}),
)
@policy.enforces("visits.list")
@before_body(_members)
@bp.arguments(VisitQuerySchema, location="query")
def list_visits(query: dict[str, Any]) -> dict[str, Any]:
    return {"items": [out.visit(v) for v in service.visits(api_user(), query.get("organization_id"))]}


@bp.get("/visits/<int:visit_id>", parameters=VISIT_ID)
@bp.response(200, VisitSchema, description="走访记录。")
@bp.doc(
    operationId="getVisit",
    summary="走访记录",
    description="仅被走访企业、为其服务的专员和主管部门可以查看。",
    responses=responds({400: "带了不支持的参数。", 404: "走访记录不存在，或调用者无权查看。"}),
)
@policy.enforces("visit.view")
def get_visit(visit_id: int) -> dict[str, Any]:
    inputs.reject_unknown_params(request.args, frozenset())
    return out.visit(_visit_or_404(visit_id))


def _specialist_caller() -> None:
    policy.require(api_user(), "specialist.workbench")


@bp.post("/visits")
@bp.response(201, VisitSchema, description="已记录；Location 头为走访记录的地址。")
@bp.doc(
    operationId="recordVisit",
    summary="记录走访（专员）",
    description="为所服务的企业记录走访；needs 中的需求以企业名义存为草稿，待企业确认后才提交审核。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不是专员，或该企业不由其服务。",
            422: "内容未通过校验（日期晚于今天、需求标题或描述不符合规则等），errors 中说明。",
        }
    ),
)
@policy.enforces("specialist.workbench", "visit.record")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_specialist_caller)
@bp.arguments(VisitInputSchema)
def record_visit(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    user = api_user()
    org = accounts.organization(body["organization_id"])
    if org is None or not policy.may(user, "visit.record", org):
        policy.require(user, "visit.record", org)
    assert org is not None
    needs = [
        service.FoundNeed(
            PostingKind(n["kind"]), PostingDetails(title=n["title"], description=n["description"])
        )
        for n in body.get("needs") or []
    ]
    with committing():
        visit = service.record_visit(
            org, _day(body["visited_on"]), body["met"], body["notes"], needs, actor=user
        )
    return out.visit(visit), 201, {"Location": url_for("api.get_visit", visit_id=visit.id)}


# --- the enterprise's confirmation ---------------------------------------------------------------------


def _confirming(posting_id: int) -> None:
    policy.require(api_user(), "posting.confirm", _need_or_404(posting_id))


def _confirming_for(posting_id: int) -> None:
    policy.require(api_user(), "posting.confirm_for", _need_or_404(posting_id))


CONFIRM_ERRORS = {400: BAD_BODY, 404: NO_NEED, 409: "这条需求已经确认或拒绝过。"}


@bp.post("/postings/<int:posting_id>/confirm", parameters=POSTING_ID)
@bp.response(200, FoundNeedSchema, description="已确认。")
@bp.doc(
    operationId="confirmFoundNeed",
    summary="确认走访代填的需求（企业）",
    description="企业确认专员走访时代填的需求（可先用网页修改）；企业已认证时随即提交审核（status 为 pending）。",
    responses=responds({**CONFIRM_ERRORS, 403: "调用者不是该企业的用户。"}),
)
@policy.enforces("posting.view", "posting.confirm")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_confirming)
@bp.arguments(ConfirmNeedInputSchema)
def confirm_need(body: dict[str, Any], posting_id: int) -> dict[str, Any]:
    posting = _need_or_404(posting_id)
    service.confirm(posting, actor=api_user())
    db.session.commit()
    return out.need(posting)


@bp.post("/postings/<int:posting_id>/refuse", parameters=POSTING_ID)
@bp.response(200, FoundNeedSchema, description="已拒绝。")
@bp.doc(
    operationId="refuseFoundNeed",
    summary="拒绝走访代填的需求（企业）",
    description="企业拒绝专员代填的需求并说明理由（专员会收到通知）；被拒绝的需求不能提交审核或发布。",
    responses=responds({**CONFIRM_ERRORS, 403: "调用者不是该企业的用户。", 422: "没有写拒绝理由。"}),
)
@policy.enforces("posting.view", "posting.confirm")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_confirming)
@bp.arguments(ReasonInputSchema)
def refuse_need(body: dict[str, Any], posting_id: int) -> dict[str, Any]:
    posting = _need_or_404(posting_id)
    with committing():
        service.refuse(posting, body["reason"], actor=api_user())
    return out.need(posting)


@bp.post("/postings/<int:posting_id>/confirm-for", parameters=POSTING_ID)
@bp.response(200, FoundNeedSchema, description="已代为确认。")
@bp.doc(
    operationId="confirmFoundNeedForEnterprise",
    summary="代企业确认走访代填的需求（主管部门）",
    description="仅用于尚无平台账号的企业：写明依据（如电话核实），需求随即进入审核队列。",
    responses=responds(
        {
            **CONFIRM_ERRORS,
            403: NOT_STAFF,
            409: "已确认或拒绝过，或该企业已有账号（须由企业自己确认）。",
            422: "没有写依据。",
        }
    ),
)
@policy.enforces("posting.view", "posting.confirm_for")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_confirming_for)
@bp.arguments(ReasonInputSchema)
def confirm_need_for(body: dict[str, Any], posting_id: int) -> dict[str, Any]:
    posting = _need_or_404(posting_id)
    with committing():
        service.confirm_for(posting, body["reason"], actor=api_user())
    return out.need(posting)


# --- diagnoses ----------------------------------------------------------------------------------------


@bp.get("/postings/<int:posting_id>/diagnoses", parameters=POSTING_ID)
@bp.response(200, DiagnosisListSchema, description="诊断记录，最新的在前（第一条为当前诊断）。")
@bp.doc(
    operationId="listDiagnoses",
    summary="需求的诊断记录",
    description="可查看该信息的调用者都能看到诊断结论和缺少的内容；备注（note）仅专员和主管部门可见。",
    responses=responds({400: "带了不支持的参数。", 404: "信息不存在，或调用者无权查看。"}),
)
@policy.enforces("posting.view", "diagnosis.see_note")
def list_diagnoses(posting_id: int) -> dict[str, Any]:
    inputs.reject_unknown_params(request.args, frozenset())
    posting = _posting_or_404(posting_id)
    user = api_user()
    policy.may(user, "diagnosis.see_note", posting)
    return {"items": [out.diagnosis(d, user) for d in service.diagnoses_of(posting)]}


def _diagnosing(posting_id: int) -> None:
    policy.require(api_user(), "diagnosis.record", _posting_or_404(posting_id))


@bp.post("/postings/<int:posting_id>/diagnoses", parameters=POSTING_ID)
@bp.response(201, DiagnosisSchema, description="已记录。")
@bp.doc(
    operationId="diagnoseNeed",
    summary="需求诊断（专员）",
    description="为所服务企业的需求评定：ready=可对接；needs_work=需二次诊断（missing 必填，企业会收到通知）；"
    "long_term=长期跟踪。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不是服务该企业的专员，或该信息不是需求。",
            404: "信息不存在，或调用者无权查看。",
            422: "需二次诊断时没有写缺少的内容。",
        }
    ),
)
@policy.enforces("posting.view", "diagnosis.record")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_diagnosing)
@bp.arguments(DiagnosisInputSchema)
def diagnose_need(body: dict[str, Any], posting_id: int) -> tuple[dict[str, Any], int]:
    posting = _posting_or_404(posting_id)
    with committing():
        d = service.diagnose(posting, body["grade"], body.get("missing"), body.get("note"), actor=api_user())
    return out.diagnosis(d, api_user()), 201
