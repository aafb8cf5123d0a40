"""Queues and decisions: publish or return postings, verify or reject organisations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from matchmaker.extensions import db
from matchmaker.models import Organization, OrgStatus, Posting, PostingStatus
from matchmaker.review.forms import ApproveForm, RefuseForm
from matchmaker.services import accounts, postings
from matchmaker.web import bureau_required, paginate

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/postings")
@bureau_required
def posting_queue() -> str:
    stmt = (
        select(Posting)
        .where(Posting.status == PostingStatus.PENDING)
        .options(selectinload(Posting.organization))
        .order_by(Posting.submitted_at, Posting.id)  # oldest first: first come, first reviewed
    )
    page = paginate(stmt)
    return render_template("review/posting_queue.html", page=page)


@bp.get("/postings/<int:posting_id>")
@bureau_required
def posting(posting_id: int) -> str:
    item = db.get_or_404(Posting, posting_id)
    return render_template(
        "review/posting.html", posting=item, approve_form=ApproveForm(), refuse_form=RefuseForm()
    )


@bp.post("/postings/<int:posting_id>/publish")
@bureau_required
def publish(posting_id: int) -> str | Response:
    item = db.get_or_404(Posting, posting_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return render_template(
            "review/posting.html", posting=item, approve_form=form, refuse_form=RefuseForm()
        ), 422
    postings.publish_posting(item, actor=current_user, note=form.note.data)
    db.session.commit()
    flash(f"已发布：{item.title}", "success")
    return redirect(url_for("review.posting_queue"))


@bp.post("/postings/<int:posting_id>/return")
@bureau_required
def return_posting(posting_id: int) -> str | Response:
    item = db.get_or_404(Posting, posting_id)
    form = RefuseForm()
    if not form.validate_on_submit():
        return render_template(
            "review/posting.html", posting=item, approve_form=ApproveForm(), refuse_form=form
        ), 422
    postings.return_posting(item, form.reason.data, actor=current_user)
    db.session.commit()
    flash(f"已退回修改：{item.title}", "success")
    return redirect(url_for("review.posting_queue"))


@bp.get("/organizations")
@bureau_required
def organization_queue() -> str:
    status = OrgStatus.from_label(request.args.get("status", "")) or OrgStatus.PENDING
    stmt = (
        select(Organization)
        .where(Organization.status == status)
        .order_by(Organization.created_at, Organization.id)
    )
    page = paginate(stmt)
    return render_template("review/organization_queue.html", page=page, status=status)


@bp.get("/organizations/<int:org_id>")
@bureau_required
def organization(org_id: int) -> str:
    org = db.get_or_404(Organization, org_id)
    return render_template(
        "review/organization.html", org=org, approve_form=ApproveForm(), refuse_form=RefuseForm()
    )


@bp.post("/organizations/<int:org_id>/verify")
@bureau_required
def verify(org_id: int) -> str | Response:
    org = db.get_or_404(Organization, org_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return render_template(
            "review/organization.html", org=org, approve_form=form, refuse_form=RefuseForm()
        ), 422
    accounts.verify_organization(org, actor=current_user, reason=form.note.data)
    db.session.commit()
    flash(f"已通过认证：{org.name}", "success")
    return redirect(url_for("review.organization_queue"))


@bp.post("/organizations/<int:org_id>/reject")
@bureau_required
def reject(org_id: int) -> str | Response:
    org = db.get_or_404(Organization, org_id)
    form = RefuseForm()
    if not form.validate_on_submit():
        return render_template(
            "review/organization.html", org=org, approve_form=ApproveForm(), refuse_form=form
        ), 422
    accounts.reject_organization(org, actor=current_user, reason=form.reason.data)
    db.session.commit()
    flash(f"已驳回认证：{org.name}", "success")
    return redirect(url_for("review.organization_queue"))
