"""A time limit on every web request, set below gunicorn's own worker timeout.

gunicorn kills a worker that has not answered within its ``timeout``; the client then gets a cut
connection (or the proxy's HTML error page) and the worker's other work is lost. Raising
``RequestTimedOut`` a few seconds earlier, inside the request, lets errors.py answer a Chinese
503 (JSON under /api/) and roll the transaction back. It needs SIGALRM, so it applies where
requests run on a process's main thread (gunicorn's sync workers, the test client); the threaded
development server goes without.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from flask import Flask, current_app


class RequestTimedOut(Exception):
    """The request ran past REQUEST_TIMEOUT seconds and was stopped (mapped to 503)."""


def _expired(_signum: int, _frame: FrameType | None) -> None:
    raise RequestTimedOut()


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def register(app: Flask) -> None:
    @app.before_request
    def start_clock() -> None:
        seconds = float(current_app.config.get("REQUEST_TIMEOUT") or 0)
        if seconds > 0 and _on_main_thread():
            signal.signal(signal.SIGALRM, _expired)
            signal.setitimer(signal.ITIMER_REAL, seconds)

    @app.teardown_request
    def stop_clock(_error: BaseException | None) -> None:
        if _on_main_thread():
            signal.setitimer(signal.ITIMER_REAL, 0)
