"""The 1:1 meeting scheduler (matchmaker/events/scheduling.py) on a large generated event:
participants, asked-for meetings, proposals from match strength, slots, tables and breaks. Prints
how many asked-for meetings it places beside the plain first-fit baseline, and how long it takes.

Run:  .venv/bin/python -m bench.scheduler  [--participants 200] [--requests 1000] [--slots 16]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from matchmaker.events.scheduling import Wanted, build, first_fit


def generated(seed: int, participants: int, requests: int, proposals: int) -> list[Wanted]:
    """A county event: a third enterprises' hosts are in demand (a few universities are asked for
    by many), requests between enterprises and universities, proposals on top."""
    rng = random.Random(seed)
    enterprises = [f"企业{i}" for i in range(participants * 2 // 3)]
    universities = [f"高校{i}" for i in range(participants - len(enterprises))]
    popularity = [1 / (i + 1) ** 0.7 for i in range(len(universities))]  # some are in demand
    wanted: dict[frozenset[str], Wanted] = {}
    while len(wanted) < requests + proposals:
        a = rng.choice(enterprises)
        b = rng.choices(universities, popularity)[0]
        w = Wanted(a, b, requested=len(wanted) < requests, strength=rng.randint(20, 100))
        wanted.setdefault(w.pair, w)
    return list(wanted.values())


def upper_bound(wanted: list[Wanted], slots: int, tables: int, breaks: dict[str, set[int]]) -> int:
    """No schedule places more asked-for meetings than a maximum b-matching in which each
    participant meets at most once per slot they are free, nor more than slots × tables (the
    requests are enterprise–university, a bipartite graph: augmenting paths, Edmonds–Karp)."""
    requested = [w for w in wanted if w.requested]
    capacity: dict[str, int] = {}
    for w in requested:
        for who in (w.a, w.b):
            capacity[who] = slots - len(breaks.get(who, ()))
    left = {w.a for w in requested}
    edges: dict[str, list[str]] = {}
    for w in requested:
        edges.setdefault(w.a, []).append(w.b)
    used_left = dict.fromkeys(capacity, 0)
    match: dict[tuple[str, str], bool] = {}  # (enterprise, university) in the matching
    partners: dict[str, list[str]] = {}  # university → enterprises matched to it
    flow = 0
    for start in sorted(left):
        while used_left[start] < capacity[start]:
            # BFS from start over free edges to a university with room, alternating back over matches
            parent: dict[str, str | None] = {start: None}
            queue, end = [start], None
            while queue and end is None:
                nxt = []
                for a in queue:
                    for b in edges.get(a, []):
                        if ("U", b) in parent or match.get((a, b)):
                            continue
                        parent["U", b] = a  # type: ignore[index]
                        if len(partners.get(b, [])) < capacity[b]:
                            end = b
                            break
                        for a2 in partners[b]:
                            if a2 not in parent:
                                parent[a2] = ("U", b)  # type: ignore[assignment]
                                nxt.append(a2)
                    if end is not None:
                        break
                queue = nxt
            if end is None:
                break
            b = end
            while True:  # flip the path: add (a, b), and remove the match that led to a
                a = parent["U", b]  # type: ignore[index]
                match[a, b] = True
                partners.setdefault(b, []).append(a)
                back = parent[a]
                if back is None:
                    break
                b_prev = back[1]  # type: ignore[index]
                match[a, b_prev] = False
                partners[b_prev].remove(a)
                b = b_prev
            used_left[start] += 1
            flow += 1
    return min(flow, slots * tables)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--proposals", type=int, default=300)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{args.participants} participants, {args.requests} asked-for meetings, {args.proposals} proposals, "
        f"{args.slots} slots; each participant has one break (lunch slot {args.slots // 2 + 1} for half)"
    )
    print(
        "| tables | placed asked-for (ours) | first fit | ours − first fit | upper bound | proposals placed | time s (max) |"
    )
    print("|---|---|---|---|---|---|---|")
    for tables in (40, 60, 100):
        ours, base, extra, seconds, bounds = [], [], [], [], []
        for seed in range(args.seeds):
            wanted = generated(seed, args.participants, args.requests, args.proposals)
            people = sorted({p for w in wanted for p in (w.a, w.b)})
            rng = random.Random(seed)
            breaks = {
                p: {args.slots // 2} if i % 2 else {rng.randrange(args.slots)} for i, p in enumerate(people)
            }
            started = time.perf_counter()
            schedule, _ = build(wanted, slots=args.slots, tables=tables, breaks=breaks)
            seconds.append(time.perf_counter() - started)
            placed = list(schedule.meetings.values())
            ours.append(sum(m.requested for m in placed))
            extra.append(sum(not m.requested for m in placed))
            requested = [w for w in wanted if w.requested]
            base.append(len(first_fit(requested, slots=args.slots, tables=tables, breaks=breaks).meetings))
            bounds.append(upper_bound(wanted, args.slots, tables, breaks))
            assert ours[-1] <= bounds[-1], "the bound is not a bound"
        gains = [o - b for o, b in zip(ours, base, strict=True)]
        print(
            f"| {tables} | {statistics.mean(ours):.0f} ({min(ours)}–{max(ours)}) | {statistics.mean(base):.0f} "
            f"({min(base)}–{max(base)}) | +{statistics.mean(gains):.0f} ({min(gains)}–{max(gains)}) | "
            f"{statistics.mean(bounds):.0f} ({min(bounds)}–{max(bounds)}) | "
            f"{statistics.mean(extra):.0f} | {statistics.mean(seconds):.2f} ({max(seconds):.2f}) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
