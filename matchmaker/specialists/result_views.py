"""Pages of results per person (人员业绩: bureau staff see everyone's, a specialist their own), the
records behind each figure, the .xlsx of the tables, and bureau staff setting who found or
brokered a pairing or an agreement (the form is on those two pages:
templates/specialists/results/_attribution.html)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import policy
from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db
from matchmaker.core.spreadsheets import Sheet, workbook_of
from matchmaker.core.web import paginate, send_xlsx
from matchmaker.pairings import queries as pairing_queries
from matchmaker.specialists import attribution
from matchmaker.specialists import results as service
from matchmaker.specialists.result_forms import AttributionForm

bp = Blueprint("specialist_results", __name__)


@bp.app_template_global("attribution_people")
def attribution_people(subject: Any) -> list[tuple[int, str]]:
    """(user id, label) of every serving specialist, plus whoever ``subject`` names already (so
    that a person whose appointment ended stays selected until someone changes it)."""
    people = [
        (
            s.user_id,
            f"{s.user.name}（{'，'.join(filter(None, [s.kind.label, s.team, s.user.organization.name]))}）",
        )
        for s in attribution.serving()
    ]
    ids = {uid for uid, _ in people}
    for user in (subject.found_by, subject.brokered_by):
        if user is not None and user.id not in ids:
            people.append((user.id, f"{user.name}（已离任）"))
            ids.add(user.id)
    return people


def _period() -> tuple[service.Period, dict[str, str]]:
    period, problems = service.parse_period(request.args.get("from"), request.args.get("to"))
    return (period or service.default_period()), problems


def _viewer_results(period: service.Period) -> service.Results:
    """Everyone's for bureau staff; the viewer's own row for a specialist; 403 for anyone else."""
    if policy.may(current_user, "results.all"):
        return service.results(period)
    own = service.specialist_of(current_user)
    policy.require(current_user, "results.view", own)
    assert own is not None  # the rule allows nobody else
    return service.results(period, only=own)


@bp.get("/specialists/results")
@policy.enforces("results.all", "results.view")
@login_required
def index() -> tuple[str, int]:
    """人员业绩: per specialist, per 科技镇长团 and per 技术转移服务机构 over a period."""
    period, problems = _period()
    found = _viewer_results(period)
    return render_template(
        "specialists/results/index.html",
        results=found,
        problems=problems,
        groupings=service.GROUPINGS,
        default=service.default_period(),
        asked={"from": request.args.get("from", ""), "to": request.args.get("to", "")},
    ), (400 if problems else 200)


def _sheet(title: str, rows: list[service.Row], figures: list[service.Figure]) -> Sheet:
    headers = ["名称", "说明", *(f.label for f in figures)]
    return (
        title,
        headers,
        [
            [
                row.name,
                row.detail + ("" if row.active else "（已离任）"),
                *(_cell(row.values[f.code], f) for f in figures),
            ]
            for row in rows
        ],
    )


def _cell(value: Any, figure: service.Figure) -> Any:
    return float(value) if figure.money else value


@bp.get("/specialists/results.xlsx")
@policy.enforces("results.all", "results.view")
@login_required
def export() -> Response:
    """The page's tables as a workbook: one sheet per table, the same rows and numbers."""
    period, problems = _period()
    if problems:
        flash("；".join(problems.values()), "error")
        return redirect(url_for("specialist_results.index"))
    found = _viewer_results(period)
    sheets = [
        _sheet(f"{label}业绩", found.tables[by], found.figures)
        for by, label in service.GROUPINGS.items()
        if by == "specialist" or found.tables[by]
    ]
    name = f"人员业绩-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    return send_xlsx(workbook_of(sheets, widths={"名称": 24, "说明": 40}), name)


def _row_key(by: str) -> Any:
    """The row asked for (404 when there is none): a specialist's or an organisation's id, a team's name."""
    text = request.args.get("key", "")
    if by == "team":
        if not text.strip():
            abort(404)
        return text
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        abort(404)
    return int(text)


@bp.get("/specialists/results/list")
@policy.enforces("results.all", "results.view")
@login_required
def records() -> tuple[str, int]:
    """The records behind one figure of one row of the table, a page at a time."""
    code, by = request.args.get("figure", ""), request.args.get("by", "")
    figure = service.BY_FIGURE.get(code)
    if (
        figure is None
        or by not in service.GROUPINGS
        or (code == "reward" and service.reward_percent() is None)
    ):
        abort(404)
    key = _row_key(by)
    period, problems = _period()
    title = key
    if by == "specialist":
        specialist = service.specialist(key)
        if specialist is None:
            abort(404)
        if not policy.may(current_user, "results.all"):
            policy.require(current_user, "results.view", specialist)
        title = specialist.user.name
    else:
        policy.require(current_user, "results.all")
        if by == "agency":
            org = service.agency(key)
            if org is None:
                abort(404)
            title = org.name
    page = paginate(service.records(code, by, key, period))
    return render_template(
        "specialists/results/list.html",
        figure=figure,
        by=by,
        key=key,
        title=title,
        grouping=service.GROUPINGS[by],
        period=period,
        problems=problems,
        page=page,
        reward=service.reward_percent(),
    ), (400 if problems else 200)


# --- attribution -----------------------------------------------------------------------------------


def _attribute(subject: Any, back: str) -> Response:
    form = AttributionForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请重新提交。", "error")
        return redirect(back, 303)
    try:
        attribution.set_attribution(
            subject,
            found_by_id=form.found_by_id.data,
            brokered_by_id=form.brokered_by_id.data,
            note=form.note.data,
            actor=current_user,
        )
    except FieldError as error:
        db.session.rollback()
        flash(f"{attribution.FIELDS.get(error.field, '依据')}：{error.message}", "error")
        return redirect(back, 303)
    db.session.commit()
    flash("已记录发现人和居间人。", "success")
    return redirect(back)


@bp.post("/pairings/<int:pairing_id>/attribution")
@policy.enforces("pairing.view", "attribution.set")
@login_required
def pairing_attribution(pairing_id: int) -> Response:
    pairing = pairing_queries.pairing_or_404(pairing_id)
    if not policy.may(current_user, "pairing.view", pairing):
        abort(404)
    policy.require(current_user, "attribution.set", pairing)
    return _attribute(pairing, url_for("pairings.detail", pairing_id=pairing.id))


@bp.post("/agreements/<int:agreement_id>/attribution")
@policy.enforces("agreement.view", "attribution.set")
@login_required
def agreement_attribution(agreement_id: int) -> Response:
    agreement = service.agreement(agreement_id)
    if agreement is None or not policy.may(current_user, "agreement.view", agreement):
        abort(404)
    policy.require(current_user, "attribution.set", agreement)
    return _attribute(agreement, url_for("agreements.detail", agreement_id=agreement.id))
