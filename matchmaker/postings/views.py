"""Browse, read, write and move one's own postings through their lifecycle."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.web import int_arg, paginate
from matchmaker.pairings import feedback
from matchmaker.pairings import queries as pairing_queries
from matchmaker.policy import requires
from matchmaker.postings import operations as service
from matchmaker.postings import queries
from matchmaker.postings.forms import CloseForm, PostingForm
from matchmaker.postings.models import Posting
from matchmaker.postings.urls import get_posting_or_404
from matchmaker.postings.values import CloseReason, CooperationMode, PostingKind, PostingStatus
from matchmaker.search import SearchUnavailable
from matchmaker.taxonomy.forms import term_pairs
from matchmaker.taxonomy.models import TechField, Town

bp = Blueprint("postings", __name__, url_prefix="/postings")

PROPOSALS_ON_DETAIL = 5


@bp.get("/<kind:kind>/")
@policy.enforces(policy.PUBLIC)
def browse(kind: PostingKind) -> str:
    mode_code = request.args.get("mode", "")
    filters = queries.BrowseFilters(
        tech_field_id=int_arg("field"),
        town_id=int_arg("town"),
        cooperation_mode=CooperationMode.from_label(mode_code) if mode_code else None,
        q=request.args.get("q", "").strip()[: queries.MAX_QUERY_LENGTH] or None,
    )
    page = paginate(queries.browse(kind, filters, current_user))
    hidden, limit = (
        queries.hidden_from_visitors(kind, filters, current_user),
        current_app.config["LIST_COUNT_LIMIT"],
    )
    return render_template(
        "postings/browse.html",
        kind=kind,
        page=page,
        hidden=f"{limit}+" if hidden > limit else hidden,
        filters=filters,
        fields=[("", "全部技术领域"), *term_pairs(TechField)],
        towns=[("", "全部镇区"), *term_pairs(Town)],
        modes=[("", "全部合作方式"), *CooperationMode.choices()],
    )


@bp.get("/<int:posting_id>")
@policy.enforces("posting.view", "posting.see_confidential", "posting.see_contacts", "agreement.view")
def detail(posting_id: int) -> str:
    posting = get_posting_or_404(posting_id)
    proposals, proposals_unavailable = [], False
    proposable = posting.status is PostingStatus.PUBLISHED and not posting.is_expired
    if proposable:
        try:
            proposals = queries.proposals(
                posting, current_user, limit=PROPOSALS_ON_DETAIL, min_strength=queries.SHOWN_MIN_STRENGTH
            )
        except SearchUnavailable:
            proposals_unavailable = True  # the page is still useful without them
    insider = policy.may(current_user, "posting.see_confidential", posting)  # owner or bureau
    return render_template(
        "postings/detail.html",
        posting=posting,
        proposals=proposals,
        proposals_unavailable=proposals_unavailable,
        proposable=proposable,
        close_form=CloseForm(solving=service.solving_pairings(posting)) if insider else None,
        show_confidential=policy.may(current_user, "posting.see_confidential", posting),
        may_see_contacts=policy.may(current_user, "posting.see_contacts", posting),
        show_history=insider,
        our_pairing=pairing_queries.ours_on([posting], current_user).get(posting.id),
        pairings_about=pairing_queries.about(posting) if insider else [],
        declines=feedback.declines_of(posting) if insider else {},
        agreements=pairing_queries.agreements_from(posting, current_user),
    )


@bp.get("/mine")
@requires("postings.own")
def mine() -> str:
    status = PostingStatus.from_label(request.args.get("status", "")) if request.args.get("status") else None
    page = paginate(queries.owned_by(current_user, status=status))
    return render_template("postings/mine.html", page=page, status=status)


def _save_and_maybe_submit(posting: Posting) -> None:
    """After saving: submit for review when the user pressed 提交审核, keeping the draft if refused."""
    if request.form.get("action") != "submit":
        flash("已保存为草稿。", "success")
        return
    try:
        service.submit_posting(posting, actor=current_user)
    except InvalidTransition as error:
        db.session.rollback()
        flash(f"已保存为草稿，但未能提交审核：{error.message}", "warning")
    else:
        db.session.commit()
        flash("已提交主管部门审核，审核通过后将公开发布。", "success")


@bp.route("/new/<kind:kind>", methods=["GET", "POST"])
@policy.enforces("posting.create", "posting.submit")
@login_required
def create(kind: PostingKind) -> str | Response:
    if not policy.may(current_user, "posting.create", kind):
        abort(403)
    form = PostingForm(kind=kind)
    if not form.is_submitted():
        org = current_user.organization
        form.town.data = org.town_id
        form.contact_name.data = current_user.name
        form.contact_phone.data = current_user.phone or org.contact_phone
    if form.validate_on_submit():
        posting = service.create_posting(kind, form.details(), actor=current_user)
        db.session.commit()
        _save_and_maybe_submit(posting)
        return redirect(url_for("postings.detail", posting_id=posting.id))
    return render_template("postings/form.html", form=form, kind=kind, posting=None)


@bp.route("/<int:posting_id>/edit", methods=["GET", "POST"])
@policy.enforces("posting.view", "posting.edit", "posting.submit")
@login_required
def edit(posting_id: int) -> str | Response:
    posting = get_posting_or_404(posting_id, action="posting.edit")
    if not posting.is_editable:
        flash(f"“{posting.status.label}”状态的信息不能修改，请先撤回。", "warning")
        return redirect(url_for("postings.detail", posting_id=posting.id))
    form = PostingForm(kind=posting.kind)
    if not form.is_submitted():
        form.load(posting)
    if form.validate_on_submit():
        service.update_posting(posting, form.details(), actor=current_user)
        db.session.commit()
        _save_and_maybe_submit(posting)
        return redirect(url_for("postings.detail", posting_id=posting.id))
    return render_template("postings/form.html", form=form, kind=posting.kind, posting=posting)


@bp.post("/<int:posting_id>/submit")
@policy.enforces("posting.view", "posting.submit")
@login_required
def submit(posting_id: int) -> Response:
    posting = get_posting_or_404(posting_id, action="posting.submit")
    service.submit_posting(posting, actor=current_user)
    db.session.commit()
    flash("已提交主管部门审核。", "success")
    return redirect(url_for("postings.detail", posting_id=posting.id))


@bp.route("/<int:posting_id>/withdraw", methods=["GET", "POST"])
@policy.enforces("posting.view", "posting.withdraw")
@login_required
def withdraw(posting_id: int) -> str | Response:
    """A published posting is taken down only after the owner has read what that means."""
    posting = get_posting_or_404(posting_id, action="posting.withdraw")
    if request.method == "GET":
        return render_template("postings/withdraw.html", posting=posting)
    was_published = posting.status is PostingStatus.PUBLISHED
    service.withdraw_posting(posting, actor=current_user)
    db.session.commit()
    if was_published:
        flash(
            "已撤回：该信息已从公开列表和推荐中下架，现为草稿。修改后请重新提交审核，审核通过后再次发布。",
            "success",
        )
    else:
        flash("已撤回为草稿，修改后可重新提交审核。", "success")
    return redirect(url_for("postings.detail", posting_id=posting.id))


@bp.post("/<int:posting_id>/close")
@policy.enforces("posting.view", "posting.close")
@login_required
def close(posting_id: int) -> str | Response:
    posting = get_posting_or_404(posting_id, action="posting.close")
    form = CloseForm(solving=service.solving_pairings(posting))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("postings.detail", posting_id=posting.id))
    reason = CloseReason.from_label(form.reason.data)
    assert reason is not None  # guaranteed by CloseForm.validate_reason
    solved_by = pairing_queries.pairing(form.pairing.data) if form.pairing.data else None
    try:
        service.close_posting(posting, reason, form.note.data, actor=current_user, solved_by=solved_by)
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("postings.detail", posting_id=posting_id))
    db.session.commit()
    flash("信息已关闭。", "success")
    return redirect(url_for("postings.detail", posting_id=posting.id))


@bp.post("/<int:posting_id>/renew")
@policy.enforces("posting.view", "posting.renew")
@login_required
def renew(posting_id: int) -> Response:
    """One click from the page or the 14-day reminder: valid for another half year."""
    posting = get_posting_or_404(posting_id, action="posting.renew")
    service.renew_posting(posting, actor=current_user)
    db.session.commit()
    flash(f"有效期已延长至 {posting.valid_until:%Y年%m月%d日}。", "success")
    return redirect(url_for("postings.detail", posting_id=posting.id))
