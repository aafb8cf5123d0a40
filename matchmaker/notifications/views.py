"""Thin views of the notifications."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker.core.extensions import db
from matchmaker.core.web import is_safe_path, paginate, redirect_back
from matchmaker.notifications import operations as service
from matchmaker.notifications.models import Notification
from matchmaker.policy import requires

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@requires("notifications.own")
def index() -> str:
    unread_only = request.args.get("unread") == "1"
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = stmt.order_by(Notification.read_at.isnot(None), Notification.id.desc())
    return render_template("notifications/index.html", page=paginate(stmt), unread_only=unread_only)


@bp.post("/<int:notification_id>/open")
@requires("notifications.own")
def open_one(notification_id: int) -> Response:
    """Mark it read and go where it points."""
    notification = db.get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        abort(404)
    notification.mark_read()
    db.session.commit()
    return redirect(notification.link if is_safe_path(notification.link) else "/")  # site paths only


@bp.post("/read-all")
@requires("notifications.own")
def read_all() -> Response:
    done = service.mark_all_read(current_user)
    db.session.commit()
    flash(f"已将 {done} 条通知标为已读。", "success")
    return redirect_back()
