"""The API's subscription resource: what /api/v1/subscriptions takes and answers. Component names
are prefixed (Subscription…) to stay unique across capabilities."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from matchmaker.core.apidoc import (
    Integer,
    Length,
    List,
    Nested,
    OneOf,
    Output,
    Range,
    Schema,
    String,
    vocabulary,
)
from matchmaker.postings.values import PostingKind
from matchmaker.subscriptions.models import NAME_LENGTH, QUERY_LENGTH, SubscriptionItem
from matchmaker.subscriptions.notices import why
from matchmaker.subscriptions.operations import MAX_STRENGTH, MIN_STRENGTH
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy import queries as taxonomy


def _codes(enum: Any) -> str:
    return "；".join(f"{m.value}={m.label}" for m in enum)


def _fields(required: bool) -> dict[str, fields.Field]:
    return {
        "name": String(
            allow_none=True,
            validate=Length(max=NAME_LENGTH),
            metadata={"description": "订阅名称；不填时按条件自动命名。"},
        ),
        "basis": String(
            required=required,
            validate=OneOf([b.value for b in Basis]),
            metadata={"description": _codes(Basis)},
        ),
        "frequency": String(
            required=required,
            validate=OneOf([f.value for f in Frequency]),
            metadata={"description": _codes(Frequency)},
        ),
        "query": String(
            allow_none=True,
            validate=Length(max=QUERY_LENGTH),
            metadata={"description": "关键词，与搜索框相同（search 时，与下面三项至少填一项）。"},
        ),
        "kind": String(
            allow_none=True,
            validate=OneOf([k.value for k in PostingKind]),
            metadata={"description": "信息类型：" + _codes(PostingKind)},
        ),
        "field": String(
            allow_none=True,
            metadata={
                "description": "技术领域名称。",
                **vocabulary("subscriptions.fields", lambda: [*taxonomy.names("field"), None]),
            },
        ),
        "town": String(
            allow_none=True,
            metadata={
                "description": "镇区名称。",
                **vocabulary("subscriptions.towns", lambda: [*taxonomy.names("town"), None]),
            },
        ),
        "min_strength": Integer(
            allow_none=True,
            validate=Range(MIN_STRENGTH, MAX_STRENGTH),
            metadata={"description": "proposals 时必填：推荐的最低匹配度（1–100）。"},
        ),
    }


SubscriptionCreateSchema = Schema.from_dict(_fields(True), name="SubscriptionCreateSchema")
SubscriptionPatchSchema = Schema.from_dict(_fields(False), name="SubscriptionPatchSchema")


class SubscriptionSchema(Output):
    id = Integer(required=True)
    name = String(required=True)
    basis = fields.Enum(Basis, by_value=fields.String, required=True, metadata={"description": _codes(Basis)})
    frequency = fields.Enum(
        Frequency, by_value=fields.String, required=True, metadata={"description": _codes(Frequency)}
    )
    query = String(required=True, allow_none=True)
    kind = fields.Enum(
        PostingKind,
        by_value=fields.String,
        required=True,
        allow_none=True,
        metadata={"description": _codes(PostingKind)},
    )
    field = fields.Function(
        lambda s: s.tech_field.name if s.tech_field else None,
        required=True,
        allow_none=True,
        metadata={"type": "string", "description": "技术领域名称。"},
    )
    town = fields.Function(
        lambda s: s.town.name if s.town else None,
        required=True,
        allow_none=True,
        metadata={"type": "string", "description": "镇区名称。"},
    )
    min_strength = Integer(required=True, allow_none=True)
    summary = String(required=True, metadata={"description": "条件的文字说明。"})
    active = fields.Boolean(required=True, metadata={"description": "false：已取消。"})
    created_at = fields.DateTime(required=True)
    last_digest_at = fields.DateTime(required=True, allow_none=True)


class SubscriptionItemSchema(Output):
    posting_id = Integer(required=True)
    title = fields.Function(lambda i: i.posting.title, required=True, metadata={"type": "string"})
    kind = fields.Function(
        lambda i: i.posting.kind.value,
        required=True,
        metadata={"type": "string", "enum": [k.value for k in PostingKind]},
    )
    matched_at = fields.DateTime(required=True)
    sent = fields.Function(
        lambda i: i.digest_at is not None,
        required=True,
        metadata={"type": "boolean", "description": "已推送。"},
    )
    why = fields.Method("_why", required=True, metadata={"type": "string", "description": "匹配原因。"})
    words = fields.Function(
        lambda i: list((i.reason or {}).get("phrases") or (i.reason or {}).get("words") or []),
        required=True,
        metadata={"type": "array", "items": {"type": "string"}, "description": "匹配的词。"},
    )
    strength = fields.Function(
        lambda i: (i.reason or {}).get("strength"),
        required=True,
        allow_none=True,
        metadata={"type": "integer", "description": "推荐的匹配度（proposals 时）。"},
    )
    own_posting_id = fields.Function(
        lambda i: (i.reason or {}).get("own_posting_id"),
        required=True,
        allow_none=True,
        metadata={"type": "integer", "description": "推荐给本单位的哪条信息（proposals 时）。"},
    )

    def _why(self, item: SubscriptionItem) -> str:
        return why(item.subscription, item)


class SubscriptionDetailSchema(SubscriptionSchema):
    items = List(Nested(SubscriptionItemSchema), required=True, metadata={"description": "最近推送的信息。"})


class SubscriptionListSchema(Output):
    items = List(Nested(SubscriptionSchema), required=True)
    limit = Integer(required=True, metadata={"description": "每位用户最多保留的订阅数。"})
