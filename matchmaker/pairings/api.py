"""JSON API v1 for the pipeline: pairings (interest, answers, progress, messages) and the caller's
notifications. The same services and policy as the web pages; the same error rules as the rest of
the API (400 bad request, 403 not allowed, 404 not visible, 409 wrong state or changed meanwhile,
422 content that fails a rule, each with a Chinese message)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.api import inputs, serialize
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.core.web import MAX_ID, MAX_PAGE
from matchmaker.notifications.models import Notification
from matchmaker.pairings import operations as service
from matchmaker.pairings.models import DeclineReason, Pairing, PairingState
from matchmaker.postings.models import Posting

PAIRING_PARAMS = frozenset({"state", "role", "page", "per_page"})
NOTIFICATION_PARAMS = frozenset({"unread", "page", "per_page"})
ROLES = ("sent", "received")
ADVANCE_TO = ("contacted", "negotiating", "signed", "failed")


# --- input ---------------------------------------------------------------------------------


def body_of(allowed: dict[str, type[Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object: 400 for a body of the wrong shape (not an object, unknown
    members, wrong JSON types), 422 for a required member missing."""
    payload = inputs.json_body()
    if not isinstance(payload, dict):
        raise ApiError(400, "请求体须为 JSON 对象。")
    problems = inputs.Problems()
    for key in sorted(set(payload) - set(allowed)):
        problems.add(str(key)[:50], "不支持的字段。")
    for key, kind in allowed.items():
        value = payload.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            problems.add(key, "类型不正确。")
        elif not inputs.encodable(value):  # strings, and strings inside lists and objects
            problems.add(key, "含有无法保存的字符。")
        elif kind is int and not 0 < value <= MAX_ID:
            problems.add(key, "编号无效。")
    problems.raise_if_any(400)
    for key in required:
        if payload.get(key) is None or payload[key] == "":
            problems.add(key, "必填。")
    problems.raise_if_any(422)
    return payload


def field_error(error: FieldError, names: dict[str, str] | None = None) -> ApiError:
    key = (names or {}).get(error.field, error.field)
    return ApiError(422, errors={key: [error.message]})


def paging(args: Any, allowed: frozenset[str]) -> tuple[int, int, inputs.Problems]:
    inputs.reject_unknown_params(args, allowed)
    problems = inputs.Problems()
    page = inputs.int_param(args, "page", 1, MAX_PAGE, problems)
    per_page = inputs.int_param(args, "per_page", 20, inputs.MAX_PER_PAGE, problems)
    return page, per_page, problems


def _pairing_or_404(pairing_id: int) -> Pairing:
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not policy.may(api_user(), "pairing.view", pairing):
        raise ApiError(404, "对接不存在，或您无权查看。")
    return pairing


def _answer(pairing: Pairing) -> Response:
    db.session.commit()
    return jsonify(serialize.pairing(pairing, api_user(), full=True))


# --- pairings -------------------------------------------------------------------------------


