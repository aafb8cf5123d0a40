"""gunicorn's worker for matchmaker (deploy/gunicorn.conf.py): its own sync worker, except that
the limits gunicorn enforces before the app sees a request — a request line or headers too long —
answer in the API's error shape (JSON with a Chinese ``message``, matchmaker/api/errors.py)
instead of gunicorn's English HTML. The request line is not read at that point, so the answer
cannot know whether it was for /api/; JSON is what the API's clients parse, and a browser shows
the message as text."""

from __future__ import annotations

import json
from typing import Any

from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.util import write_nonblock
from gunicorn.workers.sync import SyncWorker

ANSWERS = {
    LimitRequestLine: (414, "URI Too Long", "请求地址过长，请缩短查询条件后重试。"),
    LimitRequestHeaders: (
        431,
        "Request Header Fields Too Large",
        "请求头过大，请清除浏览器的本站 Cookie 后重试。",
    ),
}


def error_response(status: int, reason: str, message: str) -> bytes:
    body = json.dumps({"status": status, "message": message}, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class Worker(SyncWorker):
    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        for kind, (status, reason, message) in ANSWERS.items():
            if isinstance(exc, kind):
                self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
                try:
                    write_nonblock(client, error_response(status, reason, message))
                except Exception:
                    self.log.debug("Failed to send error message.")
                return
        super().handle_error(req, client, addr, exc)
