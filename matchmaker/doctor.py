"""`flask --app matchmaker doctor`: is this installation fit to serve? Each check says what it found
and, when something is wrong, what to do — in Chinese, for the administrator at the console."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import Migrate

from matchmaker import search
from matchmaker.core.database import MIGRATIONS_DIR
from matchmaker.core.extensions import db


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    todo: str = ""
    warning: bool = False  # worth knowing, not wrong


def _secret(app: Flask) -> Finding:
    key = str(app.config.get("SECRET_KEY") or "")
    generated = (Path(app.instance_path) / "secret_key").is_file() and (
        Path(app.instance_path) / "secret_key"
    ).read_text().strip() == key
    if len(key) < 32 or key in {"dev", "test", "secret", "changeme", "test-secret"}:
        return Finding(
            False,
            "SECRET_KEY 过短或是常见的默认值。",
            "在 instance/config.py 中设置 SECRET_KEY = \"…\"（python3 -c 'import secrets; print(secrets.token_urlsafe(48))' 生成），然后重启。",
        )
    if generated:
        return Finding(
            True,
            "SECRET_KEY 为本机自动生成的随机密钥（instance/secret_key）。",
            "多台 Web 服务器时，必须在每台的 instance/config.py 中设置同一个 SECRET_KEY。",
            warning=True,
        )
    return Finding(True, "SECRET_KEY 已在配置中设置。")


def _debug(app: Flask) -> Finding:
    if app.config.get("CONFIGURED_DEBUG") or os.environ.get("FLASK_DEBUG", "").lower() in (
        "1",
        "true",
        "yes",
    ):
        return Finding(
            False, "调试模式已开启：出错时会向访问者显示代码和变量。", "去掉 FLASK_DEBUG / DEBUG 设置后重启。"
        )
    return Finding(True, "调试模式已关闭。")


def _cookies(app: Flask) -> Finding:
    https = str(app.config.get("BASE_URL") or "").startswith("https://")
    insecure = [k for k in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE") if not app.config.get(k)]
    if https and insecure:
        return Finding(
            False,
            f"站点通过 HTTPS 提供（BASE_URL），但 {'、'.join(insecure)} 未开启：登录 Cookie 可能经明文 HTTP 发送。",
            "在 instance/config.py 中设置 SESSION_COOKIE_SECURE = True 和 REMEMBER_COOKIE_SECURE = True（并考虑 HSTS_SECONDS = 31536000）。",
        )
    if not https:
        return Finding(
            True,
            "未配置 HTTPS 的 BASE_URL：Cookie 未强制仅走 HTTPS。",
            '正式运行请通过 HTTPS 提供，设置 BASE_URL = "https://…" 和两个 *_COOKIE_SECURE = True。',
            warning=True,
        )
    return Finding(True, "登录 Cookie 只经 HTTPS 发送。")


def _instance(app: Flask) -> Finding:
    folder = Path(app.instance_path)
    probe = folder / ".doctor-probe"
    try:
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        return Finding(
            False,
            f"实例文件夹 {folder} 不可写：{error}。",
            f"让运行服务的用户拥有它：chown -R matchmaker {folder}",
        )
    uploads = folder / "uploads"
    if uploads.exists() and not os.access(uploads, os.W_OK):
        return Finding(False, f"{uploads} 不可写：附件无法保存。", f"chown -R matchmaker {uploads}")
    return Finding(True, f"实例文件夹 {folder} 可写。")


def _migrations(app: Flask) -> Finding:
    config = Migrate(app, db, directory=str(MIGRATIONS_DIR)).get_config()
    script = ScriptDirectory.from_config(config)  # type: ignore[arg-type]  # types-Flask-Migrate: alembic's Config at run time
    heads = set(script.get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        return Finding(
            False,
            f"数据库结构不是最新（当前 {', '.join(sorted(current)) or '空'}，最新 {', '.join(sorted(heads))}）。",
            "先备份，再运行 flask --app matchmaker init-db（执行待升级的迁移），然后重启。",
        )
    return Finding(True, f"数据库结构为最新版本（{db.engine.dialect.name}）。")


def _index(app: Flask) -> Finding:
    state = search.state()
    if state != "ok":
        return Finding(False, f"本机搜索索引状态：{state}。", "运行 flask --app matchmaker search reindex。")
    report = search.check()
    if report.pending:
        return Finding(
            False,
            f"本机搜索索引落后于操作记录：{report.pending} 条变更尚未写入索引。",
            "确认服务在运行（每次提交后会自动补上）；仍不减少时运行 flask --app matchmaker search reindex。",
        )
    if not report.ok:
        return Finding(
            False,
            "本机搜索索引与数据库不一致。",
            "运行 flask --app matchmaker search check 查看，search reindex 重建。",
        )
    return Finding(True, f"本机搜索索引与数据库一致（{report.indexed} 条）。")


def _database(app: Flask) -> Finding:
    if db.engine.dialect.name == "sqlite":
        return Finding(
            True,
            "数据库为内置的 SQLite（适合一个县、一台服务器）。",
            "多台 Web 服务器或更大规模时改用 PostgreSQL（docs/DEPLOYMENT.md）。",
            warning=True,
        )
    return Finding(True, f"数据库为 {db.engine.dialect.name}。")


def _mail(app: Flask) -> Finding:
    if app.config.get("MAIL_SERVER") and not app.config.get("BASE_URL"):
        return Finding(
            False,
            "已配置 MAIL_SERVER 但没有 BASE_URL：邮件里的链接无法生成，不会发送任何邮件。",
            '设置 BASE_URL = "https://…"。',
        )
    if not app.config.get("MAIL_SERVER"):
        return Finding(
            True, "未配置邮件：通知只在平台内显示，忘记密码由主管部门发放一次性密码。", warning=True
        )
    return Finding(True, f"邮件经 {app.config['MAIL_SERVER']} 发送。")


def _limits(app: Flask) -> Finding:
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://") and app.config.get(
        "RATELIMIT_ENABLED", True
    ):
        return Finding(
            True,
            "API 限流计数保存在各 Web 进程内存中（每个 gunicorn 进程各自计数）。",
            '多台机器或需要严格限流时设置 RATELIMIT_STORAGE_URI = "redis://…"。登录限制保存在数据库中，不受影响。',
            warning=True,
        )
    return Finding(True, "API 限流计数共享。")


CHECKS = (_secret, _debug, _cookies, _instance, _database, _migrations, _index, _mail, _limits)


def examine(app: Flask) -> list[Finding]:
    findings = []
    for check in CHECKS:
        try:
            findings.append(check(app))
        except Exception as error:  # a check that cannot even run is a finding, not a crash
            findings.append(
                Finding(
                    False,
                    f"{check.__name__.strip('_')} 检查失败：{error}",
                    "查看日志，修正后重新运行 doctor。",
                )
            )
    return findings
