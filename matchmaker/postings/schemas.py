"""The API's posting resource, declared once: what /api/v1/postings takes and answers, written into
/api/v1/openapi.json. A new posting passes exactly the web form's rules (PostingForm, core/rules.py):
the input schema declares the shape and the limits from those constants (the document), and checks
the JSON types; the view then runs the form, so every message is the form's."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from matchmaker import policy
from matchmaker.accounts.schemas import OrganizationSchema
from matchmaker.api.inputs import page_fields
from matchmaker.core import rules
from matchmaker.core.apidoc import Boolean, Integer, List, Nested, Output, Range, Schema, String, vocabulary
from matchmaker.core.web import public_url
from matchmaker.postings.models import (
    CooperationMode,
    IPStatus,
    Maturity,
    Posting,
    PostingKind,
    PostingStatus,
    Visibility,
)
from matchmaker.taxonomy import queries as taxonomy

MAX_MATCHES = 50
MAX_INPUT_BUDGET = 10**9  # the document's bound; the form's rule (rules.MAX_BUDGET) is the real one
KIND_CODES = "、".join(k.value for k in PostingKind)
# Wrong JSON types, as the API answered them before the schema (422, with the form's problems).
NOT_TEXT = "应为字符串。"
NOT_TEXTS = "应为字符串数组。"
BAD_TEXT = "含有无效的字符。"


def _codes(enum: Any) -> str:
    return "；".join(f"{m.value}={m.label}" for m in enum)


# --- query strings ----------------------------------------------------------------------------


class PostingQuerySchema(Schema):
    kind = fields.Enum(
        PostingKind,
        by_value=fields.String,
        error_messages={"unknown": f"类型无效，可选：{KIND_CODES}。"},
        metadata={"description": "信息类型。"},
    )
    field = String(
        metadata={
            "description": "技术领域名称（见 /vocabularies）。",
            **vocabulary("postings.fields", lambda: taxonomy.names("field", active_only=False)),
        }
    )
    town = String(
        metadata={
            "description": "所属镇区名称（见 /vocabularies）。",
            **vocabulary("postings.towns", lambda: taxonomy.names("town", active_only=False)),
        }
    )
    q = String(metadata={"description": "全文检索词，中英文、数字均可；超过 100 字的部分不参与检索。"})
    page = page_fields()["page"]
    per_page = page_fields()["per_page"]


class MatchQuerySchema(Schema):
    limit = fields.Integer(
        load_default=10, validate=Range(1, MAX_MATCHES), metadata={"description": "最多返回几条。"}
    )


# --- input ------------------------------------------------------------------------------------


class _Text(String):
    """A text member: its type checked here, its rules by the form."""

    default_error_messages = {"invalid": NOT_TEXT, "unencodable": BAD_TEXT}  # noqa: RUF012


def _text(max_length: int, **metadata: Any) -> _Text:
    return _Text(allow_none=True, metadata={"maxLength": max_length, **metadata})


def _choice(enum: Any, **metadata: Any) -> _Text:
    return _Text(allow_none=True, metadata={"enum": [*(m.value for m in enum), None], **metadata})


class _Texts(fields.List):
    default_error_messages = {"invalid": NOT_TEXTS}  # noqa: RUF012


class _Budget(fields.Float):
    default_error_messages = {"invalid": "应为数字（万元）。", "special": "应为数字（万元）。"}  # noqa: RUF012

    def _validated(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._validated(value)


class _Submit(Boolean):
    default_error_messages = {"invalid": "应为 true 或 false。"}  # noqa: RUF012


class PostingInputSchema(Schema):
    """A new posting. Loaded in the view (``load_posting``): problems of type answer 422 together
    with the form's, as the web form's door did."""

    kind = _Text(
        required=True,
        metadata={"enum": [k.value for k in PostingKind], "description": _codes(PostingKind)},
    )
    title = _Text(
        required=True,
        metadata={"minLength": rules.TITLE_LENGTH[0], "maxLength": rules.TITLE_LENGTH[1], "pattern": r"\S"},
    )
    description = _Text(
        required=True,
        metadata={
            "minLength": rules.DESCRIPTION_LENGTH[0],
            "maxLength": rules.DESCRIPTION_LENGTH[1],
            "pattern": r"\S",
        },
    )
    keywords = _Texts(
        _Text(
            metadata={
                "minLength": 1,
                "maxLength": rules.MAX_KEYWORD_LENGTH,
                "pattern": r"^[^、，,;；\s]+$",
                "description": "每项一个关键词（不含空格、逗号、顿号、分号）。",
            }
        ),
        allow_none=True,
        metadata={"maxItems": rules.MAX_KEYWORDS},
    )
    field = _Text(
        allow_none=True,
        metadata=vocabulary("postings.active_fields", lambda: [*taxonomy.names("field"), None]),
    )
    town = _Text(
        allow_none=True, metadata=vocabulary("postings.active_towns", lambda: [*taxonomy.names("town"), None])
    )
    industry_chain = _text(rules.LENGTHS["industry_chain"])
    budget = _Budget(allow_none=True, metadata={"minimum": 0, "maximum": MAX_INPUT_BUDGET})
    valid_until = _Text(
        allow_none=True, metadata={"format": "date", "description": "有效期至，不早于今天；空为长期有效。"}
    )
    cooperation_modes = _Texts(
        _Text(metadata={"enum": [m.value for m in CooperationMode], "description": _codes(CooperationMode)}),
        allow_none=True,
    )
    maturity = _choice(Maturity, description=_codes(Maturity))
    ip_status = _choice(IPStatus, description=_codes(IPStatus))
    ip_detail = _text(rules.LENGTHS["ip_detail"])
    contact_name = _text(rules.LENGTHS["contact_name"])
    contact_phone = _Text(allow_none=True, metadata={"pattern": "^$|" + rules.PHONE_PATTERN})
    visibility = _Text(
        metadata={
            "enum": [v.value for v in Visibility],
            "default": Visibility.PUBLIC.value,
            "description": _codes(Visibility),
        }
    )
    confidential_detail = _text(rules.LENGTHS["confidential_detail"], description="仅本单位和主管部门可见。")
    submit = _Submit(metadata={"default": False, "description": "同时提交审核。"})

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        # this resource's own wording for wrong types (the base sets "类型不正确。")
        for owner in (field_obj, getattr(field_obj, "inner", None)):
            if owner is not None:
                for key, message in type(owner).default_error_messages.items():
                    owner.error_messages[key] = message
        field_obj.error_messages["required"] = "必填。"


# --- output -----------------------------------------------------------------------------------


class Seen:
    """A posting as ``viewer`` sees it: contacts only if they may see them, the confidential part
    only for its owner and bureau staff (absent otherwise)."""

    def __init__(self, posting: Posting, viewer: Any) -> None:
        self._posting, self._viewer = posting, viewer
        self._contacts = policy.may(viewer, "posting.see_contacts", posting)
        self._confidential = policy.may(viewer, "posting.see_confidential", posting)

    def __getattr__(self, name: str) -> Any:
        if name in ("contact_name", "contact_phone") and not self._contacts:
            return None
        if name == "confidential_detail" and not self._confidential:
            raise AttributeError(name)
        if name in ("keywords", "cooperation_modes"):
            return list(getattr(self._posting, name) or [])
        return getattr(self._posting, name)


class PostingSummarySchema(Output):
    id = Integer(required=True)
    kind = fields.Enum(
        PostingKind, by_value=fields.String, required=True, metadata={"description": _codes(PostingKind)}
    )
    title = String(required=True)
    organization = Nested(OrganizationSchema, required=True)


def _nullable_enum(enum: Any) -> fields.Enum:
    return fields.Enum(enum, by_value=fields.String, allow_none=True, metadata={"description": _codes(enum)})


class PostingSchema(PostingSummarySchema):
    """Everything the web page shows the caller."""

    status = fields.Enum(
        PostingStatus, by_value=fields.String, required=True, metadata={"description": _codes(PostingStatus)}
    )
    expired = Boolean(
        required=True,
        attribute="is_expired",
        metadata={"description": "已过有效期（已过期的信息不再公开列出）。"},
    )
    description = String(required=True)
    keywords = List(String(), required=True)
    field = fields.Function(
        lambda p: p.tech_field.name if p.tech_field else None,
        required=True,
        allow_none=True,
        metadata={"type": "string", "description": "技术领域名称。"},
    )
    town = fields.Function(
        lambda p: p.town.name if p.town else None,
        required=True,
        allow_none=True,
        metadata={"type": "string", "description": "所属镇区名称。"},
    )
    industry_chain = String(allow_none=True)
    budget = fields.Float(allow_none=True, metadata={"description": "预算或意向价格（万元），空为面议。"})
    valid_until = fields.Date(allow_none=True)
    cooperation_modes = List(  # stored as their codes
        String(metadata={"enum": [m.value for m in CooperationMode], "description": _codes(CooperationMode)})
    )
    maturity = _nullable_enum(Maturity)
    ip_status = _nullable_enum(IPStatus)
    ip_detail = String(allow_none=True)
    contact_name = String(allow_none=True)
    contact_phone = String(allow_none=True)
    visibility = fields.Enum(Visibility, by_value=fields.String, metadata={"description": _codes(Visibility)})
    # as the web page says before one sends interest: nobody there can answer it (居间对接)
    interest_brokered = fields.Function(
        lambda p: not p.organization.has_account,
        metadata={
            "type": "boolean",
            "description": "发布单位尚未开通平台账号：对其表达的意向由主管部门居间对接（代为联系和答复）。",
        },
    )
    confidential_detail = String(allow_none=True, metadata={"description": "只对发布单位和主管部门返回。"})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    published_at = fields.DateTime(allow_none=True)
    url = fields.Function(
        lambda p: public_url("postings.detail", posting_id=p.id),
        metadata={
            "type": "string",
            "description": "网页地址：配置了 BASE_URL 时为完整地址，否则为站内路径。",
        },
    )


class PostingPageSchema(Output):
    items = List(Nested(PostingSchema), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)
    estimated = Boolean(metadata={"description": "total 为估计值（全文检索结果很多时）。"})


class MatchSchema(Output):
    posting = Nested(PostingSummarySchema, required=True)
    score = Integer(required=True, attribute="strength", validate=Range(0, 100))
    matched_terms = List(String(), required=True)
    matched_specs = List(
        String(),
        attribute="specs",
        metadata={"description": "双方都写明且相符的规格（公差、盐雾时长、料厚、产能、牌号、认证）。"},
    )


class MatchesSchema(Output):
    posting_id = Integer(required=True)
    matches = List(Nested(MatchSchema), required=True)
