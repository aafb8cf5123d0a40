"""The job runner's adapter: background work through a real queue (Huey), and the only module of
the app that deals with threads and signals (those of Huey's consumer).

Capabilities register plain functions by name and enqueue them; they never import Huey:

    @jobs.task("imports.run")
    def run_import(batch_id: int) -> None: ...

    jobs.enqueue("imports.run", batch_id=batch.id)   # after the commit that made the batch

The queue comes from the configuration (``init_app``):

- by default a ``SqliteHuey`` in ``instance/jobs.sqlite3`` (JOBS_FILE): no server to run;
- a ``RedisHuey`` when REDIS_URL is set (or RATELIMIT_STORAGE_URI is a redis:// URL, as for the
  rate limits). Its queue is named per machine (JOBS_QUEUE, default ``matchmaker:<host name>``)
  because some jobs work on this machine's files (a staged import, this machine's search index);
- immediate mode when JOBS_IMMEDIATE is true (the tests): ``enqueue`` runs the job at once, in
  the caller's thread, in an app context of its own.

A job runs in an app context of the app that enqueued it, or in the worker (``flask jobs worker``,
which scripts/start runs beside gunicorn) in an app context of the app the factory built for the
worker, once. A failing job is logged and never retried by the queue (jobs record their own
failures where users see them, e.g. an import batch's status).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from huey import RedisHuey, SqliteHuey
from huey.api import Huey

EXTENSION = "jobs"
Job = Callable[..., None]
When = Callable[[datetime], bool]  # a periodic job's schedule: given the time in UTC, is it due?


@dataclass(frozen=True)
class _Periodic:
    name: str
    when: When


_JOBS: dict[str, Job] = {}
_PERIODIC: list[_Periodic] = []
_AT_START: list[str] = []  # jobs the worker enqueues when it starts (e.g. resume interrupted imports)


def task(name: str, *, at_worker_start: bool = False) -> Callable[[Job], Job]:
    """Register ``function`` as the job ``name`` (its arguments: keyword, picklable values)."""

    def register(function: Job) -> Job:
        _JOBS[name] = function
        if at_worker_start and name not in _AT_START:
            _AT_START.append(name)
        return function

    return register


def periodic(name: str, when: When) -> Callable[[Job], Job]:
    """Register ``function`` (no arguments) as a job the worker runs whenever ``when(now)`` holds;
    the worker asks once a minute, with the time in UTC."""

    def register(function: Job) -> Job:
        task(name)(function)
        if all(p.name != name for p in _PERIODIC):
            _PERIODIC.append(_Periodic(name, when))
        return function

    return register


class Queue:
    """One app's queue: the Huey instance and the one Huey task that runs any registered job."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = _make_huey(app)
        self._run = self.huey.task(name="matchmaker.job")(self._execute)
        self._periodic_registered = False

    def _execute(self, name: str, args: dict[str, Any]) -> None:
        function = _JOBS.get(name)
        if function is None:
            self.app.logger.error("unknown job %s", name)
            return
        with self.app.app_context():
            started = time.monotonic()
            try:
                function(**args)
            except Exception:
                self.app.logger.exception("job %s failed", name)
            else:
                self.app.logger.info("job %s done in %.1f s", name, time.monotonic() - started)

    def enqueue(self, name: str, args: dict[str, Any], delay: float | None = None) -> None:
        if name not in _JOBS:
            raise KeyError(f"no job named {name!r}")
        if delay:
            self._run.schedule(args=(name, args), delay=delay)
        else:
            self._run(name, args)

    def register_periodic(self) -> None:
        if self._periodic_registered:
            return
        for job in _PERIODIC:

            def run(name: str = job.name) -> None:
                self._execute(name, {})

            def due(moment: datetime, when: When = job.when) -> bool:
                with self.app.app_context():  # the schedule may read the configuration
                    return when(moment)

            self.huey.periodic_task(due, name=f"periodic.{job.name}")(run)
        self._periodic_registered = True

    def pending(self) -> int:
        return 0 if self.huey.immediate else self.huey.pending_count()

    def drain(self) -> int:
        """Run every job waiting in the queue here and now, in this thread (tests, `flask jobs
        drain`); returns how many ran."""
        ran = 0
        while (message := self.huey.dequeue()) is not None:
            self.huey.execute(message)
            ran += 1
        return ran


def _make_huey(app: Flask) -> Huey:
    config = app.config
    immediate = bool(config.get("JOBS_IMMEDIATE"))
    redis_url = config.get("REDIS_URL") or ""
    limits = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if not redis_url and limits.startswith(("redis://", "rediss://")):
        redis_url = limits
    common: dict[str, Any] = {"results": False, "immediate": immediate, "utc": True}
    if redis_url and not immediate:
        name = config.get("JOBS_QUEUE") or f"matchmaker:{socket.gethostname()}"
        return RedisHuey(name, url=redis_url, **common)
    path = Path(config.get("JOBS_FILE") or Path(app.instance_path) / "jobs.sqlite3")
    return SqliteHuey(config.get("JOBS_QUEUE") or "matchmaker", filename=str(path), **common)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Queue(app)


def queue(app: Flask | None = None) -> Queue:
    target = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return target.extensions[EXTENSION]


def enqueue(name: str, **args: Any) -> None:
    """Run the job ``name`` off the request (at once in immediate mode)."""
    queue().enqueue(name, args)


def enqueue_in(seconds: float, name: str, **args: Any) -> None:
    """Run the job ``name`` in ``seconds`` seconds (nothing happens in immediate mode)."""
    queue().enqueue(name, args, delay=seconds)


# --- the worker ---------------------------------------------------------------------------


def consumer(app: Flask, *, workers: int = 2) -> Any:
    """A Huey consumer for ``app``'s queue: ``workers`` threads, the periodic jobs, the scheduler."""
    jobs = queue(app)
    jobs.register_periodic()
    return jobs.huey.create_consumer(
        workers=workers, worker_type="thread", initial_delay=0.1, backoff=1.15, max_delay=1.0
    )


def work(app: Flask, *, workers: int = 2) -> None:
    """Run the worker until SIGINT/SIGTERM (Huey's consumer handles the signals)."""
    jobs = queue(app)
    if jobs.huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE 已开启：任务在提交时直接运行，无需启动后台任务进程。")
    with app.app_context():
        for name in _AT_START:
            jobs.enqueue(name, {})
    consumer(app, workers=workers).run()


def wait_until_idle(app: Flask, timeout: float = 60.0) -> bool:
    """Until the queue is empty (a worker elsewhere took every job) or ``timeout`` passes."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if queue(app).pending() == 0:
            return True
        time.sleep(0.05)
    return False


jobs_cli = AppGroup("jobs", help="后台任务：运行任务进程，查看或清空队列。")


@jobs_cli.command("worker")
@click.option(
    "--workers", type=int, default=lambda: int(os.environ.get("JOBS_WORKERS") or 2), show_default="2"
)
def worker_command(workers: int) -> None:
    """运行后台任务进程（导入、重建索引、邮件、每日汇总）；Ctrl+C 或 SIGTERM 停止。"""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    work(current_app._get_current_object(), workers=workers)  # type: ignore[attr-defined]


@jobs_cli.command("status")
@with_appcontext
def status_command() -> None:
    """显示队列中等待运行的任务数。"""
    click.echo(f"等待运行的任务：{queue().pending()} 个。")


@jobs_cli.command("drain")
@with_appcontext
def drain_command() -> None:
    """在前台运行队列中所有等待的任务（不启动任务进程时使用）。"""
    click.echo(f"已运行任务 {queue().drain()} 个。")
