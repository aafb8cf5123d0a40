"""Every HTTP and domain error mapped once: an error page (or JSON under /api/), flash + redirect
for domain rules broken on a web page."""

from __future__ import annotations

from flask import Flask, current_app, flash, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from matchmaker.api.errors import ApiError, is_api_request, json_error
from matchmaker.core.deadline import RequestTimedOut
from matchmaker.core.exceptions import DomainError, PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.core.web import redirect_back
from matchmaker.search import SearchUnavailable

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请检查后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您没有权限访问此页面或执行此操作。"),
    404: ("页面不存在", "您要找的页面或信息不存在，可能已被删除或您没有查看权限。"),
    405: ("请求方式不允许", "该操作不能以这种方式执行。"),
    413: ("内容过大", "上传的内容超过了允许的大小。"),
    414: ("地址过长", "网址过长，无法处理。请缩短搜索条件后重试。"),
    429: ("请求过于频繁", "请稍后再试。"),
    500: ("服务器内部错误", "服务器出现问题，已记录。请稍后重试，或联系主管部门。"),
    503: ("暂时不可用", "服务暂时不可用，请稍后再试。"),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(code, ("出错了", "请求无法完成。"))
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        code = error.code or 500
        if is_api_request():  # keep Allow, Retry-After, WWW-Authenticate…; the body is ours
            return json_error(code, headers=error.get_headers())
        return render_error(code)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        db.session.rollback()
        return json_error(error.status, error.message, errors=error.errors, headers=error.headers.items())

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, "页面已过期或表单校验失败，请刷新页面后重新提交。")

    @app.errorhandler(SearchUnavailable)
    def search_unavailable(error: SearchUnavailable) -> tuple[str, int] | Response:
        db.session.rollback()
        if is_api_request():
            return json_error(503, error.message)
        return render_error(503, error.message)

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied) -> tuple[str, int] | Response:
        db.session.rollback()
        if is_api_request():
            return json_error(403, error.message)
        return render_error(403, error.message)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        db.session.rollback()
        if is_api_request():
            return json_error(409, error.message)
        flash(error.message, "error")
        return redirect_back()

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error: StaleDataError) -> Response:
        """Someone else changed the same record (e.g. answered the same interest) a moment
        earlier: nothing of this request was saved, and the page now shows their change."""
        db.session.rollback()
        message = (
            "这条记录刚刚被其他人修改（例如对方或同事已经答复），您的操作没有保存。请刷新页面查看最新状态。"
        )
        if is_api_request():
            return json_error(409, message)
        flash(message, "error")
        return redirect_back()

    @app.errorhandler(RequestTimedOut)
    def timed_out(error: RequestTimedOut) -> tuple[str, int, dict[str, str]] | Response:
        db.session.rollback()
        message = "请求处理超时，已停止并记录；未完成的修改没有保存。请稍后重试，或缩小查询范围。"
        current_app.logger.error("request stopped after REQUEST_TIMEOUT: %s", request.path)
        if is_api_request():
            return json_error(503, message, headers=[("Retry-After", "10")])
        page, code = render_error(503, message)
        return page, code, {"Retry-After": "10"}

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> tuple[str, int, dict[str, str]] | Response:
        """The database is locked by a long write (SQLite) or unreachable: nothing of this request
        was saved; say so, and when to try again, instead of a 500."""
        db.session.rollback()
        current_app.logger.warning("database unavailable for %s: %s", request.path, error.orig)
        message = "系统正忙（数据库被占用），您这次提交的内容没有保存，请稍等几秒后重新提交。"
        if is_api_request():
            return json_error(503, message, headers=[("Retry-After", "5")])
        page, code = render_error(503, message)
        return page, code, {"Retry-After": "5"}

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> tuple[str, int] | Response:
        db.session.rollback()
        if is_api_request():
            return json_error(500)
        return render_error(500)
