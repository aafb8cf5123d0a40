"""Index and query speed at 10k, 50k and 200k generated postings on this machine.

Postings are generated from the evaluation corpus's real Chinese text (sentences of different
abstracts recombined), inserted in bulk, then indexed by the real rebuild path. Prints reindex
throughput, proposal and search latency (p50/p95), the index's size on disk and peak memory;
each size runs in a process of its own, so its peak memory is its own.
Run:  .venv/bin/python -m bench.search_perf [--sizes 10000 50000 200000]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bench.common import Timer, bench_app, make_user, percentile
from matchmaker import search
from matchmaker.accounts.models import Organization
from matchmaker.accounts.values import OrgStatus, OrgType
from matchmaker.core.extensions import db
from matchmaker.postings import queries as postings_queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.search import grams
from matchmaker.taxonomy.models import TechField, Town

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
QUERIES = [
    "锂电池隔膜",
    "伺服电机 PLC",
    "5G",
    "Wi-Fi 6",
    "0.01mm",
    "神经网络",
    "控制系统",
    "图像识别 算法",
    "温度",
    "土壤 重金属",
    "故障诊断",
    '"数值模拟"',
    "复合材料 力学性能",
    "水稻",
    "优化 模型 设计",
]
KINDS = list(PostingKind)


def sentences() -> tuple[list[str], list[str]]:
    titles, parts = [], []
    with open(EVAL / "corpus_outcomes.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            titles.append(record["title"])
            parts += [s for s in re.split(r"(?<=[。；;.])", record["abstract"]) if len(s) > 8]
    return titles, parts


def generate(n: int, orgs: list[int], fields: list[int], towns: list[int], seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    titles, parts = sentences()
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        kind = KINDS[i % 4]
        description = "".join(rng.sample(parts, rng.randint(1, 3)))[
            :400
        ]  # 50–400 characters, like real postings
        rows.append(
            {
                "kind": kind,
                "status": PostingStatus.PUBLISHED,
                "title": rng.choice(titles)[:60],
                "description": description,
                "keywords": [],
                "cooperation_modes": [],
                "tech_field_id": rng.choice(fields),
                "town_id": rng.choice(towns),
                "organization_id": rng.choice(orgs),
                "visibility": "public",
                "published_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def run(size: int) -> dict[str, float]:
    with bench_app() as app:
        bureau = make_user("性能测试主管部门", OrgType.BUREAU)
        for i in range(200):
            db.session.add(
                Organization(
                    name=f"测试单位{i}",
                    type=OrgType.ENTERPRISE if i % 3 else OrgType.UNIVERSITY,
                    status=OrgStatus.VERIFIED,
                )
            )
        db.session.commit()
        orgs = list(db.session.scalars(select(Organization.id).where(Organization.type != OrgType.BUREAU)))
        fields = list(db.session.scalars(select(TechField.id)))
        towns = list(db.session.scalars(select(Town.id)))
        rows = generate(size, orgs, fields, towns)
        with Timer() as t_insert:
            for start in range(0, len(rows), 5000):  # bulk: bypasses the outbox, like an import
                db.session.execute(insert(Posting), rows[start : start + 5000])
            db.session.commit()
        with Timer() as t_index:
            search.rebuild()
        rng = random.Random(11)
        sample_ids = rng.sample(range(1, size + 1), 200)
        proposal_ms = []
        with app.test_request_context():
            viewer = db.session.merge(bureau)
            with Timer() as t_view:  # the first proposal builds the character view (search/grams.py)
                postings_queries.proposals(db.session.get(Posting, sample_ids[0]), viewer)
            for pid in sample_ids[:5]:  # warm up the searcher and caches
                postings_queries.proposals(db.session.get(Posting, pid), viewer)
            proposal_cpu_ms = []  # CPU time too: on a shared, loaded machine wall time says little
            for pid in sample_ids:
                posting = db.session.get(Posting, pid)
                cpu = time.process_time()
                with Timer() as t:
                    postings_queries.proposals(posting, viewer, limit=10)
                proposal_cpu_ms.append((time.process_time() - cpu) * 1000)
                proposal_ms.append(t.seconds * 1000)
            search_ms = []
            for _ in range(4):
                for text in QUERIES:
                    with Timer() as t:
                        postings_queries.search_page(search.find(text), viewer)
                    search_ms.append(t.seconds * 1000)
            report = search.check()
            index_dir = Path(app.config["SEARCH_INDEX_DIR"] or Path(app.instance_path) / "search")
            index_mb = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20
        assert report.ok, report.as_dict()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "size": size,
        "insert_s": t_insert.seconds,
        "reindex_s": t_index.seconds,
        "docs_per_s": size / t_index.seconds,
        "proposal_p50": percentile(proposal_ms, 0.5),
        "proposal_p95": percentile(proposal_ms, 0.95),
        "proposal_cpu_p50": percentile(proposal_cpu_ms, 0.5),
        "proposal_cpu_p95": percentile(proposal_cpu_ms, 0.95),
        "search_p50": percentile(search_ms, 0.5),
        "search_p95": percentile(search_ms, 0.95),
        "peak_rss_mb": peak_mb,
        "index_mb": index_mb,
        "view_s": t_view.seconds,
        "view_mb": grams.cached_bytes() / 2**20,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, printed as JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one)))
        return 0
    print(
        f"{'postings':>9} {'reindex s':>10} {'docs/s':>7} {'proposal p50/p95 ms':>20} "
        f"{'search p50/p95 ms':>18} {'index MB':>9} {'peak RSS MB':>12} {'view build s':>13} {'view MB':>8}"
    )
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, "-m", "bench.search_perf", "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{r['size']:>9} {r['reindex_s']:>10.1f} {r['docs_per_s']:>7.0f} "
            f"{r['proposal_p50']:>10.0f} / {r['proposal_p95']:<7.0f} {r['search_p50']:>8.0f} / {r['search_p95']:<7.0f} "
            f"{r['index_mb']:>9.0f} {r['peak_rss_mb']:>12.0f} {r['view_s']:>13.1f} {r['view_mb']:>8.0f}",
            flush=True,
        )
        print(
            f"{'':>9} proposals' CPU time p50/p95: {r['proposal_cpu_p50']:.0f} / {r['proposal_cpu_p95']:.0f} ms"
        )
    print("targets: proposals p95 <= 50 ms at 10k and <= 150 ms at 50k; reindex of 10k <= 30 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
