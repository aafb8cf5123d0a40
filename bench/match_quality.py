"""Need → outcome matching quality on the real-text evaluation set (../shared/eval).

Loads the corpus as published research outcomes and each dev need as an R&D need through the
same services the web app uses, asks for the top 10 proposals, and prints MRR@10, Hit@1 and
Hit@10 beside the reference figures. Run:  .venv/bin/python -m bench.match_quality
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.common import Timer, bench_app, make_user, outcome_title, percentile, publish_many
from matchmaker.extensions import db
from matchmaker.models import OrgType, PostingKind
from matchmaker.postings import queries as posting_queries
from matchmaker.services import postings

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
REFERENCE = [
    ("Whoosh default analyzer (no Chinese segmentation)", 0.025, 0.025, 0.025),
    ("Whoosh + jieba ChineseAnalyzer, OR of terms", 0.713, 0.608, 0.933),
    ("BM25 (bm25s) + jieba precise mode", 0.777, 0.717, 0.942),
    ("BM25 (bm25s) + jieba search mode", 0.811, 0.750, 0.942),
    ("BM25 (bm25s) + character bigrams", 0.818, 0.742, 0.958),
    ("BM25 (bm25s) + jieba search mode + bigrams", 0.827, 0.775, 0.942),
]


def load(name: str) -> list[dict]:
    with open(EVAL / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def scores(ranks: list[int]) -> tuple[float, float, float]:
    n = len(ranks)
    return (
        sum(1 / r for r in ranks if r) / n,
        sum(1 for r in ranks if r == 1) / n,
        sum(1 for r in ranks if r) / n,
    )


@dataclass
class Run:
    """Every need's proposals as (paper id, strength), best first, and what it took."""

    load_seconds: float
    proposed: dict[str, list[tuple[str, int]]]
    latencies_ms: list[float]


def propose_for_needs(corpus: list[dict], needs: list[dict], *, limit: int = 10) -> Run:
    """Publish the corpus as research outcomes and ask for each need's proposals, through the
    same services and matching code the web app uses."""
    proposed: dict[str, list[tuple[str, int]]] = {}
    latencies: list[float] = []
    with bench_app() as app:
        university = make_user("评测高校", OrgType.UNIVERSITY)
        enterprise = make_user("评测企业", OrgType.ENTERPRISE)
        bureau = make_user("评测主管部门", OrgType.BUREAU)
        items = (
            {
                "title": outcome_title(r),
                "description": r["abstract"],
                "keywords": [k for k in r["keywords"] if k][: postings.MAX_KEYWORDS],
            }
            for r in corpus
        )
        with Timer() as load_time:
            ids = publish_many(university, bureau, PostingKind.RESEARCH_OUTCOME, items)
        paper = {pid: r["id"] for pid, r in zip(ids, corpus, strict=True)}
        enterprise = db.session.merge(enterprise)
        for need in needs:
            posting = postings.create_posting(
                PostingKind.RD_NEED,
                postings.PostingDetails(title=need["need_title"][:120], description=need["need_description"]),
                actor=enterprise,
            )
            with app.test_request_context(), Timer() as t:
                found = posting_queries.proposals(posting, enterprise, limit=limit)
            latencies.append(t.seconds * 1000)
            proposed[need["paper_id"]] = [(paper[p.posting.id], p.strength) for p in found]
        db.session.rollback()
    return Run(load_time.seconds, proposed, latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", default="needs_dev.jsonl")
    args = parser.parse_args()
    corpus, needs = load("corpus_outcomes.jsonl"), load(args.needs)
    run = propose_for_needs(corpus, needs)
    latencies = run.latencies_ms
    ranks = []
    for need in needs:
        found = [paper_id for paper_id, _ in run.proposed[need["paper_id"]]]
        ranks.append(found.index(need["paper_id"]) + 1 if need["paper_id"] in found else 0)

    mrr, hit1, hit10 = scores(ranks)
    print(
        f"corpus {len(corpus)} outcomes loaded and indexed through the services in {run.load_seconds:.1f} s"
    )
    print(f"needs: {args.needs} ({len(needs)})\n")
    print(f"{'method':58s} {'MRR@10':>7s} {'Hit@1':>6s} {'Hit@10':>6s}")
    for name, *figures in REFERENCE:
        print(f"{name:58s} {figures[0]:7.3f} {figures[1]:6.3f} {figures[2]:6.3f}")
    print(f"{'matchmaker proposals (this build)':58s} {mrr:7.3f} {hit1:6.3f} {hit10:6.3f}")
    for label, part in (("  even-numbered needs", ranks[0::2]), ("  odd-numbered needs", ranks[1::2])):
        m, h1, h10 = scores(part)
        print(f"{label:58s} {m:7.3f} {h1:6.3f} {h10:6.3f}")
    print(
        f"\nproposal latency over {len(latencies)} needs: p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms"
    )
    print(
        f"target: MRR@10 >= 0.88 and Hit@10 >= 0.98 -> {'met' if mrr >= 0.88 and hit10 >= 0.98 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
