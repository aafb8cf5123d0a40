"""JSON API v1 for agreements and the plan's indicators: the same services, policy and counting as
the web pages; the API's error rules (400 shape, 403 role, 404 not visible, 409 state, 422 content).
What each takes and answers is declared once, in schemas.py."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import select

from matchmaker import policy
from matchmaker.accounts import operations as accounts
from matchmaker.agreements import counting
from matchmaker.agreements import operations as service
from matchmaker.agreements.models import Agreement, Plan
from matchmaker.agreements.schemas import (
    BAD_PERIOD,
    BAD_SPAN,
    BAD_YEAR,
    AgreementInputSchema,
    AgreementPageSchema,
    AgreementPatchSchema,
    AgreementQuerySchema,
    AgreementSchema,
    ConfirmInputSchema,
    IndicatorQuerySchema,
    IndicatorsSchema,
    ReturnInputSchema,
    VerifyInputSchema,
    editable,
)
from matchmaker.agreements.values import Registration
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError, committing
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.extensions import db, limiter
from matchmaker.pairings import queries as pairings
from matchmaker.taxonomy import queries as taxonomy

AGREEMENT_ID = [{"in": "path", "name": "agreement_id", "description": "协议编号。"}]  # its schema: the URL's
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
NOT_VISIBLE = "协议不存在，或调用者无权查看。"
# The steps (confirm, verify, return): the agreement as it is afterwards.
STEP_ERRORS = {
    400: BAD_BODY,
    403: "调用者不能走这一步。",
    404: NOT_VISIBLE,
    409: "当前状态下不能走这一步（如尚未经对方确认就核验），或刚刚已被他人处理。",
    422: "内容未通过校验。",
}


def _agreement_or_404(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not policy.may(api_user(), "agreement.view", agreement):
        raise ApiError(404, "协议不存在，或您无权查看。")
    return agreement


def _may_record() -> None:
    policy.require(api_user(), "agreement.record")


def _may_list() -> None:
    user = api_user()
    if not policy.may(user, "agreements.ledger"):  # bureau staff: every agreement
        policy.require(user, "agreements.own")


def _may_edit(agreement_id: int) -> None:
    agreement = _agreement_or_404(agreement_id)
    policy.require(api_user(), "agreement.edit", agreement)
    if agreement.is_deleted:
        raise ApiError(409, "该协议已删除，不能再修改。")


def _may_verify(agreement_id: int) -> None:
    policy.require(api_user(), "agreement.verify", _agreement_or_404(agreement_id))


def _visible(agreement_id: int) -> None:
    _agreement_or_404(agreement_id)


def _may_read_indicators() -> None:
    if not current_app.config["DASHBOARD_PUBLIC"]:
        policy.require(api_user(), "dashboard.view")


def _details(values: dict[str, Any], problems: inputs.Problems) -> service.AgreementDetails:
    """The service's details from a parsed body (its shape, types and limits already checked by the
    schema): the field and the parties' organisations looked up, the service's own rules asked."""
    field = None
    if values.get("field"):
        field = taxonomy.tech_field(values["field"], active_only=False)
        if field is None:
            problems.add("field", "未知的技术领域，可选值见 /api/v1/vocabularies。")
    problems.raise_if_any(422)
    parties = []
    for party in values["parties"]:
        name = party["name"].strip()
        parties.append(
            service.PartyDetails(
                side=party["side"],
                name=name,
                party_type=party["party_type"],
                credit_code=party.get("credit_code"),
                organization=accounts.find_organization(name) if name else None,
            )
        )
    details = service.AgreementDetails(
        type=values["type"],
        title=values["title"],
        signed_on=values["signed_on"],
        parties=parties,
        equity=bool(values.get("equity")),
        valid_from=values.get("valid_from"),
        valid_until=values.get("valid_until"),
        contract_amount=values.get("contract_amount"),
        tech_amount=values.get("tech_amount"),
        tech_field=field,
        ip_involved=values.get("ip_involved"),
        registration=values.get("registration") or Registration.NOT_APPLIED,
        registration_number=values.get("registration_number"),
        notes=values.get("notes"),
    )
    if found := details.problems():
        raise ApiError(422, errors={k: [v] for k, v in found.items()})
    return details


@bp.post("/agreements")
@bp.response(201, AgreementSchema, description="已登记；Location 头为协议地址。")
@bp.doc(
    operationId="createAgreement",
    summary="登记协议",
    description="企业、高校院所（单位须已认证，且是协议一方）或主管部门登记一份协议；"
    "由另一方确认、主管部门核验后计入指标。带 pairing_id 时关联对接（洽谈中的对接随之改为已签约）。"
    "同一登记编号不能登记两次。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不能登记协议（单位未认证等）。",
            409: "关联的对接不在洽谈中或已签约状态。",
            422: "内容未通过校验，errors 中逐字段说明；未保存任何内容。",
        }
    ),
)
@policy.enforces("agreement.record", "pairing.view", "pairing.advance")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may_record)
@bp.arguments(AgreementInputSchema)
def create_agreement(body: dict[str, Any]) -> tuple[Agreement, int, dict[str, str]]:
    user = api_user()
    problems = inputs.Problems()
    pairing = None
    if body.get("pairing_id") is not None:
        pairing = pairings.pairing(body["pairing_id"])
        if pairing is None or not policy.may(user, "pairing.view", pairing):
            problems.add("pairing_id", "对接不存在，或您无权查看。")
    details = _details(body, problems)
    with committing():
        agreement = service.record_agreement(details, actor=user, pairing=pairing)
    return agreement, 201, {"Location": url_for("api.get_agreement", agreement_id=agreement.id)}


@bp.get("/agreements")
@bp.response(200, AgreementPageSchema, description="一页协议。")
@bp.doc(
    operationId="listAgreements",
    summary="列出协议",
    description="调用者本单位参与或登记的协议（主管部门：全部），不含已删除的，按签订日期倒序。"
    "带 indicator 时只列计入该指标的（已核验、同一合同只计一次），year 缺省为今天执行中的计划的计划期（没有时为今年）。",
    responses=responds({400: "参数有误。"}),
)
@policy.enforces("agreements.ledger", "agreements.own")
@before_body(_may_list)
@bp.arguments(AgreementQuerySchema, location="query")
def list_agreements(query: dict[str, Any]) -> dict[str, Any]:
    user = api_user()
    problems = inputs.Problems()
    span = None
    if "year" in query:
        span = counting.Span.parse(query["year"])
        if span is None:
            problems.add("year", BAD_SPAN)
    indicator = None
    if "indicator" in query:
        indicator = next((i for i in counting.indicators() if i.code == query["indicator"]), None)
        if indicator is None:
            problems.add("indicator", "可选：" + "、".join(i.code for i in counting.indicators()) + "。")
    problems.raise_if_any(400)
    stmt = select(Agreement).where(policy.agreements_of(user), Agreement.deleted_at.is_(None))
    if span is not None:
        stmt = stmt.where(Agreement.signed_on >= span.start, Agreement.signed_on <= span.end)
    if "status" in query:
        stmt = stmt.where(Agreement.status == query["status"])
    items = list(db.session.scalars(stmt.order_by(Agreement.signed_on.desc(), Agreement.id.desc())))
    if indicator is not None:  # what counts toward it: verified, once per contract
        choice = counting.choose(span=span)
        figure = counting.figure(indicator.code, choice.span, choice.rules, with_ids=True)
        counted = set(figure.agreement_ids) if figure else set()
        items = [a for a in items if a.id in counted]
    page, per_page = query["page"], query["per_page"]
    return {
        "items": items[(page - 1) * per_page : page * per_page],
        "page": page,
        "per_page": per_page,
        "total": len(items),
    }


@bp.get("/agreements/<int:agreement_id>", parameters=AGREEMENT_ID)
@bp.response(200, AgreementSchema, description="协议详情。")
@bp.doc(
    operationId="getAgreement",
    summary="查看一份协议",
    responses=responds(
        {400: "带了不支持的参数。", 404: "协议不存在，或调用者不是协议各方、登记单位或主管部门。"}
    ),
)
@policy.enforces("agreement.view")
def get_agreement(agreement_id: int) -> Agreement:
    inputs.reject_unknown_params(request.args, frozenset())
    return _agreement_or_404(agreement_id)


@bp.patch("/agreements/<int:agreement_id>", parameters=AGREEMENT_ID)
@bp.response(200, AgreementSchema, description="修改后的协议。")
@bp.doc(
    operationId="updateAgreement",
    summary="修改协议",
    description="登记单位或主管部门修改协议，与网页上的“修改”同一规则：给出的字段替换原值（null 清空可选字段）。"
    "对方确认后修改类别、签订日期、金额、登记编号或协议各方，协议回到“待对方确认”（已核验的也退出统计），"
    "须对方重新确认、主管部门重新核验；登记单位不能把自己从协议各方中移除；已删除的协议不能修改。"
    "带 version 时，若协议在读取后已被修改则拒绝（409）。",
    responses=responds(
        {
            400: BAD_BODY,
            403: "调用者不是登记单位或主管部门。",
            404: NOT_VISIBLE,
            409: "协议已删除，或在读取后已被修改。",
            422: "内容未通过校验，errors 中逐字段说明；未保存任何内容。",
        }
    ),
)
@policy.enforces("agreement.view", "agreement.edit")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may_edit)
@bp.arguments(AgreementPatchSchema)
def update_agreement(body: dict[str, Any], agreement_id: int) -> Agreement:
    """What the web's 修改 does, under the same rules: the members given replace the record's (null
    clears an optional one); a change to what is counted after confirmation goes back to the other
    side."""
    agreement = _agreement_or_404(agreement_id)
    version = body.pop("version", None)
    if version is not None and version != agreement.version:
        raise ApiError(409, "协议内容在您读取之后有修改，请重新读取后再提交。")
    with committing():
        details = _details({**editable(agreement), **body}, inputs.Problems())
        service.update_agreement(agreement, details, actor=api_user())
    return agreement


@bp.post("/agreements/<int:agreement_id>/confirm", parameters=AGREEMENT_ID)
@bp.response(200, AgreementSchema, description="这一步之后的协议。")
@bp.doc(
    operationId="confirmAgreement",
    summary="确认协议",
    description="协议另一方确认签订了这份协议。请求体可省略；带上读取时的 version，协议在此之后有修改则 409。",
    responses=responds(STEP_ERRORS),
)
@policy.enforces("agreement.view", "agreement.confirm")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_visible)
@bp.arguments(ConfirmInputSchema, required=False)
def confirm_agreement(body: dict[str, Any], agreement_id: int) -> Agreement:
    agreement = _agreement_or_404(agreement_id)
    service.confirm_agreement(agreement, actor=api_user(), version=body.get("version"))
    db.session.commit()
    return agreement


@bp.post("/agreements/<int:agreement_id>/verify", parameters=AGREEMENT_ID)
@bp.response(200, AgreementSchema, description="这一步之后的协议。")
@bp.doc(
    operationId="verifyAgreement",
    summary="核验协议",
    description="主管部门核验后协议计入指标。须已经另一方确认（另一方不在平台上时可直接核验）。请求体可省略；"
    "带上读取时的 version，协议在此之后有修改则 409。",
    responses=responds(STEP_ERRORS),
)
@policy.enforces("agreement.view", "agreement.verify")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may_verify)
@bp.arguments(VerifyInputSchema, required=False)
def verify_agreement(body: dict[str, Any], agreement_id: int) -> Agreement:
    agreement = _agreement_or_404(agreement_id)
    service.verify_agreement(agreement, body.get("note"), actor=api_user(), version=body.get("version"))
    db.session.commit()
    return agreement


@bp.post("/agreements/<int:agreement_id>/return", parameters=AGREEMENT_ID)
@bp.response(200, AgreementSchema, description="这一步之后的协议。")
@bp.doc(
    operationId="returnAgreement",
    summary="退回协议",
    description="主管部门退回补正，须写明理由。",
    responses=responds(STEP_ERRORS),
)
@policy.enforces("agreement.view", "agreement.verify")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_may_verify)
@bp.arguments(ReturnInputSchema)
def return_agreement(body: dict[str, Any], agreement_id: int) -> Agreement:
    agreement = _agreement_or_404(agreement_id)
    service.return_agreement(agreement, body["reason"], actor=api_user())
    db.session.commit()
    return agreement


@bp.get("/indicators")
@bp.response(200, IndicatorsSchema, description="各指标。")
@bp.doc(
    operationId="listIndicators",
    summary="计划指标完成情况",
    description="每个指标的目标和计入的协议：只计已核验的协议，每份在签订年份计一次，同一合同重复登记只计一次；"
    "count 等于 agreement_ids 的个数。目标和计数规则取覆盖所问期间的计划（plan）；"
    "不带参数时为今天（站点时区）执行中的计划的整个计划期，没有计划覆盖今天时为今年、没有目标（plan 为 null）。"
    "仅主管部门（开启公开看板时所有令牌）。",
    responses=responds({400: "参数有误。", 403: "看板未公开，调用者不是主管部门。"}),
)
@policy.enforces("dashboard.view")
@before_body(_may_read_indicators)
@bp.arguments(IndicatorQuerySchema, location="query")
def list_indicators(query: dict[str, Any]) -> dict[str, Any]:
    """One object per indicator for a year (?year=2025), a period (?period=2023-2025) or a plan
    (?plan=id, its whole period unless a year or period is given); by default the plan in force
    today (or, when no plan covers today, today's year, without targets)."""
    problems = inputs.Problems()
    span = None
    for key, message in (("year", BAD_YEAR), ("period", BAD_PERIOD)):
        if key in query:
            parsed = counting.Span.parse(query[key])
            if parsed is None or (key == "year" and parsed.first != parsed.last):
                problems.add(key, message)
            else:
                span = parsed
    plan = None
    if "plan" in query:
        plan = db.session.get(Plan, query["plan"])
        if plan is None:
            problems.add("plan", "没有这个计划。")
    problems.raise_if_any(400)
    choice = counting.choose(plan, span)
    return {
        "period": choice.span.key,
        "plan": choice.plan,
        "indicators": counting.figures(choice.span, choice.rules, with_ids=True),
    }
