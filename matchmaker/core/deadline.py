"""A time limit on every web request, checked where the work is long, below gunicorn's own kill.

gunicorn kills a worker that has not answered within its ``timeout``; the client then gets a cut
connection (or the proxy's HTML error page) and the worker's other work is lost. Each request
therefore carries a ``Deadline`` (``flask.g.deadline``, REQUEST_TIMEOUT seconds from its start),
and the long loops (ranking proposals, exports, building spreadsheets...) call ``check()`` between
steps: past the deadline it raises ``RequestTimedOut`` at that safe point, errors.py answers a
Chinese 503 (JSON under /api/) and the transaction is rolled back. Nothing is raised from a
signal in the middle of arbitrary code; what does not stop by itself (code stuck outside Python)
is left to gunicorn's timeout, the backstop. Outside a request (CLI, jobs) ``check()`` does nothing.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, has_request_context


class RequestTimedOut(Exception):
    """The request ran past REQUEST_TIMEOUT seconds and was stopped (mapped to 503)."""


class Deadline:
    """When the current request must stop (``None``: never)."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds if seconds > 0 else None

    @property
    def passed(self) -> bool:
        return self.ends is not None and time.monotonic() >= self.ends

    def check(self) -> None:
        if self.passed:
            raise RequestTimedOut()


def check() -> None:
    """Raise RequestTimedOut if the current request is past its deadline (a safe point to stop)."""
    if has_request_context():
        deadline = g.get("deadline")
        if deadline is not None:
            deadline.check()


def register(app: Flask) -> None:
    @app.before_request
    def start_clock() -> None:
        g.deadline = Deadline(float(current_app.config.get("REQUEST_TIMEOUT") or 0))
