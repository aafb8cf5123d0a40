"""The API's notification resource: what /api/v1/notifications takes and answers."""

from __future__ import annotations

from marshmallow import fields

from matchmaker.api.inputs import page_fields
from matchmaker.core.apidoc import Integer, List, Nested, OneOf, Output, Schema, String
from matchmaker.notifications.models import Notification


class NotificationQuerySchema(Schema):
    unread = String(
        validate=OneOf(["0", "1"], error="应为 1（只看未读）或 0。"), metadata={"description": "1=只看未读。"}
    )
    page = page_fields()["page"]
    per_page = page_fields()["per_page"]


class NotificationSchema(Output):
    id = Integer(required=True)
    kind = String(required=True, validate=OneOf(list(Notification.KINDS)))
    title = String(required=True)
    body = String(allow_none=True)
    link = String(required=True, metadata={"description": "站内路径。"})
    created_at = fields.DateTime(required=True)
    read = fields.Function(lambda n: n.read_at is not None, required=True, metadata={"type": "boolean"})


class NotificationPageSchema(Output):
    items = List(Nested(NotificationSchema), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)
