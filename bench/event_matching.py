"""An event at county scale and beyond: how long the matching takes to propose meetings between
participants (every complementary pair of the postings they bring), to build the 1:1 schedule
from requests plus those proposals, and to list whom a visited university should invite.

Participants bring real texts: R&D needs from the evaluation set, research outcomes from its
corpus (their own answers among them, so strong pairs exist). Each participant asks for a few
meetings; bureau staff then press 自动排期.

Run:  .venv/bin/python -m bench.event_matching  [--participants 60 200] [--slots 16] [--tables 40]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import date, timedelta

from bench.common import Timer, bench_app, make_user, outcome_title, publish_many
from bench.match_quality import load
from matchmaker.accounts import operations as accounts
from matchmaker.accounts.models import User
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.events import matching
from matchmaker.events import operations as service
from matchmaker.events.models import Event, EventKind
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind

PER_PARTICIPANT = 2  # postings each participant brings
REQUESTS = 5  # meetings each enterprise asks for


def run(size: int, slots: int, tables: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    needs, corpus = load("needs_dev.jsonl"), {r["id"]: r for r in load("corpus_outcomes.jsonl")}
    with bench_app() as app, app.test_request_context():
        bureau = make_user("活动评测主管部门", OrgType.BUREAU)
        enterprises = [make_user(f"活动评测企业{n}", OrgType.ENTERPRISE) for n in range(size * 2 // 3)]
        universities = [
            make_user(f"活动评测高校{n}", OrgType.UNIVERSITY) for n in range(size - len(enterprises))
        ]
        for user in [*enterprises, *universities]:
            if not user.organization.is_verified:
                accounts.verify_organization(user.organization, actor=bureau)
        db.session.commit()
        chosen = rng.sample(needs, min(len(needs), len(enterprises) * PER_PARTICIPANT))
        brought: dict[int, list[int]] = {}
        for n, user in enumerate(enterprises):
            items = chosen[n * PER_PARTICIPANT : (n + 1) * PER_PARTICIPANT]
            brought[user.id] = publish_many(
                user,
                bureau,
                PostingKind.RD_NEED,
                [{"title": r["need_title"][:120], "description": r["need_description"]} for r in items],
            )
        answers = [corpus[r["paper_id"]] for r in chosen if r["paper_id"] in corpus]
        others = rng.sample(list(corpus.values()), len(universities) * PER_PARTICIPANT)
        pool = (answers + others)[: len(universities) * PER_PARTICIPANT]
        rng.shuffle(pool)
        for n, user in enumerate(universities):
            items = pool[n * PER_PARTICIPANT : (n + 1) * PER_PARTICIPANT]
            brought[user.id] = publish_many(
                user,
                bureau,
                PostingKind.RESEARCH_OUTCOME,
                [{"title": outcome_title(r), "description": r["abstract"]} for r in items],
            )
        bureau = db.session.merge(bureau)
        event = service.create_event(
            service.EventDetails(
                title="评测对接会",
                kind=EventKind.VISIT,
                held_on=date.today() + timedelta(days=10),
                registration_deadline=date.today() + timedelta(days=7),
                organisers="评测",
                place="评测会场",
                host=db.session.merge(universities[0]).organization,
                slot_count=slots,
                tables=tables,
            ),
            actor=bureau,
        )
        event_id = event.id
        for user_id, posting_ids in brought.items():
            user = db.session.get(User, user_id)
            service.register(event, actor=user, postings=[db.session.get(Posting, p) for p in posting_ids])
        db.session.commit()
        university_orgs = [db.session.merge(u).organization_id for u in universities]
        for user in enterprises:
            user = db.session.merge(user)
            for other in rng.sample(university_orgs, min(REQUESTS, len(university_orgs))):
                service.request_meeting(event, other, actor=user)
        db.session.commit()
        event = db.session.get(Event, event_id)
        with Timer() as invite_time:
            invite = matching.invitation_candidates(event, bureau)
        with Timer() as wanted_time:
            wanted = matching.wanted_meetings(event)
        with Timer() as mine_time:
            matching.proposed_for(event, university_orgs[0])
        with Timer() as build_time:
            result = service.build_schedule(event, wanted, actor=bureau)
            db.session.commit()
        requested = sum(w.requested for w in wanted)
        return {
            "participants": size,
            "pairs_checked": sum(1 for _ in _complementary(event)),
            "invite_s": invite_time.seconds,
            "invite_n": len(invite),
            "wanted_s": wanted_time.seconds,
            "proposed": len(wanted) - requested,
            "mine_s": mine_time.seconds,
            "build_s": build_time.seconds,
            "requested": requested,
            "requested_placed": result.requested_placed,
            "placed": result.placed,
        }


def _complementary(event: Event) -> Iterator[tuple[Posting, Posting]]:
    regs = event.active_registrations
    for i, a in enumerate(regs):
        for b in regs[i + 1 :]:
            for pa in a.postings:
                for pb in b.postings:
                    if pb.kind in pa.kind.complements:
                        yield pa, pb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, nargs="+", default=[60, 200])
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    print(
        "| participants | complementary posting pairs | 按匹配邀请 s | proposed meetings | "
        "all proposals s | one participant's s | 自动排期 s | requested placed | meetings placed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.participants:
        f = run(size, args.slots, args.tables, args.seed)
        print(
            f"| {f['participants']} | {f['pairs_checked']} | {f['invite_s']:.2f} ({f['invite_n']}) | "
            f"{f['proposed']} | {f['wanted_s']:.2f} | {f['mine_s']:.2f} | {f['build_s']:.2f} | "
            f"{f['requested_placed']}/{f['requested']} | {f['placed']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
