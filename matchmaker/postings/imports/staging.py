"""Uploaded files wait here between preview and confirmation (nothing enters the database first)."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from matchmaker.core.exceptions import DomainError

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP_SECONDS = 24 * 3600


def stage(folder: Path, data: bytes, filename: str) -> str:
    """Keep an upload under a random token; stale uploads are swept on the way."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    (folder / f"{token}{suffix}").write_bytes(data)
    (folder / f"{token}.name").write_text(filename[:255], encoding="utf-8")
    return token


def load(folder: Path, token: str) -> tuple[bytes, str]:
    """The staged file and its original name, or a DomainError if it is gone or the token is bad."""
    if not TOKEN.match(token or ""):
        raise DomainError("导入文件已失效，请重新上传。")
    for suffix in (".xlsx", ".csv"):
        path = folder / f"{token}{suffix}"
        if path.exists():
            name = (folder / f"{token}.name").read_text(encoding="utf-8")
            return path.read_bytes(), name
    raise DomainError("导入文件已失效（超过一天或已导入），请重新上传。")


def discard(folder: Path, token: str) -> None:
    for path in folder.glob(f"{token}.*"):
        path.unlink(missing_ok=True)
