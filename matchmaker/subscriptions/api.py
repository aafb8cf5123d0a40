"""JSON API v1: the caller's own subscriptions (订阅推送) — list, create, read with what each sent
and why, change, cancel. Same operations, checks (flood, limit) and journal as 我的账号's pages."""

from __future__ import annotations

from typing import Any

from flask import request

from matchmaker import policy
from matchmaker.api import inputs
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.core.apidoc import before_body, responds
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db, limiter
from matchmaker.postings.values import PostingKind
from matchmaker.subscriptions import operations as service
from matchmaker.subscriptions import queries
from matchmaker.subscriptions.models import Subscription
from matchmaker.subscriptions.schemas import (
    SubscriptionCreateSchema,
    SubscriptionDetailSchema,
    SubscriptionListSchema,
    SubscriptionPatchSchema,
    SubscriptionSchema,
)
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy import queries as taxonomy

SUBSCRIPTION_ID = [{"in": "path", "name": "subscription_id", "description": "订阅编号。"}]
NO_SUBSCRIPTION = "订阅不存在，或不是调用者的。"
BAD_BODY = "请求体不是 JSON 对象，或含不支持的字段、类型不对。"
REFUSED = "内容未通过校验：条件太宽（推送会过多，message 说明原因和如何缩小）、什么条件都没有、订阅数已达上限等，errors 中说明。"


def _own(subscription_id: int | None = None) -> Subscription | None:
    user = api_user()
    policy.require(user, "subscription.create")
    inputs.reject_unknown_params(request.args, frozenset())
    if subscription_id is None:
        return None
    sub = queries.subscription(subscription_id)
    if sub is None or sub.user_id != user.id:
        raise ApiError(404, NO_SUBSCRIPTION)
    return sub


def _editable(subscription_id: int) -> None:
    sub = _own(subscription_id)
    policy.require(api_user(), "subscription.edit", sub)


def _term(vocabulary: str, name: str | None, problems: inputs.Problems) -> Any:
    if not name:
        return None
    term = taxonomy.named(vocabulary, name, active_only=True)
    if term is None:
        problems.add(
            vocabulary, f"{taxonomy.label(vocabulary)}可选：" + "、".join(taxonomy.names(vocabulary)) + "。"
        )
    return term


def _details(body: dict[str, Any], current: Subscription | None = None) -> service.Details:
    """The body over the subscription's current details (a PATCH changes what it names)."""
    problems = inputs.Problems()

    def given(name: str, now: Any) -> Any:
        return body.get(name, now)

    field = (
        _term("field", body.get("field"), problems)
        if "field" in body
        else (current.tech_field if current else None)
    )
    town = (
        _term("town", body.get("town"), problems) if "town" in body else (current.town if current else None)
    )
    problems.raise_if_any(422)
    kind = given("kind", current.kind.value if current and current.kind else None)
    return service.Details(
        name=given("name", current.name if current else None),
        basis=Basis(given("basis", current.basis.value if current else None)),
        frequency=Frequency(given("frequency", current.frequency.value if current else None)),
        query=given("query", current.query if current else None),
        kind=PostingKind(kind) if kind else None,
        tech_field=field,
        town=town,
        min_strength=given("min_strength", current.min_strength if current else None),
    )


class _WithItems:
    """A subscription with the items it sent, for SubscriptionDetailSchema."""

    def __init__(self, sub: Subscription, items: list[Any]) -> None:
        self._sub = sub
        self.items = items

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sub, name)


def _refused(error: FieldError) -> ApiError:
    db.session.rollback()
    return ApiError(
        422, error.message, errors={error.field if error.field != "tech_field" else "field": [error.message]}
    )


@bp.get("/subscriptions")
@bp.response(200, SubscriptionListSchema, description="调用者在用的订阅。")
@bp.doc(
    operationId="listSubscriptions",
    summary="我的订阅",
    description="调用者本人在用的订阅（已取消的不列出），最早的在前。",
    responses=responds({400: "带了不支持的参数。"}),
)
@policy.enforces("subscription.create")
def list_subscriptions() -> dict[str, Any]:
    _own()
    return {"items": service.active_of(api_user()), "limit": queries.limit()}


