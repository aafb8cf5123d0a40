"""Thin views of follow-ups: 我的回访 (a side's questions and answering one), and the bureau's
回访统计 (the follow-up rate by month, what the answers found, the overdue list, each number with
its records)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.core import clock
from matchmaker.core.exceptions import FieldError, InvalidTransition
from matchmaker.core.extensions import db
from matchmaker.core.web import attach_field_error
from matchmaker.followups import operations as service
from matchmaker.followups import queries
from matchmaker.followups.forms import AnswerForm
from matchmaker.followups.models import FollowUp
from matchmaker.followups.values import FollowUpAnswer
from matchmaker.policy import requires

bp = Blueprint("followups", __name__, url_prefix="/followups")


def _followup_or_404(followup_id: int) -> FollowUp:
    followup = queries.followup(followup_id)
    if followup is None or not policy.may(current_user, "followup.view", followup):
        abort(404)
    return followup


@bp.route("/")
@requires("followups.own")
def mine() -> str:
    """贵单位收到的回访：待回答的在前。"""
    return render_template(
        "followups/mine.html",
        followups=queries.of_organization(current_user.organization_id),
        is_overdue=queries.is_overdue,
        answer_by=queries.answer_by,
    )


@bp.route("/<int:followup_id>", methods=["GET", "POST"])
@policy.enforces("followup.view", "followup.answer")
@login_required
def detail(followup_id: int) -> str | tuple[str, int] | Response:
    followup = _followup_or_404(followup_id)
    may_answer = policy.may(current_user, "followup.answer", followup)
    form = AnswerForm()
    if request.method == "POST":
        policy.require(current_user, "followup.answer", followup)
        if form.validate_on_submit():
            given = FollowUpAnswer(form.answer.data)
            try:
                service.answer(followup, given, form.reason.data, actor=current_user)
            except FieldError as error:
                db.session.rollback()
                attach_field_error(form, error)
            except InvalidTransition as error:
                db.session.rollback()
                flash(error.message, "error")
                return redirect(url_for("followups.detail", followup_id=followup_id))
            else:
                db.session.commit()
                if given is FollowUpAnswer.SIGNED:
                    flash(
                        "感谢回答。请登记签订的协议：双方和协议名称已按对接填好，登记并经核验后才计入统计。",
                        "success",
                    )
                    return redirect(url_for("agreements.create", pairing=followup.pairing_id))
                flash("感谢回答，主管部门会据此跟进。", "success")
                return redirect(url_for("followups.mine"))
        return (
            render_template(
                "followups/detail.html",
                followup=followup,
                form=form,
                may_answer=may_answer,
                **_extra(followup),
            ),
            422,
        )
    return render_template(
        "followups/detail.html", followup=followup, form=form, may_answer=may_answer, **_extra(followup)
    )


def _extra(followup: FollowUp) -> dict[str, object]:
    return {"answer_by": queries.answer_by(followup), "overdue": queries.is_overdue(followup)}


def _span() -> queries.Span:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    if "since" not in request.args and "until" not in request.args:
        return queries.default_span()
    return queries.Span(day("since"), day("until"))


@bp.route("/staff")
@requires("followups.staff")
def staff() -> str:
    """回访统计: the rate by month asked, the answers, the overdue list."""
    span = _span()
    return render_template(
        "followups/staff.html",
        figures=queries.figures(span),
        overdue=queries.listing(span, state="overdue"),
        span=span,
        today=clock.today(),
        FollowUpAnswer=FollowUpAnswer,
    )


@bp.route("/staff/list")
@requires("followups.staff")
def staff_list() -> str:
    """The records behind one number of the staff page."""
    span = _span()
    given = FollowUpAnswer.from_label(request.args.get("answer", ""))
    state = request.args.get("state") if request.args.get("state") in queries.STATES else None
    title = given.label if given else queries.STATES.get(state or "asked", "已发出")
    return render_template(
        "followups/list.html",
        followups=queries.listing(span, answer=given, state=state),
        title=title,
        span=span,
        is_overdue=queries.is_overdue,
    )
