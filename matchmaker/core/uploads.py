"""Evidence and attachment files (an agreement's 证明材料, a proposal's 附件): recognised by their
first bytes (never by their name or the browser's word), at most 10 MB, kept under a generated
name in a folder under instance/uploads/ (which `flask backup` copies), with the original name —
cleaned of control and bidirectional characters and given the extension of what the file is, so a
PDF named 合同.hta or 合同\u202efdp.exe is stored and served as a .pdf."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from werkzeug.wrappers import Response

from matchmaker.core.exceptions import FieldError

MAX_FILE_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}
SUFFIXES = {  # the extensions a detected type may keep; the first is the one it is given
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}
MAX_NAME = 200  # the column's length


def safe_name(filename: str, content_type: str) -> str:
    """The name a file is stored and served under: the uploader's last path part without control,
    format (bidirectional overrides, zero-width) or other invisible characters, and ending in an
    extension of its detected type — never one the browser or the desktop would run or render."""
    name = Path(filename.replace("\\", "/")).name
    categories = ((ch, unicodedata.category(ch)) for ch in name)
    name = "".join(" " if cat.startswith("Z") else ch for ch, cat in categories if not cat.startswith("C"))
    name = " ".join(name.split()).strip(" .")
    allowed = SUFFIXES.get(content_type, (".bin",))
    suffix = Path(name).suffix if name and Path(name).suffix != name else ""
    stem = name[: len(name) - len(suffix)]
    if suffix.lower() not in allowed:  # 合同.hta, 合同.html, 合同 → 合同.pdf
        suffix = allowed[0]
    stem = stem.rstrip(" .")[: MAX_NAME - len(suffix)] or "附件"
    return stem + suffix.lower()


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


def send(path: Path, original_name: str, content_type: str) -> Response:
    """A stored file as a download, never rendered inline, under its safe name (files stored
    before names were cleaned are cleaned here)."""
    name = safe_name(original_name, content_type)
    return send_file(path, mimetype=content_type, as_attachment=True, download_name=name)


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
    original = safe_name(filename, content_type)
    stored = secrets.token_hex(16) + suffix
    into.mkdir(parents=True, exist_ok=True)
    (into / stored).write_bytes(data)
    return StoredFile(stored, original, content_type, len(data), hashlib.sha256(data).hexdigest())
