"""matchmaker: supply-demand matchmaking for Baoying County's 专精特新 SME programme."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, Response
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

import matchmaker.registry  # noqa: F401 - every model's table and mapper, before the first query
from matchmaker import search
from matchmaker.core import clock, jobs
from matchmaker.core.aggregates import register_sqlite_functions
from matchmaker.core.backup import hold_instance
from matchmaker.core.database import MIGRATIONS_DIR
from matchmaker.core.extensions import csrf, db, limiter, login_manager, migrate


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_path=_instance_path(test_config),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    configure(app, test_config)
    trust_proxies(app)
    if app.config["HOLD_INSTANCE_LOCK"]:
        hold_instance(app)  # so `flask restore` can tell the installation is in use
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_commands(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_request_deadline(app)
    register_journal_origin(app)
    register_input_checks(app)
    return app


def _instance_path(test_config: Mapping[str, Any] | None) -> str | None:
    """Runtime data lives in ./instance unless INSTANCE_PATH (tests) or MATCHMAKER_INSTANCE_PATH says otherwise."""
    path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("MATCHMAKER_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """defaults → instance/config.py → MATCHMAKER_* env → test_config."""
    app.config.from_object("matchmaker.core.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MATCHMAKER")
    if test_config is not None:
        app.config.from_mapping(test_config)
    # What the configuration says about debugging, before `flask` commands set app.debug from
    # FLASK_DEBUG: `flask doctor` reports on the server's setting, not on the command's.
    app.config["CONFIGURED_DEBUG"] = bool(app.config.get("DEBUG"))
    if not clock.known_zone(app.config.get("TIMEZONE")):  # at start, not as a 500 on every page
        raise RuntimeError(
            f"TIMEZONE 配置无效（{app.config.get('TIMEZONE')!r}）：请设置为时区名称，例如 Asia/Shanghai。"
        )

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        db_path = Path(app.instance_path) / "matchmaker.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path) / "secret_key")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # JSON carries Chinese as UTF-8, not \u escapes


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from PROXY_COUNT reverse proxies' headers."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)  # type: ignore[method-assign]


def instance_secret(path: Path) -> str:
    """This installation's own random key, created once (0600) and shared by every worker.

    There is deliberately no built-in default: a key that ships with the code is public.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    key = path.read_text().strip()
    if len(key) < 32:  # a worker raced us between create and write, or the file was emptied
        raise RuntimeError(f"密钥文件 {path} 无效：请删除后重启，或在 instance/config.py 中设置 SECRET_KEY。")
    return key


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    from matchmaker.api.auth import rate_limit_identity

    app.extensions["rate_limit_identity"] = rate_limit_identity
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    from matchmaker.accounts.login import load_user

    login_manager.user_loader(load_user)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", sqlite_pragmas(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
    jobs.init_app(app)  # the job queue (core/jobs.py): imports, reindex, mail, digests
    search.init_app(app)  # this machine's index, fed from the journal (builds nothing here)
    from matchmaker.notifications import operations as notifications

    register_notices()
    notifications.init_app(app)  # notifications, the journal's other consumer


def register_notices() -> tuple[ModuleType, ...]:
    """Each capability's notification rules: importing its notices.py registers them with
    notifications.rules, so the consumer knows all of them before the first commit. Every notices
    module is listed here (tests/test_notifications.py fails when one is missing)."""
    from matchmaker.accounts import notices as accounts
    from matchmaker.agreements import notices as agreements
    from matchmaker.calls import notices as calls
    from matchmaker.events import notices as events
    from matchmaker.followups import notices as followups
    from matchmaker.pairings import notices as pairings
    from matchmaker.postings import notices as postings
    from matchmaker.specialists import notices as specialists
    from matchmaker.subscriptions import notices as subscriptions

    return (accounts, agreements, calls, events, followups, pairings, postings, specialists, subscriptions)


def sqlite_pragmas(busy_timeout_ms: int) -> Callable[[sqlite3.Connection, object], None]:
    """Foreign keys on, WAL so readers don't block the writer, and wait for locks instead of failing."""

    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        register_sqlite_functions(dbapi_connection)  # what core/aggregates.py's expressions call

    return on_connect


