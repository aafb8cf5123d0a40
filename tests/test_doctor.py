"""`flask doctor`: a production configuration check that names each problem and what to do."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade

from matchmaker import create_app
from matchmaker.core.database import MIGRATIONS_DIR
from matchmaker.core.extensions import db
from tests.conftest import app_config


def run(db_path: Path, *, prepare: bool = True, **config: object) -> tuple[int, str]:
    app = create_app(app_config(db_path, **config))
    if prepare:
        app.test_cli_runner().invoke(args=["init-db"])  # builds this instance's search index
    result = app.test_cli_runner().invoke(args=["doctor"])
    with app.app_context():
        db.engine.dispose()
    return result.exit_code, result.output


def test_a_sound_installation_passes(db_path: Path) -> None:
    code, output = run(db_path, SECRET_KEY="k" * 48)
    assert code == 0 and "未发现问题" in output and "数据库结构为最新版本" in output


def test_each_problem_is_named_with_what_to_do(db_path: Path) -> None:
    code, output = run(
        db_path,
        SECRET_KEY="test-secret",
        DEBUG=True,
        BASE_URL="https://zjtx.example.cn",
        MAIL_SERVER="smtp.example.cn",
        SESSION_COOKIE_SECURE=False,
    )
    assert code == 1 and "发现 3 个问题" in output
    assert "SECRET_KEY 过短或是常见的默认值" in output and "secrets.token_urlsafe" in output
    assert "调试模式已开启" in output
    assert "SESSION_COOKIE_SECURE" in output and "REMEMBER_COOKIE_SECURE = True" in output


def test_pending_migrations_are_reported(db_path: Path) -> None:
    app = create_app(app_config(db_path, SECRET_KEY="k" * 48))
    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="-1")
        db.engine.dispose()
    code, output = run(db_path, prepare=False, SECRET_KEY="k" * 48)
    assert code == 1 and "数据库结构不是最新" in output and "init-db" in output
