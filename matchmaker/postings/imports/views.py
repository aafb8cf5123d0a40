"""Bureau staff upload a list, see every row checked, then confirm: valid rows land in one go."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField

from matchmaker.core.exceptions import DomainError
from matchmaker.core.extensions import db
from matchmaker.core.forms import BaseForm
from matchmaker.core.web import send_xlsx
from matchmaker.policy import requires
from matchmaker.postings.imports import jobs, reader, rows, staging
from matchmaker.postings.imports.template import template_xlsx
from matchmaker.postings.models import ImportBatch
from matchmaker.taxonomy.models import TAXONOMIES

# Its own blueprint under the admin pages' prefix: the URLs are the admin section's, the routes this
# capability's (the factory registers it; the admin web layer is not imported).
bp = Blueprint("imports", __name__, url_prefix="/admin")

PREVIEW_ROWS = 200  # rows with problems are listed first; passing rows only up to this many


class UploadForm(BaseForm):
    file = FileField(
        "导入文件",
        validators=[
            FileRequired("请选择要导入的文件。"),
            FileAllowed(["xlsx", "csv"], "仅支持 .xlsx（Excel）或 .csv 文件。"),
        ],
        description="第一行为表头；必填列：类型、标题、详细描述、单位名称。",
    )


class ConfirmForm(BaseForm):
    token = HiddenField()


def _folder() -> Path:
    return jobs.folder()


def _render_upload(form: UploadForm, status: int = 200) -> tuple[str, int]:
    jobs.resume_stale()
    batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)).all()
    return render_template("admin/imports.html", form=form, batches=batches, vocabularies=TAXONOMIES), status


@bp.get("/imports")
@requires("import.run")
def imports() -> tuple[str, int]:
    return _render_upload(UploadForm())


@bp.get("/imports/template.xlsx")
@requires("import.run")
def import_template() -> Response:
    return send_xlsx(template_xlsx(), "信息导入模板.xlsx")


@bp.post("/imports")
@requires("import.run")
def preview_import() -> tuple[str, int]:
    """Check every row and show the result; nothing is saved yet."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_upload(form, 422)
    upload = form.file.data
    data, name = upload.read(), upload.filename or "upload"
    try:
        report = rows.check(reader.read_table(data, name))
    except DomainError as error:
        form.file.errors = [error.message]
        return _render_upload(form, 422)
    token = staging.stage(_folder(), data, name) if report.valid else ""
    shown = report.invalid[:PREVIEW_ROWS] + report.valid[:PREVIEW_ROWS]
    shown.sort(key=lambda row: row.number)
    return render_template(
        "admin/import_preview.html",
        report=report,
        filename=name,
        confirm=ConfirmForm(token=token),
        shown=shown,
        hidden=len(report.rows) - len(shown),
        inline_rows=current_app.config["IMPORT_INLINE_ROWS"],
    ), 200


@bp.post("/imports/confirm")
@requires("import.run")
def confirm_import() -> Response:
    """Re-check the staged file (the database may have changed) and import its valid rows."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("页面已过期，请重新上传。", "error")
        return redirect(url_for("imports.imports"))
    token = form.token.data or request.form.get("token", "")
    data, name = staging.load(_folder(), token)
    report = rows.check(reader.read_table(data, name))
    if not report.valid:
        flash("没有可导入的行。", "warning")
        return redirect(url_for("imports.imports"))
    if len(report.valid) > current_app.config["IMPORT_INLINE_ROWS"]:
        batch = jobs.queue(report, token=token, filename=name, actor=current_user)
        db.session.commit()
        jobs.start(batch.id)
        flash(f"已开始导入 {batch.rows_valid} 行，可在本页查看进度；期间可以离开本页。", "success")
        return redirect(url_for("imports.import_batch", batch_id=batch.id))
    batch = rows.import_rows(report, actor=current_user, filename=name)
    db.session.commit()
    staging.discard(_folder(), token)
    skipped = len(report.invalid)
    flash(
        f"已导入 {batch.rows_imported} 条信息并发布"
        + (f"，跳过 {skipped} 行有问题的行。" if skipped else "。"),
        "success",
    )
    return redirect(url_for("imports.imports"))


@bp.get("/imports/<int:batch_id>")
@requires("import.run")
def import_batch(batch_id: int) -> str:
    """Progress of one import (refreshes itself while a background job runs)."""
    jobs.resume_stale()
    batch = db.get_or_404(ImportBatch, batch_id)
    return render_template("admin/import_batch.html", batch=batch, vocabularies=TAXONOMIES)
