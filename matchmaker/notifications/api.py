"""JSON API v1: the caller's own notifications (list them, mark one read)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from matchmaker import policy
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp
from matchmaker.api.errors import ApiError
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.extensions import db
from matchmaker.notifications.models import Notification
from matchmaker.notifications.schemas import (
    NotificationPageSchema,
    NotificationQuerySchema,
    NotificationSchema,
)


def _own() -> None:
    policy.require(api_user(), "notifications.own")


NOTIFICATION_ID = [{"in": "path", "name": "notification_id", "description": "通知编号。"}]


@bp.get("/notifications")
@bp.response(200, NotificationPageSchema, description="一页通知。")
@bp.doc(
    operationId="listNotifications",
    summary="我的通知",
    description="调用者本人的通知，新的在前。",
    responses=responds({400: "参数有误。"}),
)
@policy.enforces("notifications.own")
@before_body(_own)
@bp.arguments(NotificationQuerySchema, location="query")
def list_notifications(query: dict[str, Any]) -> dict[str, Any]:
    user = api_user()
    policy.require(user, "notifications.own")
    stmt = select(Notification).where(Notification.user_id == user.id)
    if query.get("unread") == "1":
        stmt = stmt.where(Notification.read_at.is_(None))
    result = db.paginate(
        stmt.order_by(Notification.id.desc()), page=query["page"], per_page=query["per_page"], error_out=False
    )
    return {
        "items": result.items,
        "page": query["page"],
        "per_page": query["per_page"],
        "total": result.total or 0,
    }


@bp.post("/notifications/<int:notification_id>/read", parameters=NOTIFICATION_ID)
@bp.response(200, NotificationSchema, description="该通知。")
@bp.doc(
    operationId="readNotification",
    summary="标为已读",
    responses=responds({404: "通知不存在，或不是调用者的。"}),
)
@policy.enforces("notifications.own")
def read_notification(notification_id: int) -> Notification:
    user = api_user()
    policy.require(user, "notifications.own")
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise ApiError(404, "通知不存在。")
    notification.mark_read()
    db.session.commit()
    return notification
