"""The character view is written beside the index by the process that writes the index, and only
mapped by the others: a fresh process proposes without building anything, a missing view is a
damaged index (never rebuilt by a request), and a parallel rebuild proposes what a serial one does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from flask import Flask

from matchmaker import create_app, search
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.postings import queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.search.engine import PartFailed
from matchmaker.search.indexing import index_range
from tests.conftest import Factory, app_config
from tests.test_matching import GOOD, NEED, OFF, WEAK

ROOT = Path(__file__).resolve().parents[1]
RD, RO = PostingKind.RD_NEED, PostingKind.RESEARCH_OUTCOME


def ranked(app: Flask, posting_id: int) -> list[tuple[int, int]]:
    """(posting id, strength) of the proposals for a posting, as an anonymous visitor sees them."""
    with app.test_request_context():
        return [
            (p.posting.id, p.strength) for p in queries.proposals(db.session.get(Posting, posting_id), None)
        ]


def view_files(app: Flask) -> dict[str, int]:
    """The live index's view files and their inode numbers (a rewritten file has a new one)."""
    folder = Path(app.instance_path) / "search"
    live = folder / (folder / "CURRENT").read_text()
    return {f.name: f.stat().st_ino for f in live.glob("cv-*") if not f.name.endswith(".retired")}


def publish(make: Factory) -> int:
    enterprise, uni = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    need = make.posting(enterprise, RD, **NEED)
    for details in (GOOD, WEAK, OFF):
        make.posting(uni, RO, **details)
    return need


CHILD = """
import json, sys
from pathlib import Path
from matchmaker import create_app, search
from matchmaker.core.extensions import db
from matchmaker.postings import queries
from matchmaker.postings.models import Posting
from tests.conftest import app_config
app = create_app(app_config(Path(sys.argv[1])))
with app.test_request_context():
    found = queries.proposals(db.session.get(Posting, int(sys.argv[2])), None)
    print(json.dumps([[p.posting.id, p.strength] for p in found]))
"""


def test_a_fresh_process_proposes_from_the_stored_view_without_writing_one(
    app: Flask, make: Factory, db_path: Path
) -> None:
    need = publish(make)
    here = ranked(app, need)
    files = view_files(app)
    assert any(name.endswith(".view") for name in files) and any(".norms-" in n for n in files)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db_path), str(need)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,  # a guard against a hang, not a speed limit (the machine may be busy)
    ).stdout
    there = [tuple(p) for p in json.loads(out.strip().splitlines()[-1])]
    assert there == here and here[0][0] != need  # the same proposals, gram keys and all
    assert view_files(app) == files  # read, not written


def test_a_missing_view_is_a_damaged_index_that_no_request_rebuilds(
    app: Flask, make: Factory, db_path: Path
) -> None:
    need = publish(make)
    expected = ranked(app, need)
    folder = Path(app.instance_path) / "search"
    live = folder / (folder / "CURRENT").read_text()
    for view in live.glob("cv-*.view"):
        view.unlink()
    fresh = create_app(app_config(db_path))  # a worker that starts now
    page = fresh.test_client().get(f"/postings/{need}")
    assert page.status_code == 200  # the posting opens, without proposals
    assert not list(live.glob("cv-*.view"))  # and nothing was built behind anyone's back
    checked = fresh.test_cli_runner().invoke(args=["search", "check"])
    assert checked.exit_code == 1 and "Traceback" not in checked.output
    assert fresh.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert fresh.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0
    assert ranked(fresh, need) == expected


def test_a_parallel_rebuild_proposes_exactly_what_a_serial_one_does(
    app: Flask, make: Factory, db_path: Path
) -> None:
    need = publish(make)
    uni = make.user(org_type=OrgType.UNIVERSITY)
    for i in range(6):
        make.posting(uni, RO, title=f"{GOOD['title']}（第{i}代）", description=GOOD["description"][i:])
    serial = create_app(app_config(db_path, SEARCH_REBUILD_PARALLEL_FROM=10**9))
    assert serial.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    with serial.test_request_context():
        expected = [
            (c.posting_id, c.strength, c.score) for c in search.propose(db.session.get(Posting, need))
        ]
        box = search.find("热误差 补偿").ranked
    parallel = create_app(app_config(db_path, SEARCH_REBUILD_PARALLEL_FROM=1, SEARCH_REBUILD_PROCS=2))
    assert parallel.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert parallel.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0
    with parallel.test_request_context():
        searcher = parallel.extensions["search"].searcher()
        assert len(searcher.leaf_searchers()) == 2  # one segment per process
        got = [(c.posting_id, c.strength, c.score) for c in search.propose(db.session.get(Posting, need))]
        assert search.find("热误差 补偿").ranked == box and box  # the search box: same documents and scores
    assert [g[:2] for g in got] == [e[:2] for e in expected] and len(expected) >= 5
    assert all(abs(g[2] - e[2]) < 1e-12 for g, e in zip(got, expected, strict=True))


BARE_SCRIPT = """
import sys
from pathlib import Path
from matchmaker import create_app, search
from tests.conftest import app_config
app = create_app(app_config(Path(sys.argv[1]), SEARCH_REBUILD_PARALLEL_FROM=1, SEARCH_REBUILD_PROCS=2))
with app.app_context():
    print("rebuilt", search.rebuild(), flush=True)
"""


def test_a_script_without_a_main_guard_rebuilds_in_parallel_once(
    app: Flask, make: Factory, db_path: Path, tmp_path: Path
) -> None:
    """The parts run as ``python -m`` processes: the calling script is never run again in them."""
    publish(make)
    script = tmp_path / "reindex_now.py"  # a file, as an operator's script would be
    script.write_text(BARE_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(db_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang, not a speed limit
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["rebuilt 4"]  # once, not once more per part
    fresh = create_app(app_config(db_path))
    assert fresh.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0
    with fresh.test_request_context():
        assert len(fresh.extensions["search"].searcher().leaf_searchers()) == 2


def test_a_failing_part_stops_the_rebuild_with_its_error_and_keeps_the_live_index(
    app: Flask, make: Factory, tmp_path: Path
) -> None:
    """A part that can't read the database (here: a database file that is gone)."""
    need = publish(make)
    before = ranked(app, need)
    with app.app_context():
        store = app.extensions["search"]
        live = store.current_name()
        unreachable = partial(index_range, f"sqlite:///{tmp_path}/gone/matchmaker.sqlite3", 1, 10)
        with pytest.raises(PartFailed, match="unable to open database file"):
            store.build_parts([unreachable, unreachable], procs=2)
        assert store.current_name() == live
        generations = sorted(p.name for p in store.path.glob("index-*"))
    assert generations == [live]  # the unfinished generation is removed
    assert ranked(app, need) == before
