"""Choose a list, preview it, publish it; show it as a printable page, download it as .xlsx —
again at any later date — and withdraw one published by mistake."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from matchmaker import policy
from matchmaker.core.extensions import db
from matchmaker.core.forms import BaseForm, optional_int, options
from matchmaker.core.web import send_xlsx
from matchmaker.policy import requires
from matchmaker.postings import lists as service
from matchmaker.postings.models import PublishedList
from matchmaker.postings.values import ListKind
from matchmaker.taxonomy.forms import get_term, term_choices
from matchmaker.taxonomy.models import TechField, Town

bp = Blueprint("lists", __name__, url_prefix="/lists")

SHOWN_COLUMNS = [
    "类型",
    "标题",
    "单位名称",
    "技术领域",
    "所属镇区",
    "详细描述",
    "合作方式",
    "联系人",
    "联系电话",
]


class ListForm(BaseForm):
    list_kind = RadioField(
        "清单",
        choices=options(ListKind.choices()),
        default=ListKind.RD_NEEDS.value,
        validators=[DataRequired("请选择要发布的清单。")],
    )
    tech_field = SelectField("技术领域", coerce=optional_int, validate_choice=False)
    town = SelectField("镇区", coerce=optional_int, validate_choice=False)
    published_from = DateField("发布日期自", validators=[Optional()])
    published_to = DateField("至", validators=[Optional()])
    confirmed = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.tech_field.choices = term_choices(TechField, "全部技术领域")
        self.town.choices = term_choices(Town, "全部镇区")

    def validate_list_kind(self, field: RadioField) -> None:
        if ListKind.from_label(field.data or "") is None:
            raise ValidationError("请选择要发布的清单。")

    def validate_published_to(self, field: DateField) -> None:
        if field.data and self.published_from.data and field.data < self.published_from.data:
            raise ValidationError("结束日期不能早于开始日期。")

    def selection(self) -> service.Selection:
        kind = ListKind.from_label(self.list_kind.data or "")
        assert kind is not None  # validated
        return service.Selection(
            list_kind=kind,
            tech_field=get_term(TechField, self.tech_field.data),
            town=get_term(Town, self.town.data),
            published_from=self.published_from.data,
            published_to=self.published_to.data,
        )


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        "撤回理由",
        validators=[DataRequired("请写明撤回理由。"), Length(max=500, message="理由最多500个字。")],
        description="如“日期范围选错，收录了不应公布的信息”。撤回后清单仍保留并标明已撤回，期号不再使用。",
    )


@bp.get("/")
@policy.enforces(policy.PUBLIC)
def index() -> str:
    published = db.session.scalars(select(PublishedList).order_by(PublishedList.id.desc())).all()
    return render_template("lists/index.html", lists=published)


@bp.route("/new", methods=["GET", "POST"])
@requires("list.publish")
def create() -> str | tuple[str, int] | Response:
    """Step 1 chooses, step 2 shows the count and the title it will get, step 3 publishes."""
    form = ListForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("lists/new.html", form=form), status
    selection = form.selection()
    if form.confirmed.data != "yes":
        result = service.preview(selection, actor=current_user)
        form.confirmed.data = "yes"
        return render_template("lists/preview.html", form=form, preview=result, columns=SHOWN_COLUMNS)
    plist = service.publish_list(selection, actor=current_user)
    db.session.commit()
    flash(f"已发布{plist.title}（{plist.number}，共 {len(plist.rows)} 条）。", "success")
    return redirect(url_for("lists.detail", list_id=plist.id))


@bp.get("/<int:list_id>")
@policy.enforces("list.see_contacts")
def detail(list_id: int) -> str:
    plist = db.get_or_404(PublishedList, list_id)
    contacts = policy.may(current_user, "list.see_contacts")
    columns = [c for c in SHOWN_COLUMNS if contacts or c not in service.CONTACT_COLUMNS]
    return render_template(
        "lists/detail.html", plist=plist, columns=columns, contacts=contacts, withdraw_form=WithdrawForm()
    )


@bp.get("/<int:list_id>.xlsx")
@policy.enforces("list.see_contacts")
def download(list_id: int) -> Response:
    plist = db.get_or_404(PublishedList, list_id)
    data = service.list_xlsx(plist, with_contacts=policy.may(current_user, "list.see_contacts"))
    mark = "（已撤回）" if plist.is_withdrawn else ""
    return send_xlsx(data, f"{plist.title}-{plist.year}-{plist.serial}{mark}.xlsx")


@bp.post("/<int:list_id>/withdraw")
@requires("list.withdraw")
def withdraw(list_id: int) -> str | tuple[str, int] | Response:
    plist = db.get_or_404(PublishedList, list_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return render_template(
            "lists/detail.html", plist=plist, columns=SHOWN_COLUMNS, contacts=True, withdraw_form=form
        ), 422
    service.withdraw_list(plist, form.reason.data, actor=current_user)
    db.session.commit()
    flash(f"已撤回{plist.title}（{plist.number}）。", "success")
    return redirect(url_for("lists.detail", list_id=plist.id))