@bp.post("/pairings")
@policy.enforces("posting.view", "posting.express_interest", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
def create_pairing() -> tuple[Response, int, dict[str, str]]:
    """Express interest in a posting, optionally attaching one of the caller's own."""
    user = api_user()
    body = body_of(
        {"target_posting_id": int, "own_posting_id": int, "message": str, "share_confidential": bool},
        ("target_posting_id", "message"),
    )
    target = db.session.get(Posting, body["target_posting_id"])
    if target is None or not policy.may(user, "posting.view", target):
        raise ApiError(422, errors={"target_posting_id": ["没有这条信息，或您无权查看。"]})
    own = None
    if body.get("own_posting_id") is not None:
        own = db.session.get(Posting, body["own_posting_id"])
        if own is None:
            raise ApiError(422, errors={"own_posting_id": ["只能附上本单位已发布的信息。"]})
    try:
        pairing = service.express_interest(
            target,
            body["message"],
            actor=user,
            own_posting=own,
            share_confidential=bool(body.get("share_confidential")),
        )
    except FieldError as error:
        db.session.rollback()
        raise field_error(error, {"own_posting": "own_posting_id"}) from None
    db.session.commit()
    location = url_for("api.get_pairing", pairing_id=pairing.id)
    return jsonify(serialize.pairing(pairing, user, full=True)), 201, {"Location": location}


@bp.get("/pairings")
@policy.enforces("pipeline.view", "pairings.own")
def list_pairings() -> Response:
    """The caller's organisation's pairings (all of them for bureau staff), latest activity first."""
    user = api_user()
    pipeline = policy.may(user, "pipeline.view")  # bureau staff: every pairing
    if not pipeline:
        policy.require(user, "pairings.own")
    page, per_page, problems = paging(request.args, PAIRING_PARAMS)
    state = role = None
    if "state" in request.args:
        try:
            state = PairingState(request.args["state"])
        except ValueError:
            problems.add("state", "状态无效，可选：" + "、".join(s.value for s in PairingState) + "。")
    if "role" in request.args:
        role = request.args["role"]
        if role not in ROLES or pipeline:
            problems.add("role", "可选：sent（本单位发出的）、received（本单位收到的）；主管部门不适用。")
    problems.raise_if_any(400)
    stmt = select(Pairing).where(policy.pairings_of(user))
    if state is not None:
        stmt = stmt.where(Pairing.state == state)
    if role == "sent":
        stmt = stmt.where(Pairing.initiator_org_id == user.organization_id)
    elif role == "received":
        stmt = stmt.where(Pairing.target_org_id == user.organization_id)
    result = db.paginate(
        stmt.order_by(Pairing.last_activity_at.desc(), Pairing.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return jsonify(
        {
            "items": [serialize.pairing(p, user) for p in result.items],
            "page": page,
            "per_page": per_page,
            "total": result.total or 0,
        }
    )


@bp.get("/pairings/<int:pairing_id>")
@policy.enforces("pairing.view", "pairing.see_contacts")
def get_pairing(pairing_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    return jsonify(serialize.pairing(_pairing_or_404(pairing_id), api_user(), full=True))


@bp.post("/pairings/<int:pairing_id>/accept")
@policy.enforces("pairing.view", "pairing.answer", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
def accept_pairing(pairing_id: int) -> Response:
    pairing = _pairing_or_404(pairing_id)
    body = body_of({"share_confidential": bool}, ()) if request.get_data() else {}
    service.accept(pairing, actor=api_user(), share_confidential=bool(body.get("share_confidential")))
    return _answer(pairing)


@bp.post("/pairings/<int:pairing_id>/decline")
@policy.enforces("pairing.view", "pairing.answer", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
def decline_pairing(pairing_id: int) -> Response:
    pairing = _pairing_or_404(pairing_id)
    body = body_of({"reason": str, "note": str}, ("reason",))
    try:
        reason = DeclineReason(body["reason"])
    except ValueError:
        raise ApiError(
            422, errors={"reason": ["原因无效，可选：" + "、".join(r.value for r in DeclineReason) + "。"]}
        ) from None
    try:
        service.decline(pairing, reason, body.get("note"), actor=api_user())
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    return _answer(pairing)


@bp.post("/pairings/<int:pairing_id>/advance")
@policy.enforces("pairing.view", "pairing.answer", "pairing.advance", "pairing.see_contacts")
@limiter.limit(write_limit, override_defaults=False)
def advance_pairing(pairing_id: int) -> Response:
    """contacted = accept (the receiving side); negotiating, signed, failed (with a reason)."""
    pairing = _pairing_or_404(pairing_id)
    body = body_of({"to": str, "reason": str}, ("to",))
    if body["to"] not in ADVANCE_TO:
        raise ApiError(422, errors={"to": ["可选：" + "、".join(ADVANCE_TO) + "。"]})
    to = PairingState(body["to"])
    try:
        if to is PairingState.CONTACTED:
            service.accept(pairing, actor=api_user())
        else:
            service.advance(pairing, to, body.get("reason"), actor=api_user())
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    return _answer(pairing)


@bp.get("/pairings/<int:pairing_id>/messages")
@policy.enforces("pairing.view", "pairing.message")
def list_messages(pairing_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    pairing = _pairing_or_404(pairing_id)
    user = api_user()
    if policy.may(user, "pairing.message", pairing):
        service.mark_read(pairing, user)
        db.session.commit()
    return jsonify(
        {"pairing_id": pairing.id, "items": [serialize.pairing_message(m) for m in pairing.messages]}
    )


@bp.post("/pairings/<int:pairing_id>/messages")
@policy.enforces("pairing.view", "pairing.message")
@limiter.limit(write_limit, override_defaults=False)
def post_message(pairing_id: int) -> tuple[Response, int]:
    pairing = _pairing_or_404(pairing_id)
    body = body_of({"text": str}, ("text",))
    try:
        message = service.post_message(pairing, body["text"], actor=api_user())
    except FieldError as error:
        db.session.rollback()
        raise field_error(error) from None
    db.session.commit()
    return jsonify(serialize.pairing_message(message)), 201


# --- notifications --------------------------------------------------------------------------


@bp.get("/notifications")
@policy.enforces("notifications.own")
def list_notifications() -> Response:
    user = api_user()
    policy.require(user, "notifications.own")
    page, per_page, problems = paging(request.args, NOTIFICATION_PARAMS)
    unread_only = False
    if "unread" in request.args:
        if request.args["unread"] not in ("0", "1"):
            problems.add("unread", "应为 1（只看未读）或 0。")
        unread_only = request.args["unread"] == "1"
    problems.raise_if_any(400)
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    result = db.paginate(stmt.order_by(Notification.id.desc()), page=page, per_page=per_page, error_out=False)
    return jsonify(
        {
            "items": [serialize.notification(n) for n in result.items],
            "page": page,
            "per_page": per_page,
            "total": result.total or 0,
        }
    )


@bp.post("/notifications/<int:notification_id>/read")
@policy.enforces("notifications.own")
def read_notification(notification_id: int) -> Response:
    user = api_user()
    policy.require(user, "notifications.own")
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise ApiError(404, "通知不存在。")
    notification.mark_read()
    db.session.commit()
    return jsonify(serialize.notification(notification))
