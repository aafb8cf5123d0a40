"""`flask backup` under write load and `flask restore` into a fresh installation: counts match the
manifest, integrity holds, the index is rebuilt; restore refuses while the installation is in use
and clears a stale WAL instead of being corrupted by it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from matchmaker import create_app
from matchmaker.core.extensions import db
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from tests.conftest import Factory, app_config, sqlite_only

pytestmark = (
    sqlite_only  # flask backup/restore are for the embedded database; PostgreSQL: pg_dump (DEPLOYMENT.md)
)

ROOT = Path(__file__).resolve().parents[1]


def flask(instance: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A `flask --app matchmaker …` command of the installation in ``instance``."""
    env = {
        **os.environ,
        "MATCHMAKER_INSTANCE_PATH": str(instance),
        "MATCHMAKER_SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'matchmaker.sqlite3'}",
        "MATCHMAKER_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "matchmaker", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_load(app: Flask, make: Factory, owner: str, stop: threading.Event) -> list[int]:
    created: list[int] = []
    while not stop.is_set():
        created.append(make.posting(owner, PostingKind.RD_NEED, title=f"备份期间写入的需求{len(created)}"))
    return created


def test_backup_under_write_load_restores_to_the_same_counts(tmp_path: Path, db_path: Path) -> None:
    app = create_app(app_config(db_path))
    make = Factory(app)
    owner = make.user()
    for i in range(20):
        make.posting(owner, PostingKind.RD_NEED, title=f"备份前的需求{i}")
    (Path(app.instance_path) / "uploads").mkdir(parents=True)
    (Path(app.instance_path) / "uploads" / "合同扫描件.pdf").write_bytes(b"%PDF-1.4 evidence")
    stop = threading.Event()
    writer = threading.Thread(target=write_load, args=(app, make, owner, stop))
    writer.start()
    time.sleep(0.5)
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text(encoding="utf-8"))
    backed_up = manifest["tables"]["postings"]
    with app.app_context():
        now = db.session.scalar(select(func.count()).select_from(Posting))
    assert 20 < backed_up <= now  # taken while writes went on, a consistent moment of them
    assert "uploads/合同扫描件.pdf" in manifest["files"]

    fresh = tmp_path / "new-machine"
    done = flask(fresh, "restore", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    assert "完整性检查通过" in done.stdout and "索引已重建" in done.stdout
    restored = fresh / "matchmaker.sqlite3"
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM postings").fetchone()[0] == backed_up
    assert (fresh / "uploads" / "合同扫描件.pdf").read_bytes() == b"%PDF-1.4 evidence"
    check = flask(fresh, "search", "check")
    assert check.returncode == 0 and "一致" in check.stdout


def test_restore_refuses_while_the_installation_is_in_use(tmp_path: Path, db_path: Path) -> None:
    app = create_app(app_config(db_path))
    Factory(app).posting(Factory(app).user(), PostingKind.RD_NEED)
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0
    target = tmp_path / "live"
    assert flask(target, "init-db").returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from matchmaker import create_app; import time; create_app(); print('up', flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "MATCHMAKER_INSTANCE_PATH": str(target),
            "MATCHMAKER_SQLALCHEMY_DATABASE_URI": f"sqlite:///{target / 'matchmaker.sqlite3'}",
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "up"
        refused = flask(target, "restore", str(tmp_path / "bk"))
        assert refused.returncode != 0 and "正在使用本安装" in refused.stderr
    finally:
        holder.kill()
        holder.communicate()
    assert flask(target, "restore", str(tmp_path / "bk")).returncode == 0


def leave_stale_wal(path: Path) -> None:
    """What an unclean stop leaves: a valid write-ahead log of the old database beside it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE IF NOT EXISTS scratch (x TEXT)")
    conn.executemany("INSERT INTO scratch VALUES (?)", [("x" * 500,)] * 2000)
    conn.execute("UPDATE tech_fields SET name = name || '旧'")
    saved = {suffix: Path(f"{path}{suffix}").read_bytes() for suffix in ("-wal", "-shm")}
    conn.close()  # a clean close checkpoints and removes the WAL: put it back, as a crash would leave it
    for suffix, data in saved.items():
        Path(f"{path}{suffix}").write_bytes(data)


def test_restore_clears_a_stale_wal_and_refuses_a_damaged_backup(tmp_path: Path, db_path: Path) -> None:
    app = create_app(app_config(db_path))
    make = Factory(app)
    make.posting(make.user(), PostingKind.RD_NEED, title="要恢复的需求")
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0
    target = tmp_path / "crashed"
    assert flask(target, "init-db").returncode == 0
    leave_stale_wal(target / "matchmaker.sqlite3")
    done = flask(target, "restore", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(target / "matchmaker.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT title FROM postings").fetchone()[0] == "要恢复的需求"

    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "bk", damaged)
    with open(damaged / "matchmaker.sqlite3", "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\x00" * 512)
    refused = flask(target, "restore", str(damaged))
    assert refused.returncode != 0 and "校验和不符" in refused.stderr


def test_backup_refuses_a_folder_in_use(tmp_path: Path, app: Flask) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code != 0 and "不为空" in result.output
    assert (tmp_path / "full" / "x").read_text() == "keep me"


def test_a_stale_wal_beside_the_database_is_never_replayed_onto_the_restored_file(
    tmp_path: Path, db_path: Path
) -> None:
    """The README's old "copy the file back" restore replayed the crashed file's WAL onto the copy."""
    from matchmaker.core import backup

    source = create_app(app_config(db_path))
    make = Factory(source)
    make.posting(make.user(), PostingKind.RD_NEED, title="备份中的需求")
    assert source.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0
    target_db = tmp_path / "target" / "matchmaker.sqlite3"
    target_db.parent.mkdir()
    shutil.copy(db_path, target_db)
    target = create_app(app_config(target_db, INSTANCE_PATH=target_db.parent / "instance"))
    with target.app_context():
        db.engine.dispose()
        leave_stale_wal(target_db)  # the crash happens while nothing of ours has the file open
        report = backup.restore(target, tmp_path / "bk")
        assert report.counts["postings"] == 1
    with sqlite3.connect(target_db) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM tech_fields WHERE name LIKE '%旧'").fetchone()[0] == 0
