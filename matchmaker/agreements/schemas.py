"""The API's agreement resource and the indicators, declared once: what /api/v1/agreements and
/api/v1/indicators take (parsed and checked before the view runs) and what they answer (serialised
from the models), both written into /api/v1/openapi.json. Limits come from the service's own
constants (agreements/operations.py); the plans' schemas are in plan_schemas.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, missing

from matchmaker.accounts.schemas import OrganizationSchema
from matchmaker.agreements import operations as service
from matchmaker.agreements.models import Agreement
from matchmaker.agreements.plan_schemas import INDICATORS, PlanSummarySchema
from matchmaker.agreements.values import AgreementStatus, AgreementType, PartySide, PartyType, Registration
from matchmaker.api.inputs import MAX_PER_PAGE
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
    or_null,
    vocabulary,
)
from matchmaker.core.exceptions import FieldError
from matchmaker.core.models import ChoiceEnum
from matchmaker.core.rules import MAX_BUDGET
from matchmaker.core.web import MAX_ID, MAX_PAGE, public_url
from matchmaker.taxonomy import queries as taxonomy

SPAN_PATTERN = r"^\d{4}(-\d{4})?$"  # a year (2025) or a period (2023-2025): counting.Span
YEAR_PATTERN = r"^\d{4}$"
BAD_SPAN = "应为年份（如 2025）或期间（如 2023-2025）。"
BAD_YEAR = "应为年份（如 2025）。"
BAD_PERIOD = "应为期间（如 2023-2025）。"

# Every 技术领域 (retired ones too: an older agreement keeps its field), or null.
FIELDS = vocabulary("agreement_fields", lambda: [*taxonomy.tech_field_names(active_only=False), None])


# --- fields -----------------------------------------------------------------------------------


class Code(String):
    """One of an enumeration's codes: documented as its ``enum`` (with the labels), loaded as the
    member, answered as the code; another text is refused with the codes to choose from (422)."""

    def __init__(self, enum: type[ChoiceEnum], **kwargs: Any) -> None:
        described = "；".join(f"{m.value}={m.label}" for m in enum)
        metadata = {"description": described, **kwargs.pop("metadata", {})}
        super().__init__(validate=OneOf([m.value for m in enum]), metadata=metadata, **kwargs)
        self.enum = enum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        return self.enum(text) if text in self.enum._value2member_map_ else text  # else OneOf says


class Day(fields.Date):
    """A date written YYYY-MM-DD (``format: date``): another JSON type is the wrong type (400), a
    text that is no such date 422."""

    default_error_messages = {"not_a_day": "日期格式应为 YYYY-MM-DD。"}  # noqa: RUF012 (marshmallow's API)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.make_error("not_a_day") from None


class Amount(fields.Float):
    """万元: a JSON number (not "12.5", not true, not NaN), documented as a number, loaded as the
    Decimal of its text (as the service computes)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=Range(0, int(MAX_BUDGET)), allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        super()._deserialize(value, attr, data, **kwargs)  # refuses NaN and infinity
        return Decimal(str(value))


def _id(**kwargs: Any) -> Integer:
    return Integer(validate=Range(1, MAX_ID), **kwargs)


def _text(limit: int, **kwargs: Any) -> String:
    return String(allow_none=True, validate=Length(max=limit), **kwargs)


# --- input ------------------------------------------------------------------------------------


class PartyInputSchema(Schema):
    side = Code(PartySide, required=True)
    name = String(required=True, validate=Length(max=service.PARTY_NAME_LENGTH))
    credit_code = String(allow_none=True, metadata={"description": "统一社会信用代码（企业必填）。"})
    party_type = Code(PartyType, required=True)


class AgreementInputSchema(Schema):
    """An agreement as it is recorded."""

    type = Code(AgreementType, required=True)
    title = String(required=True, validate=Length(*service.TITLE_LENGTH))
    signed_on = Day(required=True, metadata={"description": "签订日期，不晚于今天。"})
    parties = List(Nested(PartyInputSchema), required=True, validate=ItemCount(1, service.MAX_PARTIES))
    equity = Boolean(load_default=False)
    valid_from = Day(allow_none=True)
    valid_until = Day(allow_none=True)
    contract_amount = Amount()
    tech_amount = Amount(metadata={"description": "不大于合同成交额。"})
    field = String(allow_none=True, metadata=FIELDS)  # looked up by the view
    ip_involved = _text(service.TEXT_LENGTHS["ip_involved"])
    registration = Code(Registration, load_default=Registration.NOT_APPLIED)
    registration_number = _text(
        service.REGISTRATION_NUMBER_LENGTH, metadata={"description": "已登记时必填。"}
    )
    notes = _text(service.TEXT_LENGTHS["notes"])
    pairing_id = _id(allow_none=True)


