"""The API's pairing resource, declared once: what /api/v1/pairings takes and answers, written into
/api/v1/openapi.json. Limits come from the service's constants (pairings/operations.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from matchmaker import policy
from matchmaker.accounts.schemas import OrganizationSchema
from matchmaker.api.inputs import page_fields
from matchmaker.core.apidoc import (
    Boolean,
    Id,
    Integer,
    Length,
    List,
    Nested,
    OneOf,
    Output,
    Schema,
    String,
)
from matchmaker.core.web import MAX_ID, public_url
from matchmaker.pairings.models import DeclineReason, Pairing, PairingState
from matchmaker.pairings.operations import MAX_INTEREST, MAX_MESSAGE
from matchmaker.postings.schemas import PostingSummarySchema

ROLES = ("sent", "received")
ADVANCE_TO = ("contacted", "negotiating", "signed", "failed")


# An answer's nested object that may be null: documented ``{"$ref": …, "nullable": true}`` as
# before (``allow_none`` would document an anyOf; marshmallow dumps None as null either way).
NULLABLE = {"nullable": True}


def _codes(enum: Any) -> str:
    return "；".join(f"{m.value}={m.label}" for m in enum)


def _id(**kwargs: Any) -> Id:
    return Id(MAX_ID, **kwargs)


# --- query strings ----------------------------------------------------------------------------


class PairingQuerySchema(Schema):
    state = fields.Enum(
        PairingState,
        by_value=fields.String,
        error_messages={"unknown": "状态无效，可选：" + "、".join(s.value for s in PairingState) + "。"},
        metadata={"description": "对接状态。" + _codes(PairingState)},
    )
    role = String(
        validate=OneOf(ROLES, error="可选：sent（本单位发出的）、received（本单位收到的）；主管部门不适用。"),
        metadata={"description": "sent=本单位发出的意向，received=本单位收到的意向（主管部门不适用）。"},
    )
    page = page_fields()["page"]
    per_page = page_fields()["per_page"]


# --- input ------------------------------------------------------------------------------------


class PairingInputSchema(Schema):
    target_posting_id = _id(required=True)
    own_posting_id = _id(allow_none=True)
    message = String(
        required=True, validate=Length(max=MAX_INTEREST), metadata={"description": "想对对方说的话（必填）。"}
    )
    share_confidential = Boolean(
        dump_default=False,
        metadata={"default": False, "description": "对方接受后，向对方提供所附信息的保密内容。"},
    )


class AcceptInputSchema(Schema):
    share_confidential = Boolean(metadata={"default": False})


class DeclineInputSchema(Schema):
    reason = fields.Enum(
        DeclineReason,
        by_value=fields.String,
        required=True,
        error_messages={"unknown": "原因无效，可选：" + "、".join(r.value for r in DeclineReason) + "。"},
        metadata={"description": _codes(DeclineReason)},
    )
    note = String(
        allow_none=True, validate=Length(max=MAX_INTEREST), metadata={"description": "补充说明（对方可见）。"}
    )


class AdvanceInputSchema(Schema):
    to = String(required=True, validate=OneOf(ADVANCE_TO, error="可选：" + "、".join(ADVANCE_TO) + "。"))
    reason = String(
        allow_none=True, validate=Length(max=MAX_INTEREST), metadata={"description": "failed 时必填。"}
    )


class MessageInputSchema(Schema):
    text = String(required=True, validate=Length(max=MAX_MESSAGE))


# --- output -----------------------------------------------------------------------------------


def _contact(org: Any, posting: Any) -> dict[str, Any]:
    """A party's contact: the posting's own contact where it has one, else the organisation's."""
    return {
        "organization": org,
        "contact_name": posting.contact_name if posting and posting.contact_name else org.contact_name,
        "contact_phone": posting.contact_phone if posting and posting.contact_phone else org.contact_phone,
    }


