"""Evidence and attachment files (an agreement's 证明材料, a proposal's 附件): recognised by their
first bytes (never by their name or the browser's word), at most 10 MB, kept under a generated
name in a folder under instance/uploads/ (which `flask backup` copies), with the original name."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from matchmaker.exceptions import FieldError

MAX_FILE_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


@dataclass(frozen=True)
class StoredFile:
    """What a file's row records about it."""

    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str

    def columns(self) -> dict[str, object]:
        """The file row's columns (AgreementFile, CallProposalFile), as keyword arguments."""
        return {
            "stored_name": self.stored_name,
            "original_name": self.original_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


def folder(name: str) -> Path:
    """instance/uploads/<name>/, e.g. "agreements" or "calls"."""
    return Path(current_app.instance_path) / "uploads" / name


def store(data: bytes, filename: str, into: Path, *, field: str = "file") -> StoredFile:
    """Check ``data`` (FieldError with a Chinese message otherwise) and write it under a new name."""
    if not data:
        raise FieldError(field, "请选择要上传的文件。")
    if len(data) > MAX_FILE_BYTES:
        raise FieldError(
            field,
            f"文件不能超过{MAX_FILE_BYTES // 1024 // 1024} MB（现为{len(data) / 1024 / 1024:.1f} MB）。",
        )
    kind = next((v for sig, v in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise FieldError(field, "只能上传 PDF 文件或 PNG、JPEG 图片（按文件内容识别，改扩展名无效）。")
    content_type, suffix = kind
    original = Path(filename.replace("\\", "/")).name.strip()[:200] or f"附件{suffix}"
    stored = secrets.token_hex(16) + suffix
    into.mkdir(parents=True, exist_ok=True)
    (into / stored).write_bytes(data)
    return StoredFile(stored, original, content_type, len(data), hashlib.sha256(data).hexdigest())