class AgreementPatchSchema(AgreementInputSchema):
    """The members to change (any of the recorded ones but the pairing; null clears an optional
    one), and the version the client last read."""

    class Meta(AgreementInputSchema.Meta):
        exclude = ("pairing_id",)

    version = _id()

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        field_obj.required, field_obj.load_default = False, missing  # absent: unchanged


class ConfirmInputSchema(Schema):
    version = _id()


class VerifyInputSchema(Schema):
    note = String()
    version = _id()


class ReturnInputSchema(Schema):
    reason = String(required=True, validate=Length(max=service.REASON_LENGTH))


class _PagingSchema(Schema):
    # Query values are text: marshmallow's own Integer parses "2".
    page = fields.Integer(load_default=1, validate=Range(1, MAX_PAGE), metadata={"description": "页码。"})
    per_page = fields.Integer(
        load_default=20, validate=Range(1, MAX_PER_PAGE), metadata={"description": "每页条数。"}
    )


class AgreementQuerySchema(_PagingSchema):
    year = String(
        validate=Regexp(SPAN_PATTERN, error=BAD_SPAN),
        metadata={"description": "签订年份（2025）或期间（2023-2025）。"},
    )
    status = Code(AgreementStatus, metadata={"description": "状态。"})
    indicator = String(metadata={**INDICATORS, "description": "指标代码。"})  # looked up by the view


class IndicatorQuerySchema(Schema):
    plan = fields.Integer(
        validate=Range(1, MAX_ID),
        metadata={"description": "计划编号（见 /plans）：不带 year、period 时为该计划的整个计划期。"},
    )
    year = String(validate=Regexp(YEAR_PATTERN, error=BAD_YEAR), metadata={"description": "年份，如 2025。"})
    period = String(
        validate=Regexp(SPAN_PATTERN, error=BAD_PERIOD), metadata={"description": "期间，如 2023-2025。"}
    )


# --- output -----------------------------------------------------------------------------------


class PartySchema(Output, PartyInputSchema):
    """A party as recorded, with the organisation on the platform it is linked to."""

    organization = or_null(OrganizationSchema)


class AgreementSchema(Output):
    id = Integer(required=True)
    type = Code(AgreementType, required=True)
    equity = Boolean(metadata={"description": "作价入股（按技术转让登记）。"})
    title = String(required=True)
    status = Code(AgreementStatus, required=True)
    deleted = Boolean(attribute="is_deleted")
    signed_on = fields.Date(required=True)
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    contract_amount = fields.Float(allow_none=True, metadata={"description": "合同成交额（万元）。"})
    tech_amount = fields.Float(allow_none=True, metadata={"description": "技术交易额（万元）。"})
    field = String(attribute="tech_field.name", allow_none=True, dump_default=None)
    ip_involved = String(allow_none=True)
    registration = Code(Registration, required=True)
    registration_number = String(allow_none=True)
    notes = String(allow_none=True)
    pairing_id = Integer(allow_none=True)
    parties = List(Nested(PartySchema), required=True)
    recorded_by = Nested(OrganizationSchema, attribute="recorded_org")
    return_reason = String(allow_none=True)
    version = Integer(metadata={"description": "每次修改或状态变化加一；PATCH 可带上以防覆盖他人的修改。"})
    confirmed_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    url = fields.Method("_url", metadata={"type": "string"})

    def _url(self, agreement: Agreement) -> str:
        return public_url("agreements.detail", agreement_id=agreement.id)


class AgreementPageSchema(Output):
    items = List(Nested(AgreementSchema), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)


class FigureSchema(Output):
    """One indicator for the span asked about (counting.Figure)."""

    code = String(required=True, attribute="indicator.code", metadata=INDICATORS)
    name = String(required=True, attribute="indicator.name")
    target = Integer(required=True, allow_none=True)
    count = Integer(required=True)
    agreement_ids = List(Integer(), required=True)


class IndicatorsSchema(Output):
    period = String(required=True)
    plan = or_null(PlanSummarySchema, description="目标所属的计划；没有计划覆盖所问期间时为 null。")
    indicators = List(Nested(FigureSchema), required=True)


# --- the editable agreement -------------------------------------------------------------------


def editable(agreement: Agreement) -> dict[str, Any]:
    """An agreement's editable content as a PATCH gives it (what the PATCH's members replace):
    its answer's members that the input takes, read back by the input's schema; no second copy of
    the fields."""
    patch = AgreementPatchSchema()
    shown = AgreementSchema().dump(agreement)
    party_fields = PartyInputSchema().fields
    content = {key: shown[key] for key in patch.fields if key in shown and key != "version"}
    content["parties"] = [{key: party[key] for key in party_fields} for party in shown["parties"]]
    try:
        return patch.load(content)
    except ValidationError as error:  # recorded under older rules: the client must give it anew
        raise FieldError(next(iter(error.messages)), "已保存的内容不符合现行规则，请一并修改。") from None
