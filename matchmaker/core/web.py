"""Small view helpers shared by the blueprints: access checks, safe redirects, loaders."""

from __future__ import annotations

import io
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from flask import current_app, has_request_context, redirect, request, send_file, url_for
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import lazyload
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from matchmaker.core.exceptions import FieldError
from matchmaker.core.extensions import db


def is_safe_path(target: str | None) -> TypeGuard[str]:
    """Only local absolute paths: no scheme, no host, no '//' or backslash tricks."""
    if not target:
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )


def redirect_next(default_endpoint: str) -> Response:
    """Follow ``next=`` when it is a local path, else go to ``default_endpoint``."""
    target = request.args.get("next") or request.form.get("next")
    return redirect(target if is_safe_path(target) else url_for(default_endpoint))


def redirect_back() -> Response:
    """Back to the page the user came from (same site only), else home."""
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if is_safe_path(path):
                return redirect(path, code=303)
    return redirect(url_for("main.index"), code=303)


MAX_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL's range (SQLite's is wider); larger ids cannot exist
MAX_PAGE = 100_000


def int_arg(name: str, *, maximum: int = MAX_ID) -> int | None:
    """A positive integer query argument; anything else (text, negative, huge) counts as absent."""
    value = request.args.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


class ListPage(Pagination):
    """Flask-SQLAlchemy's pagination over a list already in hand (e.g. ranked search results),
    so such lists page exactly like database lists."""

    def _query_items(self) -> list[Any]:
        items: list[Any] = self._query_args["items"]
        start = (self.page - 1) * self.per_page
        return items[start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])

    @property
    def total_text(self) -> str:
        return str(self.total)


def page_of(items: list[Any], *, page: int | None = None, per_page: int | None = None) -> ListPage:
    """One page of ``items`` by ``?page=`` (or ``page``); past the end is simply empty."""
    return ListPage(
        page=page or int_arg("page", maximum=MAX_PAGE) or 1,
        per_page=per_page or current_app.config["POSTINGS_PER_PAGE"],
        max_per_page=None,
        error_out=False,
        items=items,
    )


class BoundedPagination(SelectPagination):
    """A database list's page whose count stops a little past what is shown (LIST_COUNT_LIMIT,
    or two pages past this one): counting every matching row would make each page's cost grow
    with the whole list. ``more`` says there are more rows than ``total``; the next page is then
    always offered."""

    more = False

    def _query_count(self) -> int:
        stmt: Select[Any] = self._query_args["select"]
        bound = max(self._query_args["count_limit"], self._query_offset + 2 * self.per_page)
        rows = (
            stmt.options(lazyload("*"))
            .with_only_columns(literal(1), maintain_column_froms=True)
            .order_by(None)
            .limit(bound + 1)
            .subquery()
        )
        counted = int(db.session.execute(select(func.count()).select_from(rows)).scalar() or 0)
        self.more = counted > bound
        return min(counted, bound)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.more and len(self.items) == self.per_page)

    @property
    def total_text(self) -> str:
        """The count as pages show it: "1000+" when counting stopped."""
        return f"{self.total}+" if self.more else str(self.total)


def paginate(stmt: Select[Any]) -> Pagination:
    """One page of ``stmt`` by ``?page=``; a page past the end is simply empty, never an error."""
    return BoundedPagination(
        select=stmt,
        session=db.session(),
        page=int_arg("page", maximum=MAX_PAGE) or 1,
        per_page=current_app.config["POSTINGS_PER_PAGE"],
        max_per_page=None,
        error_out=False,
        count=True,
        count_limit=current_app.config["LIST_COUNT_LIMIT"],
    )


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` for ids: one larger than the database can hold becomes 0, which no row has, so
    it is a 404 like any other missing id (not a 500, and not werkzeug's refusal to match, which
    answers 405 for a POST to a path that also takes GET)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def site_path(endpoint: str, **values: Any) -> str:
    """The site-relative path of a page, with or without a request (the notifications consumer
    also runs from commands and after commits outside requests)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"]).build(
        endpoint, values
    )


def absolute(path: str) -> str:
    """A site path as a full address from BASE_URL, for e-mail (the path itself without one)."""
    base = current_app.config.get("BASE_URL")
    return base.rstrip("/") + path if base and path.startswith("/") else path


def public_url(endpoint: str, **values: Any) -> str:
    """A link to hand to others (API responses, e-mails): absolute from the configured BASE_URL
    (or SERVER_NAME), never from the request's Host header, which the client chooses; without
    either, a site-relative path."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    if current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return url_for(endpoint, **values)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_xlsx(data: bytes, name: str) -> Response:
    """An Excel workbook as a download with a (Chinese) file name."""
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX)


def attach_field_error(form: Any, error: FieldError) -> None:
    """Show a service's field error next to the field it concerns (or at the form top)."""
    field = getattr(form, error.field, None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
