"""Large confirmed imports run in the background, as jobs that survive a dying worker.

Checking and saving 20,000 rows and indexing them takes longer than a request may run. The
confirmation therefore queues an ImportBatch (the staged file stays on disk), puts the job on
the job queue (core/jobs.py) and answers at once with a progress page; the job worker runs it: it
checks the file again, then imports the valid rows CHUNK at a time, each chunk committed together
with the batch's progress (rows imported, last file row, heartbeat) and indexed right after its
commit. If the worker dies, the job's heartbeat goes stale; the worker, when it starts again, and
the next look at the import pages (or `flask import-resume`) put it back on the queue, and it
resumes after the last committed row: nothing is lost and nothing is imported twice.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from matchmaker import policy
from matchmaker.accounts.models import User
from matchmaker.core import jobs
from matchmaker.core.database import execute_dml
from matchmaker.core.exceptions import DomainError
from matchmaker.core.extensions import db
from matchmaker.core.models import utcnow
from matchmaker.postings.imports import reader, rows, staging
from matchmaker.postings.models import ImportBatch

CHUNK = 500
STALE = timedelta(minutes=2)  # a running job with no heartbeat for this long has lost its worker


def queue(report: rows.Report, *, token: str, filename: str, actor: User) -> ImportBatch:
    """A job for the staged file ``token`` (its rows were just checked)."""
    policy.require(actor, "import.run")
    batch = ImportBatch(
        actor=actor,
        filename=filename[:255],
        rows_total=len(report.rows),
        rows_valid=len(report.valid),
        status="queued",
        token=token,
        heartbeat_at=utcnow(),
    )
    db.session.add(batch)
    db.session.flush()
    rows.record_confirmation(batch, actor=actor)
    return batch


def claim(batch_id: int) -> bool:
    """Take the job for this process, if it is queued or its worker has gone silent."""
    now = utcnow()
    taken = execute_dml(
        update(ImportBatch)
        .where(
            ImportBatch.id == batch_id,
            or_(
                ImportBatch.status == "queued",
                (ImportBatch.status == "running") & (ImportBatch.heartbeat_at < now - STALE),
            ),
        )
        .values(status="running", heartbeat_at=now)
    )
    db.session.commit()
    return bool(taken.rowcount)


def run(batch_id: int, folder: Path, *, chunk: int = CHUNK) -> None:
    """Run (or resume) the job to its end; a failure is recorded on the batch, never raised."""
    if not claim(batch_id):
        return
    batch = db.session.get(ImportBatch, batch_id)
    assert batch is not None
    token = batch.token or ""
    try:
        data, name = staging.load(folder, token)
        report = rows.check(reader.read_table(data, name))
        todo = [row for row in report.valid if row.number > batch.last_row]
        for start in range(0, len(todo), chunk):
            batch.heartbeat_at = utcnow()
            rows.add_rows(batch, todo[start : start + chunk], actor=batch.actor)
            db.session.commit()  # the chunk, with the progress that says it is done
        batch.status, batch.finished_at, batch.token = "done", utcnow(), None
        db.session.commit()
        staging.discard(folder, token)
    except Exception as error:
        db.session.rollback()
        message = error.message if isinstance(error, DomainError) else "导入过程中出现错误，已记录。"
        current_app.logger.exception("import job %s failed", batch_id)
        batch = db.session.get(ImportBatch, batch_id)
        if batch is not None:
            batch.status, batch.error, batch.finished_at = "failed", message, utcnow()
            db.session.commit()


def folder() -> Path:
    """Where confirmed files wait for their job (on this machine: the job runs on its worker)."""
    return Path(current_app.instance_path) / "imports"


def start(batch_id: int) -> None:
    """Put the job on the queue (call after the commit that made the batch)."""
    jobs.enqueue("imports.run", batch_id=batch_id)


@jobs.task("imports.run")
def _run_job(batch_id: int) -> None:
    run(batch_id, folder())


def unfinished() -> list[ImportBatch]:
    """Jobs that are queued or running (or were, until their worker died)."""
    return list(
        db.session.scalars(
            select(ImportBatch).where(ImportBatch.status.in_(("queued", "running"))).order_by(ImportBatch.id)
        )
    )


def resume_stale() -> list[int]:
    """Put back on the queue the jobs whose worker has gone silent, or that no worker took within
    STALE; each is marked queued again with a fresh heartbeat, so it is put back once per STALE
    however often the pages are looked at (claim() lets only one worker have it)."""
    now = utcnow()
    requeued = []
    stale = [b for b in unfinished() if b.heartbeat_at is None or now - b.heartbeat_at > STALE]
    if not stale:  # the usual case: a read only, never waiting on a worker's write
        return []
    for batch in stale:
        taken = execute_dml(
            update(ImportBatch)
            .where(
                ImportBatch.id == batch.id,
                ImportBatch.status.in_(("queued", "running")),
                or_(ImportBatch.heartbeat_at.is_(None), ImportBatch.heartbeat_at < now - STALE),
            )
            .values(status="queued", heartbeat_at=now)
        )
        if taken.rowcount:
            requeued.append(batch.id)
    db.session.commit()
    for batch_id in requeued:
        start(batch_id)
    return requeued


@jobs.task("imports.resume", at_worker_start=True)
def _resume_at_worker_start() -> None:
    """A worker that starts takes over what a dead one left: stale jobs now, the others (queued,
    or running with a heartbeat still fresh) again once they could have gone stale."""
    resume_stale()
    for batch in unfinished():
        jobs.enqueue_in(STALE.total_seconds() + 5, "imports.run", batch_id=batch.id)
