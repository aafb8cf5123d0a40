"""Front page for everyone; a role-specific home for logged-in users."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.accounts import queries as account_queries
from matchmaker.accounts.operations import count_pending_organizations
from matchmaker.accounts.values import OrgStatus
from matchmaker.agreements import counting
from matchmaker.agreements import queries as agreement_queries
from matchmaker.core.extensions import db
from matchmaker.events import operations as events
from matchmaker.postings import queries
from matchmaker.postings.operations import count_by_status
from matchmaker.postings.values import PostingKind, PostingStatus

bp = Blueprint("main", __name__)


@bp.get("/favicon.ico")
@policy.enforces(policy.PUBLIC)
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every page whatever the page links."""
    return send_from_directory(current_app.static_folder or "static", "favicon.ico", max_age=86400)


@bp.get("/")
@policy.enforces(policy.PUBLIC)
def index() -> str:
    latest = {kind: db.session.scalars(queries.latest(kind, current_user)).all() for kind in PostingKind}
    return render_template("main/index.html", latest=latest)


@bp.get("/home")
@policy.enforces("posting.review", "postings.own", "specialist.workbench")
@login_required
def home() -> str | Response:
    if policy.may(current_user, "posting.review"):  # bureau staff: the review queues and the plan
        pending_postings = db.session.scalars(queries.awaiting_review().limit(10)).all()
        pending_orgs = db.session.scalars(account_queries.organizations_in(OrgStatus.PENDING).limit(10)).all()
        return render_template(
            "main/home_bureau.html",
            pending_postings=pending_postings,
            pending_orgs=pending_orgs,
            pending_posting_count=count_by_status(PostingStatus.PENDING),
            pending_org_count=count_pending_organizations(),
            published_by_kind=queries.published_by_kind(),
            figures=counting.figures(counting.default_span()),
            awaiting_verification=agreement_queries.count_awaiting_verification(),
        )
    if not policy.may(current_user, "postings.own"):
        # A 技术转移服务机构's user posts nothing of its own: a broker works from the 工作台; one
        # not (yet) appointed is told what the account is for, not refused on its first page.
        if policy.may(current_user, "specialist.workbench"):
            return redirect(url_for("specialists.workbench"))
        return render_template("main/home_other.html")
    # enterprises and universities: their own postings
    counts = queries.status_counts(current_user.organization_id)
    recent = db.session.scalars(queries.owned_by(current_user).limit(10)).all()
    return render_template(
        "main/home_member.html",
        counts=counts,
        recent=recent,
        kinds=PostingKind.for_role(current_user.role),
        events=events.upcoming_for(current_user.organization_id),
    )