@bp.post("/subscriptions")
@bp.response(201, SubscriptionSchema, description="新建的订阅。")
@bp.doc(
    operationId="createSubscription",
    summary="新建订阅",
    description="按搜索条件（basis=search：关键词 query、信息类型 kind、技术领域 field、镇区 town，至少一项）"
    "或本单位已发布信息的新推荐（basis=proposals，匹配度不低于 min_strength）订阅，"
    "frequency 选即时、每天或每周推送。每条信息每个订阅只推送一次，只推送调用者有权查看的信息。"
    "按条件最近 30 天平均每天会推送过多条的订阅不予保存（422，message 说明如何缩小范围）。",
    responses=responds({400: BAD_BODY, 403: "调用者不能订阅。", 422: REFUSED}),
)
@policy.enforces("subscription.create")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_own)
@bp.arguments(SubscriptionCreateSchema)
def create_subscription(body: dict[str, Any]) -> tuple[Subscription, int, dict[str, str]]:
    try:
        sub = service.create(_details(body), actor=api_user())
    except FieldError as error:
        raise _refused(error) from None
    db.session.commit()
    return sub, 201, {"Location": f"/api/v1/subscriptions/{sub.id}"}


@bp.get("/subscriptions/<int:subscription_id>", parameters=SUBSCRIPTION_ID)
@bp.response(200, SubscriptionDetailSchema, description="订阅及最近推送的信息。")
@bp.doc(
    operationId="getSubscription",
    summary="一个订阅",
    description="订阅的条件，以及最近推送（或待推送）的信息，每条附匹配原因；调用者已无权查看的信息不列出。",
    responses=responds({400: "带了不支持的参数。", 404: NO_SUBSCRIPTION}),
)
@policy.enforces("subscription.view")
def get_subscription(subscription_id: int) -> _WithItems:
    sub = _own(subscription_id)
    assert sub is not None
    policy.require(api_user(), "subscription.view", sub)
    return _WithItems(sub, service.recent_items(sub, api_user()))


@bp.patch("/subscriptions/<int:subscription_id>", parameters=SUBSCRIPTION_ID)
@bp.response(200, SubscriptionSchema, description="修改后的订阅。")
@bp.doc(
    operationId="updateSubscription",
    summary="修改订阅",
    description="只改给出的字段；修改后的条件同样检查（不能过宽）。已取消的订阅不能修改。",
    responses=responds({400: BAD_BODY, 403: "订阅已取消。", 404: NO_SUBSCRIPTION, 422: REFUSED}),
)
@policy.enforces("subscription.edit")
@limiter.limit(write_limit, override_defaults=False)
@before_body(_editable)
@bp.arguments(SubscriptionPatchSchema)
def update_subscription(body: dict[str, Any], subscription_id: int) -> Subscription:
    sub = _own(subscription_id)
    assert sub is not None
    try:
        service.edit(sub, _details(body, sub), actor=api_user())
    except FieldError as error:
        raise _refused(error) from None
    db.session.commit()
    return sub


@bp.delete("/subscriptions/<int:subscription_id>", parameters=SUBSCRIPTION_ID)
@bp.response(200, SubscriptionSchema, description="已取消的订阅。")
@bp.doc(
    operationId="cancelSubscription",
    summary="取消订阅",
    description="取消后不再收集和推送；订阅仍可查看。",
    responses=responds({403: "订阅已取消。", 404: NO_SUBSCRIPTION}),
)
@policy.enforces("subscription.edit")
@limiter.limit(write_limit, override_defaults=False)
def cancel_subscription(subscription_id: int) -> Subscription:
    sub = _own(subscription_id)
    assert sub is not None
    service.cancel(sub, actor=api_user())
    db.session.commit()
    return sub
