"""Thin views of 我的账号 → 订阅推送: one's subscriptions with a form for a new one (prefilled from
the search page's 订阅此搜索), a subscription's page with what it sent and why, editing, cancelling."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.web import attach_field_error, int_arg
from matchmaker.postings.values import PostingKind
from matchmaker.search.evidence import passage
from matchmaker.subscriptions import operations as service
from matchmaker.subscriptions import queries
from matchmaker.subscriptions.forms import SubscriptionForm
from matchmaker.subscriptions.models import Subscription
from matchmaker.subscriptions.notices import why
from matchmaker.subscriptions.values import Basis, Frequency
from matchmaker.taxonomy.forms import get_term
from matchmaker.taxonomy.models import TechField, Town

bp = Blueprint("subscriptions", __name__, url_prefix="/account/subscriptions")


def _own_or_404(subscription_id: int, action: str) -> Subscription:
    sub = queries.subscription(subscription_id)
    if sub is None or sub.user_id != current_user.id:
        abort(404)
    policy.require(current_user, action, sub)
    return sub


def _details(form: SubscriptionForm) -> service.Details:
    return service.Details(
        name=form.name.data,
        basis=Basis(form.basis.data) if form.basis.data in Basis._value2member_map_ else Basis.SEARCH,
        frequency=Frequency(form.frequency.data)
        if form.frequency.data in Frequency._value2member_map_
        else Frequency.DAILY,
        query=form.query.data,
        kind=PostingKind(form.kind.data) if form.kind.data in PostingKind._value2member_map_ else None,
        tech_field=get_term(TechField, form.tech_field.data),
        town=get_term(Town, form.town.data),
        min_strength=form.min_strength.data,
    )


@bp.route("/", methods=["GET", "POST"])
@policy.enforces("subscription.create")
@login_required
def index() -> str | Response:
    policy.require(current_user, "subscription.create")
    form = SubscriptionForm()
    if not form.is_submitted():  # 订阅此搜索: the search page's query and filters
        form.query.data = request.args.get("q", "")[:100]
        kind = PostingKind.from_label(request.args.get("kind", ""))
        form.kind.data = kind.value if kind else None
        form.tech_field.data = int_arg("field")
        form.town.data = int_arg("town")
    if form.validate_on_submit():
        try:
            sub = service.create(_details(form), actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash(f"已订阅“{sub.name}”。有新信息时按“{sub.frequency.label}”推送到通知。", "success")
            return redirect(url_for("subscriptions.index"))
    return render_template(
        "subscriptions/index.html",
        form=form,
        subscriptions=service.active_of(current_user),
        limit=queries.limit(),
    )


@bp.get("/<int:subscription_id>")
@policy.enforces("subscription.view")
@login_required
def detail(subscription_id: int) -> str:
    sub = _own_or_404(subscription_id, "subscription.view")
    items = [
        (
            item,
            why(sub, item),
            Markup(passage(item.posting.description, (item.reason or {}).get("words") or [])),
        )
        for item in service.recent_items(sub, current_user)
    ]
    return render_template(
        "subscriptions/detail.html",
        sub=sub,
        items=items,
        editable=policy.may(current_user, "subscription.edit", sub),
        pending=service.pending_count(sub),
    )


@bp.route("/<int:subscription_id>/edit", methods=["GET", "POST"])
@policy.enforces("subscription.edit")
@login_required
def edit(subscription_id: int) -> str | Response:
    sub = _own_or_404(subscription_id, "subscription.edit")
    form = SubscriptionForm()
    if not form.is_submitted():
        form.name.data = sub.name
        form.basis.data = sub.basis.value
        form.query.data = sub.query
        form.kind.data = sub.kind.value if sub.kind else None
        form.tech_field.data = sub.tech_field_id
        form.town.data = sub.town_id
        form.min_strength.data = sub.min_strength
        form.frequency.data = sub.frequency.value
    if form.validate_on_submit():
        try:
            service.edit(sub, _details(form), actor=current_user)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            flash("订阅已保存。", "success")
            return redirect(url_for("subscriptions.detail", subscription_id=sub.id))
    return render_template("subscriptions/edit.html", form=form, sub=sub)


@bp.post("/<int:subscription_id>/cancel")
@policy.enforces("subscription.edit")
@login_required
def cancel(subscription_id: int) -> Response:
    sub = _own_or_404(subscription_id, "subscription.edit")
    service.cancel(sub, actor=current_user)
    db.session.commit()
    flash(f"已取消订阅“{sub.name}”，不会再推送。", "success")
    return redirect(url_for("subscriptions.index"))
