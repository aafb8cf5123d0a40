"""JSON API v1 for agreements and the plan's indicators: the same services, policy and counting as
the web pages; the API's error rules (400 shape, 403 role, 404 not visible, 409 state, 422 content)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.accounts import operations as accounts
from matchmaker.agreements import counting
from matchmaker.agreements import operations as service
from matchmaker.agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementType,
    PartySide,
    PartyType,
    Plan,
    Registration,
)
from matchmaker.agreements.plan_schemas import PlanSummarySchema
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.api.inputs import body_of, field_error, paging
from matchmaker.api.serialize import organization
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.core.web import MAX_ID, public_url
from matchmaker.pairings.models import Pairing
from matchmaker.taxonomy.models import TechField

AGREEMENT_PARAMS = frozenset({"year", "status", "indicator", "page", "per_page"})
FIELDS: dict[str, type] = {
    "type": str,
    "title": str,
    "signed_on": str,
    "parties": list,
    "equity": bool,
    "valid_from": str,
    "valid_until": str,
    "contract_amount": (int, float),  # type: ignore[dict-item]
    "tech_amount": (int, float),  # type: ignore[dict-item]
    "field": str,
    "ip_involved": str,
    "registration": str,
    "registration_number": str,
    "notes": str,
    "pairing_id": int,
}
PARTY_FIELDS = {"side", "name", "credit_code", "party_type"}
# PATCH: any of the editable fields (not the pairing), and the version the client last saw.
PATCH_FIELDS: dict[str, type] = {
    **{k: v for k, v in FIELDS.items() if k != "pairing_id"},
    "version": int,
}


def _amount(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def agreement_json(a: Agreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "type": a.type.value,
        "equity": a.equity,
        "title": a.title,
        "status": a.status.value,
        "deleted": a.is_deleted,
        "signed_on": a.signed_on.isoformat(),
        "valid_from": a.valid_from.isoformat() if a.valid_from else None,
        "valid_until": a.valid_until.isoformat() if a.valid_until else None,
        "contract_amount": _amount(a.contract_amount),
        "tech_amount": _amount(a.tech_amount),
        "field": a.tech_field.name if a.tech_field else None,
        "ip_involved": a.ip_involved,
        "registration": a.registration.value,
        "registration_number": a.registration_number,
        "notes": a.notes,
        "pairing_id": a.pairing_id,
        "parties": [
            {
                "side": p.side.value,
                "name": p.name,
                "credit_code": p.credit_code,
                "party_type": p.party_type.value,
                "organization": organization(p.organization) if p.organization else None,
            }
            for p in a.parties
        ],
        "recorded_by": organization(a.recorded_org),
        "return_reason": a.return_reason,
        "version": a.version,
        "confirmed_at": a.confirmed_at.isoformat() if a.confirmed_at else None,
        "verified_at": a.verified_at.isoformat() if a.verified_at else None,
        "url": public_url("agreements.detail", agreement_id=a.id),
    }


def _agreement_or_404(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not policy.may(api_user(), "agreement.view", agreement):
        raise ApiError(404, "协议不存在，或您无权查看。")
    return agreement


def _date(value: Any, key: str, problems: inputs.Problems, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            problems.add(key, "必填（格式 YYYY-MM-DD）。")
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        problems.add(key, "日期格式应为 YYYY-MM-DD。")
        return None


def _choice(enum: Any, value: Any, key: str, problems: inputs.Problems, default: Any = None) -> Any:
    if value is None:
        return default
    try:
        return enum(value)
    except ValueError:
        problems.add(key, "可选：" + "、".join(m.value for m in enum) + "。")
        return default


def _details(payload: dict[str, Any]) -> tuple[service.AgreementDetails, Pairing | None]:
    problems = inputs.Problems()
    for key in ("type", "title", "signed_on", "parties"):
        if payload.get(key) in (None, ""):
            problems.add(key, "必填。")
    problems.raise_if_any(422)
    kind = _choice(AgreementType, payload["type"], "type", problems)
    signed = _date(payload.get("signed_on"), "signed_on", problems, required=True)
    amounts = {}
    for key in ("contract_amount", "tech_amount"):
        value = payload.get(key)
        try:
            amounts[key] = Decimal(str(value)) if value is not None else None
        except InvalidOperation:
            problems.add(key, "应为数字（万元）。")
    field = None
    if payload.get("field"):
        field = db.session.scalar(select(TechField).where(TechField.name == payload["field"]))
        if field is None:
            problems.add("field", "未知的技术领域，可选值见 /api/v1/vocabularies。")
    parties = []
    for n, party in enumerate(payload["parties"]):
        key = f"parties[{n}]"
        if (
            not isinstance(party, dict)
            or set(party) - PARTY_FIELDS
            or not all(isinstance(party.get(k), str) or party.get(k) is None for k in PARTY_FIELDS)
        ):
            problems.add(key, "每一方应为 {side, name, credit_code?, party_type} 对象，值为字符串。")
            continue
        name = (party.get("name") or "").strip()
        parties.append(
            service.PartyDetails(
                side=_choice(PartySide, party.get("side"), f"{key}.side", problems, PartySide.BUYER),
                name=name,
                party_type=_choice(
                    PartyType, party.get("party_type"), f"{key}.party_type", problems, PartyType.OTHER
                ),
                credit_code=party.get("credit_code"),
                organization=accounts.find_organization(name) if name else None,
            )
        )
    pairing = None
    if payload.get("pairing_id") is not None:
        pairing = db.session.get(Pairing, payload["pairing_id"])
        if pairing is None or not policy.may(api_user(), "pairing.view", pairing):
            problems.add("pairing_id", "对接不存在，或您无权查看。")
    problems.raise_if_any(422)
    details = service.AgreementDetails(
        type=kind,
        title=payload["title"],
        signed_on=signed,  # type: ignore[arg-type]
        parties=parties,
        equity=bool(payload.get("equity")),
        valid_from=_date(payload.get("valid_from"), "valid_from", problems),
        valid_until=_date(payload.get("valid_until"), "valid_until", problems),
        contract_amount=amounts.get("contract_amount"),
        tech_amount=amounts.get("tech_amount"),
        tech_field=field,
        ip_involved=payload.get("ip_involved"),
        registration=_choice(
            Registration, payload.get("registration"), "registration", problems, Registration.NOT_APPLIED
        ),
        registration_number=payload.get("registration_number"),
        notes=payload.get("notes"),
    )
    problems.raise_if_any(422)
    if found := details.problems():
        raise ApiError(422, errors={k: [v] for k, v in found.items()})
    return details, pairing


@bp.post("/agreements")
@policy.enforces("agreement.record", "pairing.view", "pairing.advance")
@limiter.limit(write_limit, override_defaults=False)
def create_agreement() -> tuple[Response, int, dict[str, str]]:
    user = api_user()
    policy.require(user, "agreement.record")
    payload = body_of(FIELDS)
    details, pairing = _details(payload)
    try:
        agreement = service.record_agreement(details, actor=user, pairing=pairing)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return (
        jsonify(agreement_json(agreement)),
        201,
        {"Location": url_for("api.get_agreement", agreement_id=agreement.id)},
    )


@bp.get("/agreements")
@policy.enforces("agreements.ledger", "agreements.own")
def list_agreements() -> Response:
    user = api_user()
    if not policy.may(user, "agreements.ledger"):  # bureau staff: every agreement
        policy.require(user, "agreements.own")
    page, per_page, problems = paging(request.args, AGREEMENT_PARAMS)
    span = None
    if "year" in request.args:
        span = counting.Span.parse(request.args["year"])
        if span is None:
            problems.add("year", "应为年份（如 2025）或期间（如 2023-2025）。")
    status = _choice(AgreementStatus, request.args.get("status"), "status", problems)
    indicator = None
    if "indicator" in request.args:
        indicator = next((i for i in counting.indicators() if i.code == request.args["indicator"]), None)
        if indicator is None:
            problems.add("indicator", "可选：" + "、".join(i.code for i in counting.indicators()) + "。")
    problems.raise_if_any(400)
    stmt = select(Agreement).where(policy.agreements_of(user), Agreement.deleted_at.is_(None))
    if span is not None:
        stmt = stmt.where(Agreement.signed_on >= span.start, Agreement.signed_on <= span.end)
    if status is not None:
        stmt = stmt.where(Agreement.status == status)
    items = list(db.session.scalars(stmt.order_by(Agreement.signed_on.desc(), Agreement.id.desc())))
    if indicator is not None:  # what counts toward it: verified, once per contract
        choice = counting.choose(span=span)
        figure = counting.figure(indicator.code, choice.span, choice.rules)
        counted = {a.id for a in figure.agreements} if figure else set()
        items = [a for a in items if a.id in counted]
    total = len(items)
    chunk = items[(page - 1) * per_page : page * per_page]
    return jsonify(
        {"items": [agreement_json(a) for a in chunk], "page": page, "per_page": per_page, "total": total}
    )


@bp.get("/agreements/<int:agreement_id>")
@policy.enforces("agreement.view")
def get_agreement(agreement_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    return jsonify(agreement_json(_agreement_or_404(agreement_id)))


def _editable(a: Agreement) -> dict[str, Any]:
    """An agreement's editable content in the input's shape (the output's members that the input
    takes): what a PATCH is merged into."""
    shown = agreement_json(a)
    editable = {key: shown[key] for key in PATCH_FIELDS if key in shown and key not in ("parties", "version")}
    editable["parties"] = [{k: party[k] for k in PARTY_FIELDS} for party in shown["parties"]]
    return editable


@bp.patch("/agreements/<int:agreement_id>")
@policy.enforces("agreement.view", "agreement.edit")
@limiter.limit(write_limit, override_defaults=False)
def update_agreement(agreement_id: int) -> Response:
    """What the web's 修改 does, under the same rules: the members given replace the record's (null
    clears an optional one); a change to what is counted after confirmation goes back to the other
    side."""
    user = api_user()
    agreement = _agreement_or_404(agreement_id)
    policy.require(user, "agreement.edit", agreement)
    if agreement.is_deleted:
        raise ApiError(409, "该协议已删除，不能再修改。")
    payload = body_of(PATCH_FIELDS)
    if payload.get("version") is not None and payload["version"] != agreement.version:
        raise ApiError(409, "协议内容在您读取之后有修改，请重新读取后再提交。")
    merged = {**_editable(agreement), **{k: v for k, v in payload.items() if k != "version"}}
    details, _ = _details(merged)
    try:
        service.update_agreement(agreement, details, actor=user)
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(agreement_json(agreement))


@bp.post("/agreements/<int:agreement_id>/confirm")
@policy.enforces("agreement.view", "agreement.confirm")
@limiter.limit(write_limit, override_defaults=False)
def confirm_agreement(agreement_id: int) -> Response:
    agreement = _agreement_or_404(agreement_id)
    body = body_of({"version": int}) if request.get_data() else {}
    service.confirm_agreement(agreement, actor=api_user(), version=body.get("version"))
    db.session.commit()
    return jsonify(agreement_json(agreement))


@bp.post("/agreements/<int:agreement_id>/verify")
@policy.enforces("agreement.view", "agreement.verify")
@limiter.limit(write_limit, override_defaults=False)
def verify_agreement(agreement_id: int) -> Response:
    agreement = _agreement_or_404(agreement_id)
    policy.require(api_user(), "agreement.verify", agreement)
    body = body_of({"note": str, "version": int}) if request.get_data() else {}
    service.verify_agreement(agreement, body.get("note"), actor=api_user(), version=body.get("version"))
    db.session.commit()
    return jsonify(agreement_json(agreement))


@bp.post("/agreements/<int:agreement_id>/return")
@policy.enforces("agreement.view", "agreement.verify")
@limiter.limit(write_limit, override_defaults=False)
def return_agreement(agreement_id: int) -> Response:
    agreement = _agreement_or_404(agreement_id)
    policy.require(api_user(), "agreement.verify", agreement)
    body = body_of({"reason": str}, ("reason",))
    service.return_agreement(agreement, body["reason"], actor=api_user())
    db.session.commit()
    return jsonify(agreement_json(agreement))


@bp.get("/indicators")
@policy.enforces("dashboard.view")
def list_indicators() -> Response:
    """One object per indicator for a year (?year=2025), a period (?period=2023-2025) or a plan
    (?plan=id, its whole period unless a year or period is given); by default the plan in force
    today (or, when no plan covers today, today's year, without targets)."""
    if not current_app.config["DASHBOARD_PUBLIC"]:
        policy.require(api_user(), "dashboard.view")
    inputs.reject_unknown_params(request.args, frozenset({"year", "period", "plan"}))
    problems = inputs.Problems()
    span = None
    for key in ("year", "period"):
        if key in request.args:
            parsed = counting.Span.parse(request.args[key])
            if parsed is None or (key == "year" and parsed.first != parsed.last):
                problems.add(key, "应为年份（如 2025）。" if key == "year" else "应为期间（如 2023-2025）。")
            else:
                span = parsed
    plan = None
    if "plan" in request.args:
        plan_id = inputs.int_param(request.args, "plan", 0, MAX_ID, problems)
        plan = db.session.get(Plan, plan_id) if plan_id else None
        if plan is None and "plan" not in problems.errors:
            problems.add("plan", "没有这个计划。")
    problems.raise_if_any(400)
    choice = counting.choose(plan, span)
    return jsonify(
        {
            "period": choice.span.key,
            "plan": PlanSummarySchema().dump(choice.plan) if choice.plan else None,
            "indicators": [
                {
                    "code": f.indicator.code,
                    "name": f.indicator.name,
                    "target": f.target,
                    "count": f.count,
                    "agreement_ids": sorted(a.id for a in f.agreements),
                }
                for f in counting.figures(choice.span, plan=choice.rules)
            ],
        }
    )
