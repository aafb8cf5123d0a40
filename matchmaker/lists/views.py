"""Publish a list, show it as a printable page, download it as .xlsx — again at any later date."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from matchmaker.extensions import db
from matchmaker.forms import BaseForm, MultiCheckboxField, get_term, optional_int, options, term_choices
from matchmaker.models import PostingKind, PublishedList, TechField, Town
from matchmaker.services import lists as service
from matchmaker.web import bureau_required, send_xlsx

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
    kinds = MultiCheckboxField("信息类型", choices=options(PostingKind.choices()), validate_choice=False)
    tech_field = SelectField("技术领域", coerce=optional_int, validate_choice=False)
    town = SelectField("镇区", coerce=optional_int, validate_choice=False)
    published_from = DateField("发布日期自", validators=[Optional()])
    published_to = DateField("至", validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.tech_field.choices = term_choices(TechField, "全部技术领域")
        self.town.choices = term_choices(Town, "全部镇区")

    def validate_kinds(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError("请至少选择一种信息类型。")
        if any(PostingKind.from_label(v) is None for v in field.data):
            raise ValidationError("信息类型选项无效。")

    def validate_published_to(self, field: DateField) -> None:
        if field.data and self.published_from.data and field.data < self.published_from.data:
            raise ValidationError("结束日期不能早于开始日期。")


@bp.get("/")
def index() -> str:
    published = db.session.scalars(select(PublishedList).order_by(PublishedList.id.desc())).all()
    return render_template("lists/index.html", lists=published)


@bp.route("/new", methods=["GET", "POST"])
@bureau_required
def create() -> str | tuple[str, int] | Response:
    form = ListForm()
    if not form.is_submitted():
        form.kinds.data = [PostingKind.RD_NEED.value]
    if form.validate_on_submit():
        kinds = [k for k in PostingKind if k.value in form.kinds.data]
        plist = service.publish_list(
            kinds,
            actor=current_user,
            tech_field=get_term(TechField, form.tech_field.data),
            town=get_term(Town, form.town.data),
            published_from=form.published_from.data,
            published_to=form.published_to.data,
        )
        db.session.commit()
        flash(f"已发布{plist.title}（{plist.number}，共 {len(plist.rows)} 条）。", "success")
        return redirect(url_for("lists.detail", list_id=plist.id))
    status = 422 if form.is_submitted() else 200
    return render_template("lists/new.html", form=form), status


@bp.get("/<int:list_id>")
def detail(list_id: int) -> str:
    plist = db.get_or_404(PublishedList, list_id)
    return render_template("lists/detail.html", plist=plist, columns=SHOWN_COLUMNS)


@bp.get("/<int:list_id>.xlsx")
def download(list_id: int) -> Response:
    plist = db.get_or_404(PublishedList, list_id)
    return send_xlsx(service.list_xlsx(plist), f"{plist.title}-{plist.year}-{plist.serial}.xlsx")
