"""No search runs unbounded: the Whoosh 2.7.4 loop that once hung a worker, and the request deadline."""

from __future__ import annotations

import runpy
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from whoosh.matching import ListMatcher, Matcher, UnionMatcher
from whoosh.query import Query
from whoosh.scoring import BaseScorer

from matchmaker import create_app
from matchmaker.core import config, deadline
from matchmaker.search.engine import IndexStore, run_query
from tests.conftest import app_config

# Values seen in a stuck worker: a + b == MIN in floating point, but MIN - b < a.
A, B = 1.0710818390345838, 3.2122776566511195
MIN = 4.283359495685703
ROOT = Path(__file__).resolve().parents[1]


class ConstantQuality(BaseScorer):
    """Every document and block scores ``quality``; the list as a whole claims more (as a
    subtree of a real query does), so Whoosh keeps the union instead of replacing it."""

    def __init__(self, quality: float) -> None:
        self.quality = quality

    def supports_block_quality(self) -> bool:
        return True

    def max_quality(self) -> float:
        return 10.0

    def block_quality(self, matcher: Matcher) -> float:
        return self.quality

    def score(self, matcher: Matcher) -> float:
        return self.quality


class LoopingQuery(Query):
    """A query whose matcher is the minimal case: two constant-quality lists under a union.
    Document 1 scores A, document 2 scores A + B == MIN, which makes MIN the collector's minimum."""

    def matcher(self, searcher: Any, context: Any = None) -> Matcher:
        return UnionMatcher(
            ListMatcher([1, 2, 3], scorer=ConstantQuality(A)),
            ListMatcher([2, 3], scorer=ConstantQuality(B)),
        )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


def finishes_within(seconds: float, call: Any) -> tuple[bool, Any]:
    """Run ``call`` in a daemon thread; (finished in time, its result)."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), (result[0] if result else None)


UPSTREAM_LOOP = """
from tests.test_search_safety import A, B, MIN, ConstantQuality
import pytest
from whoosh.matching import ListMatcher, UnionMatcher
union = UnionMatcher(ListMatcher([1, 2, 3], scorer=ConstantQuality(A)), ListMatcher([1, 2, 3], scorer=ConstantQuality(B)))
union.skip_to_quality(MIN)
"""


def test_the_whoosh_matcher_itself_loops_on_these_values() -> None:
    """The upstream fault is real (so the next test proves something); in a child process,
    because a looping thread could not be stopped."""
    assert A + B == MIN and MIN - B < A
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", UPSTREAM_LOOP], cwd=ROOT, timeout=3, check=True)


def test_search_box_queries_never_take_the_looping_path(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "search")
    store.make_live(store.build({"id": str(i), "title": f"数控机床{i}"} for i in range(5)))
    with store._index(store.current_name() or "").searcher() as searcher:
        # limit=1: once document 2 is collected, the collector's minimum score is exactly MIN.
        done, results = finishes_within(
            10.0, lambda: [hit.docnum for hit in run_query(searcher, LoopingQuery(), limit=1)]
        )
    assert done, "run_query hung in UnionMatcher.skip_to_quality"
    assert results == [2]


def busy_loop() -> str:
    while True:  # a long loop that checks the request's deadline between steps, as ours do
        deadline.check()


@pytest.mark.parametrize(
    ("path", "json_expected"), [("/api/v1/slow-for-test", True), ("/slow-for-test", False)]
)
def test_a_request_past_the_deadline_gets_a_chinese_503(
    db_path: Path, path: str, json_expected: bool
) -> None:
    app = create_app(app_config(db_path, REQUEST_TIMEOUT=0.3))
    app.add_url_rule(path, "slow_for_test", busy_loop)
    response = app.test_client().get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    if json_expected:
        assert response.is_json and "超时" in response.get_json()["message"]
    else:
        assert "text/html" in response.content_type and "请求处理超时" in response.get_data(as_text=True)


def test_gunicorn_kills_only_after_the_app_has_answered() -> None:
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["timeout"] >= config.REQUEST_TIMEOUT + 5
    assert settings["wsgi_app"] == "matchmaker:create_app()"
    assert "--config deploy/gunicorn.conf.py" in (ROOT / "scripts" / "start").read_text()
