"""Queues and decisions: publish or return postings, verify or reject organisations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.accounts import operations as accounts
from matchmaker.accounts import queries as account_queries
from matchmaker.accounts.values import OrgStatus
from matchmaker.core.extensions import db
from matchmaker.core.web import paginate
from matchmaker.policy import requires
from matchmaker.postings import operations as postings
from matchmaker.postings import queries
from matchmaker.postings.models import Posting
from matchmaker.postings.review_forms import ApproveForm, RefuseForm

if TYPE_CHECKING:
    from matchmaker.accounts.models import Organization

bp = Blueprint("review", __name__, url_prefix="/review")

Page = str | tuple[str, int]
Render = Callable[..., str]  # the decision page, given approve_form= and refuse_form=


def _decide(
    form_class: type[ApproveForm] | type[RefuseForm],
    render: Render,
    act: Callable[[Any], None],
    done: str,
    queue: str,
) -> Page | Response:
    """Validate the decision form (re-render with its errors on 422), act, commit, back to the queue."""
    form = form_class()
    if not form.validate_on_submit():
        forms = {"approve_form": ApproveForm(), "refuse_form": RefuseForm()}
        forms["approve_form" if form_class is ApproveForm else "refuse_form"] = form
        return render(**forms), 422
    act(form)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(queue))


def _posting_page(item: Posting) -> Render:
    return lambda **forms: render_template("review/posting.html", posting=item, **forms)


def _organization_page(org: Organization) -> Render:
    return lambda **forms: render_template("review/organization.html", org=org, **forms)


@bp.get("/postings")
@requires("posting.review")
def posting_queue() -> str:
    return render_template("review/posting_queue.html", page=paginate(queries.awaiting_review()))


@bp.get("/postings/<int:posting_id>")
@requires("posting.review")
def posting(posting_id: int) -> str:
    return _posting_page(db.get_or_404(Posting, posting_id))(
        approve_form=ApproveForm(), refuse_form=RefuseForm()
    )


@bp.post("/postings/<int:posting_id>/publish")
@requires("posting.review")
def publish(posting_id: int) -> Page | Response:
    item = db.get_or_404(Posting, posting_id)
    return _decide(
        ApproveForm,
        _posting_page(item),
        lambda form: postings.publish_posting(item, actor=current_user, note=form.note.data),
        f"已发布：{item.title}",
        "review.posting_queue",
    )


@bp.post("/postings/<int:posting_id>/return")
@requires("posting.review")
def return_posting(posting_id: int) -> Page | Response:
    item = db.get_or_404(Posting, posting_id)
    return _decide(
        RefuseForm,
        _posting_page(item),
        lambda form: postings.return_posting(item, form.reason.data, actor=current_user),
        f"已退回修改：{item.title}",
        "review.posting_queue",
    )


@bp.get("/organizations")
@requires("organization.verify")
def organization_queue() -> str:
    status = OrgStatus.from_label(request.args.get("status", "")) or OrgStatus.PENDING
    page = paginate(account_queries.organizations_in(status))
    return render_template("review/organization_queue.html", page=page, status=status)


@bp.get("/organizations/<int:org_id>")
@requires("organization.verify")
def organization(org_id: int) -> str:
    return _organization_page(account_queries.organization_or_404(org_id))(
        approve_form=ApproveForm(), refuse_form=RefuseForm()
    )


@bp.post("/organizations/<int:org_id>/verify")
@requires("organization.verify")
def verify(org_id: int) -> Page | Response:
    org = account_queries.organization_or_404(org_id)
    return _decide(
        ApproveForm,
        _organization_page(org),
        lambda form: accounts.verify_organization(org, actor=current_user, reason=form.note.data),
        f"已通过认证：{org.name}",
        "review.organization_queue",
    )


@bp.post("/organizations/<int:org_id>/reject")
@requires("organization.verify")
def reject(org_id: int) -> Page | Response:
    org = account_queries.organization_or_404(org_id)
    return _decide(
        RefuseForm,
        _organization_page(org),
        lambda form: accounts.reject_organization(org, actor=current_user, reason=form.reason.data),
        f"已驳回认证：{org.name}",
        "review.organization_queue",
    )