class Seen:
    """A pairing as ``viewer`` sees it: contacts and the confidential details the parties share
    only once the receiving side has accepted (``shared_confidential`` absent before)."""

    def __init__(self, pairing: Pairing, viewer: Any) -> None:
        self._pairing = pairing
        self._contacts = policy.may(viewer, "pairing.see_contacts", pairing)

    def __getattr__(self, name: str) -> Any:
        if name == "shared_confidential" and not self._contacts:
            raise AttributeError(name)
        return getattr(self._pairing, name)

    @property
    def history(self) -> list[Any]:
        return list(reversed(self._pairing.history))

    @property
    def contacts(self) -> list[dict[str, Any]] | None:
        p = self._pairing
        if not self._contacts:
            return None
        return [_contact(p.target_org, p.target), _contact(p.initiator_org, p.own_posting)]

    @property
    def shared(self) -> list[dict[str, Any]]:
        p, shared = self._pairing, []
        if p.share_target_confidential and p.target.confidential_detail:
            shared.append({"posting_id": p.target.id, "confidential_detail": p.target.confidential_detail})
        if p.share_initiator_confidential and p.own_posting and p.own_posting.confidential_detail:
            shared.append(
                {"posting_id": p.own_posting.id, "confidential_detail": p.own_posting.confidential_detail}
            )
        return shared


class PairingSchema(Output):
    id = Integer(required=True)
    state = fields.Enum(
        PairingState, by_value=fields.String, required=True, metadata={"description": _codes(PairingState)}
    )
    state_label = String(required=True, attribute="state.label")
    by_bureau = Boolean(required=True, metadata={"description": "由主管部门牵线。"})
    brokered = Boolean(
        required=True,
        metadata={"description": "居间对接：接收方尚未开通平台账号，由主管部门联系对方并代为答复。"},
    )
    target_posting = Nested(PostingSummarySchema, required=True, attribute="target")
    own_posting = Nested(PostingSummarySchema, required=True, metadata=NULLABLE)
    initiator = Nested(OrganizationSchema, required=True, attribute="initiator_org")
    receiver = Nested(OrganizationSchema, required=True, attribute="target_org")
    message = String(required=True)
    decline_reason = fields.Enum(
        DeclineReason,
        by_value=fields.String,
        required=True,
        allow_none=True,
        metadata={"description": _codes(DeclineReason)},
    )
    decline_note = String(required=True, allow_none=True)
    fail_reason = String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    last_activity_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    url = fields.Function(
        lambda p: public_url("pairings.detail", pairing_id=p.id), required=True, metadata={"type": "string"}
    )


class ActorSchema(Output):
    name = String()
    organization = Nested(OrganizationSchema)


class HistorySchema(Output):
    at = fields.DateTime(required=True)
    action = String(required=True)
    label = String(required=True)
    actor = Nested(ActorSchema, metadata=NULLABLE)
    note = fields.Function(
        lambda e: e.note if e.action != "pairing.message" else None,
        allow_none=True,
        metadata={"type": "string"},
    )


class ContactSchema(Output):
    organization = Nested(OrganizationSchema, required=True)
    contact_name = String(required=True, allow_none=True)
    contact_phone = String(required=True, allow_none=True)


class SharedSchema(Output):
    posting_id = Integer()
    confidential_detail = String()


class PairingDetailSchema(PairingSchema):
    history = List(Nested(HistorySchema), required=True)
    contacts = List(
        Nested(ContactSchema),
        required=True,
        allow_none=True,
        metadata={"description": "对方接受后才有：双方的联系人和电话；之前为 null。"},
    )
    shared_confidential = List(
        Nested(SharedSchema),
        attribute="shared",
        metadata={"description": "接受后，双方选择提供给对方的保密信息。"},
    )


class PairingPageSchema(Output):
    items = List(Nested(PairingSchema), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)


class AuthorSchema(Output):
    name = String(required=True)
    organization = Nested(OrganizationSchema, required=True)


class PairingMessageSchema(Output):
    id = Integer(required=True)
    author = Nested(AuthorSchema, required=True)
    text = String(required=True)
    created_at = fields.DateTime(required=True)


class PairingMessagesSchema(Output):
    pairing_id = Integer(required=True)
    items = List(Nested(PairingMessageSchema), required=True)
