"""Does learning from declines (matchmaker/pairings/feedback.py) hurt or help proposals on the
real-text evaluation set? Cross-validated: for each fold, the needs of the other folds have been
answered — the outcomes pitched to them from their top proposals declined when wrong (技术路线不符),
and with probability --noise the right one declined too (成本不合适: a decline about money says
nothing about the match) — and the fold's own needs are scored with and without that history.

Run:  .venv/bin/python -m bench.decline_feedback  [--folds 5] [--pitched 3] [--noise 0.1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys

from sqlalchemy import delete, select

from bench.common import Timer, bench_app, make_user, outcome_title
from bench.match_quality import load, scores
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.pairings import feedback
from matchmaker.pairings import operations as pairings
from matchmaker.pairings.models import Pairing
from matchmaker.pairings.values import DeclineReason
from matchmaker.postings import operations as postings
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind

UNIVERSITIES = 50  # outcomes are spread over this many organisations (one interest per org and need)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", default="needs_dev.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--pitched", type=int, default=3, help="top proposals pitched to each answered need")
    parser.add_argument("--noise", type=float, default=0.1, help="share of right answers declined anyway")
    parser.add_argument("--similar", type=int, default=feedback.SIMILAR, help="try another SIMILAR")
    parser.add_argument("--repeats", type=int, default=feedback.REPEATS, help="try another REPEATS")
    args = parser.parse_args()
    feedback.SIMILAR, feedback.REPEATS = args.similar, args.repeats
    corpus, needs = load("corpus_outcomes.jsonl"), load(args.needs)
    rng = random.Random(20261202)

    with bench_app() as app, app.test_request_context():
        bureau = make_user("评测主管部门", OrgType.BUREAU)
        enterprise = make_user("评测企业", OrgType.ENTERPRISE)
        universities = [make_user(f"评测高校{n}", OrgType.UNIVERSITY) for n in range(UNIVERSITIES)]
        for user in [enterprise, *universities]:
            if not user.organization.is_verified:
                accounts.verify_organization(user.organization, actor=bureau)
        db.session.commit()
        with Timer() as load_time:
            paper: dict[int, str] = {}
            for n, record in enumerate(corpus):
                author = universities[n % UNIVERSITIES]
                posting = postings.create_posting(
                    PostingKind.RESEARCH_OUTCOME,
                    postings.PostingDetails(
                        title=outcome_title(record),
                        description=record["abstract"],
                        keywords=[k for k in record["keywords"] if k][: postings.MAX_KEYWORDS],
                    ),
                    actor=author,
                )
                postings.submit_posting(posting, actor=author)
                postings.publish_posting(posting, actor=bureau)
                db.session.flush()
                paper[posting.id] = record["id"]
                if n % 500 == 499:
                    db.session.commit()
            need_ids = []
            for need in needs:
                posting = postings.create_posting(
                    PostingKind.RD_NEED,
                    postings.PostingDetails(
                        title=need["need_title"][:120], description=need["need_description"]
                    ),
                    actor=enterprise,
                )
                postings.submit_posting(posting, actor=enterprise)
                postings.publish_posting(posting, actor=bureau)
                db.session.flush()
                need_ids.append(posting.id)
            db.session.commit()
        print(f"corpus {len(corpus)} outcomes and {len(needs)} needs published in {load_time.seconds:.0f} s")
        answers = {pid: need["paper_id"] for pid, need in zip(need_ids, needs, strict=True)}
        users_of = {u.organization_id: u.id for u in universities}

        def ranks(ids: list[int]) -> tuple[list[int], int]:
            found, lowered = [], 0
            for pid in ids:
                posting = db.session.get(Posting, pid)
                proposed = posting_queries.proposals(posting, None, limit=10)
                papers = [paper[p.posting.id] for p in proposed]
                lowered += sum(1 for p in proposed if p.demotion)
                found.append(papers.index(answers[pid]) + 1 if answers[pid] in papers else 0)
            return found, lowered

        order = list(need_ids)
        rng.shuffle(order)
        folds = [order[k :: args.folds] for k in range(args.folds)]
        rows = []
        for k, test in enumerate(folds):
            trained = [pid for pid in order if pid not in set(test)]
            before, _ = ranks(test)
            declines = 0
            for pid in trained:
                need = db.session.get(Posting, pid)
                owner = db.session.get(User, enterprise.id)
                pitched: set[int] = set()
                for proposal in posting_queries.proposals(need, None, limit=args.pitched):
                    outcome = proposal.posting
                    if outcome.organization_id in pitched:
                        continue
                    right = paper[outcome.id] == answers[pid]
                    if right and rng.random() >= args.noise:
                        continue  # accepted: no lesson for the ranking
                    pitched.add(outcome.organization_id)
                    pitcher = db.session.get(User, users_of[outcome.organization_id])
                    pairing = pairings.express_interest(
                        need, "我们的成果可以解决贵司的问题。", actor=pitcher, own_posting=outcome
                    )
                    reason = DeclineReason.COST if right else DeclineReason.APPROACH
                    pairings.decline(pairing, reason, actor=owner)
                    declines += 1
            db.session.commit()
            after, lowered = ranks(test)
            m0, h10, h100 = scores(before)
            m1, h11, h101 = scores(after)
            rows.append((m0, m1, h10, h11, h100, h101, declines, lowered))
            print(
                f"fold {k + 1}: {len(test)} needs, {declines} declines on the others' needs, "
                f"{lowered} proposals lowered; MRR@10 {m0:.3f} -> {m1:.3f} ({m1 - m0:+.3f}), "
                f"Hit@1 {h10:.3f} -> {h11:.3f}, Hit@10 {h100:.3f} -> {h101:.3f}"
            )
            db.session.execute(delete(Pairing))
            db.session.commit()
            assert not db.session.scalars(select(Pairing.id)).first()
        deltas = [r[1] - r[0] for r in rows]
        print(
            f"\nMRR@10 without declines {statistics.mean(r[0] for r in rows):.3f}, with "
            f"{statistics.mean(r[1] for r in rows):.3f}; per-fold change mean {statistics.mean(deltas):+.4f}, "
            f"min {min(deltas):+.4f}, max {max(deltas):+.4f}"
        )
        print(
            f"rule: {feedback.REPEATS}+ declines for one reason by postings with pair strength >= "
            f"{feedback.SIMILAR}, {feedback.PLACES} places down per decline"
        )
        print("must not lower MRR@10 ->", "ok" if min(deltas) >= -0.005 else "LOWERED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
