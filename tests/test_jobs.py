"""Background work goes through the job queue (matchmaker/core/jobs.py) and a real worker: a large
import confirmed on a page is run by `flask jobs worker`, a separate process on the SQLite queue
under instance/, while the pages keep answering and show its progress. (Elsewhere the suite runs
jobs in immediate mode: conftest's JOBS_IMMEDIATE.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from matchmaker import create_app
from matchmaker.core import clock, jobs
from matchmaker.core.extensions import db
from matchmaker.notifications import operations as notifications
from matchmaker.notifications.models import ConsumerCursor, Notification
from matchmaker.postings.models import ImportBatch, Posting
from tests.conftest import Factory, app_config, database_uri
from tests.test_import import big_csv, count, upload_and_confirm

ROOT = Path(__file__).resolve().parent.parent
ROWS = 2000  # under 500 kB: a larger upload would make the test client spool it to a temporary file


def start_worker(app: Flask, db_path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MATCHMAKER_SQLALCHEMY_DATABASE_URI": database_uri(db_path),
        "MATCHMAKER_INSTANCE_PATH": app.instance_path,
        "MATCHMAKER_SECRET_KEY": "test",
        "MATCHMAKER_HOLD_INSTANCE_LOCK": "false",
        "JOBS_WORKERS": "1",
    }
    with log.open("wb") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "matchmaker", "jobs", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def progress(page: str) -> tuple[str, int]:
    """The status label and the rows imported, as the progress page shows them."""
    status = re.search(r"<dt>状态</dt><dd><strong>(.+?)</strong>", page)
    done = re.search(r"已导入并发布 (\d+) /", page)
    assert status and done, page
    return status.group(1), int(done.group(1))


def test_a_confirmed_import_waits_on_the_queue_and_a_real_worker_runs_it_while_pages_answer(
    db_path: Path, tmp_path: Path
) -> None:
    app = create_app(app_config(db_path, JOBS_IMMEDIATE=False, IMPORT_INLINE_ROWS=50))
    make = Factory(app)
    make.posting(make.user(), title="已有的一条走访需求")  # the index is not empty (an empty one answers 503)
    client = app.test_client()
    client.post("/auth/login", data={"email": make.bureau(), "password": "lotus-pond-2026"})
    response = upload_and_confirm(client, big_csv(tmp_path / "big.csv", ROWS))
    assert response.status_code == 302 and "/admin/imports/" in response.location
    batch_id = int(response.location.rsplit("/", 1)[1])

    # No worker yet: the page answers at once and the job waits on the queue (nothing in-process).
    assert progress(client.get(response.location).get_data(as_text=True)) == ("排队中", 0)
    assert jobs.queue(app).pending() == 1
    assert "等待运行的任务：1 个" in app.test_cli_runner().invoke(args=["jobs", "status"]).output

    log = tmp_path / "worker.log"
    worker = start_worker(app, db_path, log)
    try:
        seen: list[tuple[str, int]] = []
        others: list[int] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            seen.append(progress(client.get(response.location).get_data(as_text=True)))
            others.append(client.get("/search?q=走访需求").status_code)  # pages keep answering
            if seen[-1][0] in ("已完成", "失败"):
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
        assert seen[-1] == ("已完成", ROWS), seen[-5:]
        assert set(others) == {200}
        # Progress was visible on the way: the page showed the job running with some rows in.
        assert any(status == "导入中" for status, _ in seen), seen
        page = client.get(response.location).get_data(as_text=True)
        assert "导入完成" in page and 'http-equiv="refresh"' not in page
        assert count(app, Posting) == ROWS + 1
        # Indexed by the worker, on this machine's index: search finds the last row.
        assert f"第{ROWS - 1}号走访需求" in client.get(f"/search?q=第{ROWS - 1}号走访需求").get_data(
            as_text=True
        )
        assert jobs.queue(app).pending() == 0
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    assert worker.returncode is not None
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch is not None and batch.status == "done" and batch.token is None
        db.engine.dispose()


def test_the_daily_run_is_due_at_the_digest_hour_site_time_and_runs_once_a_day(
    app: Flask, make: Factory
) -> None:
    with app.app_context():
        # 07:00 in Beijing is 23:00 UTC the evening before.
        assert notifications._due_daily(datetime(2026, 3, 1, 23, 0))
        assert not notifications._due_daily(datetime(2026, 3, 2, 7, 0))
        assert not notifications._due_daily(datetime(2026, 3, 1, 23, 1))
    app.config["NOTIFY_AFTER_COMMIT"] = False  # notices wait for a run
    owner = make.user()

    def published() -> int:
        with app.app_context():
            return len(db.session.scalars(select(Notification).where(Notification.kind == "review")).all())

    make.posting(owner, title="每日运行之前")
    with app.app_context():
        jobs.enqueue("notifications.daily")  # immediate mode: the worker's daily run, now
    assert published() == 1  # it caught up the notice
    make.posting(owner, title="每日运行之后")
    with app.app_context():
        jobs.enqueue("notifications.daily")  # the same day again (say, another machine's worker)
    assert published() == 1  # it had run today: nothing done
    with app.app_context():
        assert notifications.run(db.engine) == 1  # there was something to do
        row = db.session.get(ConsumerCursor, notifications.DAILY)
        assert row is not None and row.state == {"day": clock.today().isoformat()}
