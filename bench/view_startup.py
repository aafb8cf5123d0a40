"""The shared character view (issue 25): reindex time, the first proposal of a fresh process, and
the memory of five processes that each made one, at 10k, 50k and 200k generated postings.

Postings come from bench/search_perf.py's generator (the evaluation corpus's sentences
recombined), inserted in bulk, then indexed by the real rebuild path (`flask search reindex`'s).
Then, for each size:
- first proposal: a new Python process opens the app on that instance (as a gunicorn worker
  does after a restart) and times its first `proposals()` call, and the whole start to answer;
- memory: five such processes each make one proposal and wait; their PSS (proportional set size,
  /proc/PID/smaps_rollup: shared pages are split between the processes that map them) is summed,
  with their anonymous memory (their own, apart from the file pages they map),
  beside their RSS and RSS minus shared.
The load average is printed with the figures: other work on the machine slows every row.
Run:  .venv/bin/python -m bench.view_startup [--sizes 10000 50000 200000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.common import Timer, bench_app, make_user
from bench.search_perf import generate
from matchmaker import create_app
from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgStatus, OrgType

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 5


def config(base: Path) -> dict[str, Any]:
    """The configuration bench_app gives an instance in ``base``."""
    return {
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": base / "instance",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'bench.sqlite3'}",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "NOTIFY_AFTER_COMMIT": False,
    }


def seed(base: Path, size: int) -> dict[str, float]:
    """A migrated instance with ``size`` published postings, indexed by the rebuild path."""
    from matchmaker import search
    from matchmaker.core.extensions import db
    from matchmaker.postings.models import Posting
    from matchmaker.taxonomy.models import TechField, Town

    with bench_app(keep=str(base)):
        make_user("性能测试主管部门", OrgType.BUREAU)
        for i in range(200):
            kind = OrgType.ENTERPRISE if i % 3 else OrgType.UNIVERSITY
            db.session.add(Organization(name=f"测试单位{i}", type=kind, status=OrgStatus.VERIFIED))
        db.session.commit()
        orgs = list(db.session.scalars(select(Organization.id).where(Organization.type != OrgType.BUREAU)))
        fields = list(db.session.scalars(select(TechField.id)))
        towns = list(db.session.scalars(select(Town.id)))
        rows = generate(size, orgs, fields, towns)
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Posting), rows[start : start + 5000])
        db.session.commit()
        load = os.getloadavg()
        before = cpu_seconds()
        with Timer() as reindex:
            search.rebuild()
        return {
            "reindex_s": reindex.seconds,
            "reindex_cpu_s": cpu_seconds() - before,
            "load_during_reindex": (load[0] + os.getloadavg()[0]) / 2,
        }


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a rebuild's part processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(base: Path, posting_id: int, wait: bool) -> None:
    """A fresh process: open the app, time the first proposal; then (``wait``) stay until stdin closes."""
    started = time.perf_counter()
    from matchmaker.core.extensions import db
    from matchmaker.postings import queries as postings_queries
    from matchmaker.postings.models import Posting

    app = create_app(config(base))
    with app.test_request_context():
        posting, following = db.session.get(Posting, posting_id), db.session.get(Posting, posting_id + 1)
        assert posting is not None and following is not None
        cpu = time.process_time()
        with Timer() as first:  # as an anonymous visitor: the generated postings are all public
            found = postings_queries.proposals(posting, None)
        cpu = time.process_time() - cpu
        with Timer() as second:
            postings_queries.proposals(following, None)
        print(
            json.dumps(
                {
                    "first_ms": first.seconds * 1000,
                    "first_cpu_ms": cpu * 1000,
                    "second_ms": second.seconds * 1000,
                    "start_to_answer_s": time.perf_counter() - started,
                    "proposals": len(found),
                }
            ),
            flush=True,
        )
        if wait:
            sys.stdin.read()


def memory(pid: int) -> dict[str, float]:
    """PSS, RSS and RSS minus shared pages of a process, in MB."""
    values: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 3 and parts[1].isdigit():
                values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    shared = values.get("Shared_Clean", 0) + values.get("Shared_Dirty", 0)
    return {
        "pss": values.get("Pss", 0),
        "rss": values.get("Rss", 0),
        "private": values.get("Rss", 0) - shared,
        "anon": values.get("Anonymous", 0),  # the process's own memory, not file pages it maps
    }


def spawn(base: Path, posting_id: int, wait: bool) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "bench.view_startup", "--child", str(base), "--posting", str(posting_id)]
    if wait:
        args.append("--wait")
    return subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def measure(base: Path, size: int) -> dict[str, Any]:
    rng = random.Random(11)
    firsts = []
    for _ in range(3):  # three fresh processes, one after the other: the median
        process = spawn(base, rng.randint(1, size - 1), wait=False)
        out, _ = process.communicate()
        firsts.append(json.loads(out.strip().splitlines()[-1]))
    firsts.sort(key=lambda r: r["first_ms"])
    workers = [spawn(base, rng.randint(1, size - 1), wait=True) for _ in range(WORKERS)]
    try:
        for worker in workers:
            assert worker.stdout is not None
            json.loads(worker.stdout.readline())
        used = [memory(w.pid) for w in workers]
    finally:
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.close()
            worker.wait()
    return {
        "first_ms": firsts[1]["first_ms"],
        "first_cpu_ms": firsts[1]["first_cpu_ms"],
        "second_ms": firsts[1]["second_ms"],
        "start_to_answer_s": firsts[1]["start_to_answer_s"],
        "pss_mb": sum(u["pss"] for u in used),
        "rss_mb": sum(u["rss"] for u in used),
        "private_mb": sum(u["private"] for u in used),
        "anon_mb": sum(u["anon"] for u in used),
        "load": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--keep", help="instances in this folder (reused when already seeded)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--posting", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--wait", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.posting, args.wait)
        return 0
    print(f"cores: {os.cpu_count()}; load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'postings':>9} {'reindex s':>10} {'CPU s':>7} {'load':>5} {'first proposal ms':>18} {'CPU ms':>7} "
        f"{'then ms':>8} {'start→answer s':>15} {'5 workers PSS MB':>17} {'RSS MB':>8} {'RSS−shared MB':>14} {'anon MB':>8} "
        f"{'load':>5}"
    )
    with tempfile.TemporaryDirectory(prefix="matchmaker-view-") as tmp:
        for size in args.sizes:
            base = Path(args.keep or tmp) / str(size)
            seeded = (base / "seeded.json").exists()
            if seeded:
                built = json.loads((base / "seeded.json").read_text())
            else:
                # In a process of its own, so this one's memory and imports stay out of the figures.
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        f"import json,sys; from bench.view_startup import seed; from pathlib import Path; print(json.dumps(seed(Path({str(base)!r}), {size})))",
                    ],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                built = json.loads(out.strip().splitlines()[-1])
                (base / "seeded.json").write_text(json.dumps(built))
            r = measure(base, size)
            print(
                f"{size:>9} {built['reindex_s']:>10.1f} {built.get('reindex_cpu_s', float('nan')):>7.1f} "
                f"{built['load_during_reindex']:>5.1f} {r['first_ms']:>18.0f} {r['first_cpu_ms']:>7.0f} "
                f"{r['second_ms']:>8.0f} {r['start_to_answer_s']:>15.2f} "
                f"{r['pss_mb']:>17.0f} {r['rss_mb']:>8.0f} {r['private_mb']:>14.0f} {r['anon_mb']:>8.0f} {r['load']:>5.1f}",
                flush=True,
            )
    print(
        "targets: first proposal <= 300 ms at 50k and <= 1 s at 200k; 5 workers at 200k < 2.5 GB; 200k reindex <= 300 s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