def register_blueprints(app: Flask) -> None:
    from matchmaker.accounts.views import bp as auth_bp
    from matchmaker.admin.views import bp as admin_bp
    from matchmaker.agreements import api as _api_agreements  # noqa: F401 - adds its routes to the API
    from matchmaker.agreements import plan_views as _plan_views  # noqa: F401 - adds its routes to agreements
    from matchmaker.agreements import plans_api as _api_plans  # noqa: F401 - adds its routes to the API
    from matchmaker.agreements.views import bp as agreements_bp
    from matchmaker.api import views as _api_views  # noqa: F401 - adds its routes to the API
    from matchmaker.api.blueprint import bp as api_bp
    from matchmaker.calls import api as _api_calls  # noqa: F401 - adds its routes to the API
    from matchmaker.calls.views import bp as calls_bp
    from matchmaker.core import apidoc
    from matchmaker.core.web import MAX_ID, BoundedIntConverter
    from matchmaker.events import api as _api_events  # noqa: F401 - adds its routes to the API
    from matchmaker.events.views import bp as events_bp
    from matchmaker.followups import api as _api_followups  # noqa: F401 - adds its routes to the API
    from matchmaker.followups.views import bp as followups_bp
    from matchmaker.main.views import bp as main_bp
    from matchmaker.notifications import api as _api_notifications  # noqa: F401 - adds its routes to the API
    from matchmaker.notifications.views import bp as notifications_bp
    from matchmaker.pairings import api as _api_pairings  # noqa: F401 - adds its routes to the API
    from matchmaker.pairings.views import bp as pairings_bp
    from matchmaker.postings import api as _api_postings  # noqa: F401 - adds its routes to the API
    from matchmaker.postings.imports import views as _admin_imports  # noqa: F401 - adds its routes to admin
    from matchmaker.postings.imports.views import bp as imports_bp
    from matchmaker.postings.list_views import bp as lists_bp
    from matchmaker.postings.match_views import bp as matches_bp
    from matchmaker.postings.review_views import bp as review_bp
    from matchmaker.postings.urls import PostingKindConverter
    from matchmaker.postings.views import bp as postings_bp
    from matchmaker.profiles import api as _api_profiles  # noqa: F401 - adds its routes to the API
    from matchmaker.profiles.views import bp as profiles_bp
    from matchmaker.specialists import api as _api_specialists  # noqa: F401 - adds its routes to the API
    from matchmaker.specialists import result_api as _api_specialist_results  # noqa: F401 - adds its routes to the API
    from matchmaker.specialists.result_views import bp as specialist_results_bp
    from matchmaker.specialists.views import bp as specialists_bp
    from matchmaker.subscriptions import api as _api_subscriptions  # noqa: F401 - adds its routes to the API
    from matchmaker.subscriptions.views import bp as subscriptions_bp
    from matchmaker.taxonomy import api as _api_taxonomy  # noqa: F401 - adds its routes to the API

    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["kind"] = PostingKindConverter
    for blueprint in (
        main_bp,
        auth_bp,
        postings_bp,
        matches_bp,
        pairings_bp,
        agreements_bp,
        calls_bp,
        events_bp,
        profiles_bp,
        specialists_bp,
        followups_bp,
        notifications_bp,
        subscriptions_bp,
        lists_bp,
        review_bp,
        admin_bp,
        imports_bp,
        specialist_results_bp,
    ):
        app.register_blueprint(blueprint)
    # The API through flask-smorest, which also writes its routes into the generated document.
    apidoc.init_app(app)
    apidoc.register(
        app, api_bp, [(BoundedIntConverter, {"type": "integer", "minimum": 1, "maximum": MAX_ID})]
    )
    csrf.exempt(api_bp)  # token-authenticated only: see matchmaker/api/auth.py


def register_errors(app: Flask) -> None:
    from matchmaker.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from matchmaker.cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from matchmaker.templating import register

    register(app)


def register_journal_origin(app: Flask) -> None:
    """Journal entries of a web request name the client's address (core/journal.py)."""
    from flask import g, request

    from matchmaker.core.journal import origin

    @app.before_request
    def note_origin() -> None:
        g.journal_origin = origin.set(request.remote_addr)

    @app.teardown_request
    def forget_origin(_error: BaseException | None) -> None:
        token = g.pop("journal_origin", None)
        if token is not None:
            origin.reset(token)


def register_input_checks(app: Flask) -> None:
    """A URL longer than MAX_URL_LENGTH is a 414 in the app's error shape (JSON under /api/), well
    below gunicorn's request-line limit. A NUL character in a query string or form is no text
    anyone typed, and no database stores it (PostgreSQL refuses it): such a request is a 400,
    before any view sees it."""
    from urllib.parse import quote

    from flask import abort, request

    @app.before_request
    def refuse_long_url() -> None:
        environ = request.environ
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw is None:  # a server that keeps no raw URI: the path as sent, re-quoted
            query = environ.get("QUERY_STRING", "")
            raw = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) + (
                f"?{query}" if query else ""
            )
        if len(raw) > int(app.config["MAX_URL_LENGTH"]):
            abort(414)

    @app.before_request
    def refuse_nul() -> None:
        for source in (request.args, request.form):
            for key, values in source.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    abort(400)


def register_request_deadline(app: Flask) -> None:
    from matchmaker.core.deadline import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """A strict CSP works because templates carry no inline script or style. Nothing shown to a
    logged-in user or an API token is stored by browsers or proxies (confidential details,
    contacts, token secrets); HSTS once the site is served over HTTPS (HSTS_SECONDS)."""
    from flask import request
    from flask_login import current_user

    @app.after_request
    def set_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static" and (
            "Authorization" in request.headers or current_user.is_authenticated
        ):
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains"
            )
        return response
