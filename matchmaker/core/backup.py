"""Backing up and restoring an installation on the embedded default (SQLite + instance folder).

``backup`` copies the live database with SQLite's online-backup API (a consistent snapshot while
the site keeps serving and writing), plus the instance's config.py and secret_key and every
uploaded file, and writes a manifest: row counts per table and a SHA-256 of every file.

``restore`` refuses while any process has the installation open (every app process holds a shared
lock on instance/in-use.lock), verifies the manifest, removes a stale -wal/-shm left by an unclean
stop (copying a database file next to an old WAL is what corrupts it), puts the database in place
atomically, checks its integrity and row counts, and rebuilds the search index.
PostgreSQL installations use pg_dump / pg_restore instead (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from flask import Flask

from matchmaker.core.exceptions import DomainError

DATABASE = "matchmaker.sqlite3"
MANIFEST = "manifest.json"
INSTANCE_FILES = ("config.py", "secret_key")
UPLOADS = "uploads"
LOCK = "in-use.lock"


def hold_instance(app: Flask) -> None:
    """Take a shared lock on the instance for as long as this process lives (see restore)."""
    handle = open(Path(app.instance_path) / LOCK, "a+")  # noqa: SIM115 - held for the process's life
    fcntl.flock(handle, fcntl.LOCK_SH)
    app.extensions["instance_lock"] = handle


def sqlite_path(app: Flask) -> Path:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        raise DomainError(
            "backup/restore 只用于内置的 SQLite 数据库；PostgreSQL 请用 pg_dump / pg_restore（见 docs/DEPLOYMENT.md）。"
        )
    return Path(uri.removeprefix("sqlite:///"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts(path: Path) -> dict[str, int]:
    """Rows per table of the SQLite database at ``path``."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def integrity_problem(path: Path) -> str | None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return None if result == "ok" else str(result)


@dataclass
class BackupReport:
    folder: Path
    counts: dict[str, int]
    files: int


def backup(app: Flask, dest: Path) -> BackupReport:
    """Write a complete, self-checking backup of the installation into the new folder ``dest``."""
    source = sqlite_path(app)
    if dest.exists() and any(dest.iterdir()):
        raise DomainError(f"目标文件夹 {dest} 已存在且不为空，请指定一个新的文件夹。")
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / DATABASE
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)  # in one step: a consistent snapshot even while others write
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    instance = Path(app.instance_path)
    for name in INSTANCE_FILES:
        if (instance / name).is_file():
            shutil.copy2(instance / name, dest / name)
    if (instance / UPLOADS).is_dir():
        shutil.copytree(instance / UPLOADS, dest / UPLOADS)
    files = sorted(p for p in dest.rglob("*") if p.is_file())
    counts = table_counts(target)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": DATABASE,
        "tables": counts,
        "files": {str(p.relative_to(dest)): {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in files},
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return BackupReport(dest, counts, len(files))


def read_manifest(src: Path) -> dict[str, Any]:
    """The manifest of the backup in ``src``, after checking every file against it."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DomainError(f"{src} 不是有效的备份（缺少或无法读取 {MANIFEST}）。") from error
    for name, meta in manifest.get("files", {}).items():
        path = src / name
        if not path.is_file() or _sha256(path) != meta["sha256"]:
            raise DomainError(f"备份文件 {name} 缺失或已损坏（校验和不符），未做任何恢复。")
    if DATABASE not in manifest.get("files", {}):
        raise DomainError("备份中没有数据库文件，未做任何恢复。")
    return manifest


@contextmanager
def _exclusive(app: Flask) -> Iterator[None]:
    """Hold the instance lock exclusively (this process's own shared lock is upgraded and given
    back afterwards), or raise a DomainError if another process has the installation open."""
    own: IO[str] | None = app.extensions.get("instance_lock")
    handle = own or open(Path(app.instance_path) / LOCK, "a+")  # noqa: SIM115 - closed below
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DomainError(
                "有服务器或其他命令正在使用本安装（数据库和索引），不能恢复。请先停止 gunicorn（及其他 flask 命令），再运行 restore。"
            ) from None
        yield
    finally:
        if own is not None:
            fcntl.flock(handle, fcntl.LOCK_SH)
        else:
            handle.close()


@dataclass
class RestoreReport:
    counts: dict[str, int]
    instance_files: list[str]


def restore(app: Flask, src: Path, *, replace_config: bool = False) -> RestoreReport:
    """Put the backup in ``src`` in place of this installation's database and uploads."""
    manifest = read_manifest(src)
    target = sqlite_path(app)
    with _exclusive(app):
        from matchmaker.core.extensions import db

        db.engine.dispose()  # no connection of ours may survive the swap
        staged = target.with_name(target.name + ".restoring")
        shutil.copy2(src / DATABASE, staged)
        if problem := integrity_problem(staged):
            staged.unlink()
            raise DomainError(f"备份中的数据库未通过完整性检查（{problem}），未做任何恢复。")
        for suffix in ("-wal", "-shm", "-journal"):  # stale companions of the old file
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(staged, target)
        counts = table_counts(target)
        if counts != manifest["tables"]:
            raise DomainError("恢复后的数据条数与备份清单不符，请检查备份。")
        instance = Path(app.instance_path)
        restored = []
        for name in INSTANCE_FILES:
            if (src / name).is_file() and (replace_config or not (instance / name).exists()):
                shutil.copy2(src / name, instance / name)
                restored.append(name)
        if (src / UPLOADS).is_dir():
            shutil.rmtree(instance / UPLOADS, ignore_errors=True)
            shutil.copytree(src / UPLOADS, instance / UPLOADS)
            restored.append(UPLOADS)
        return RestoreReport(counts, restored)
