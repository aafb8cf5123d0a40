"""Matching quality in every direction, through the code the pages and the API use.

- need → outcome: ../shared/eval's 270 R&D needs against its 4,367 outcomes, 5 folds; each need is
  asked with the other folds' needs published (the platform in use), old-120 / new-150 split.
- outcome → need: all 270 needs published; for each need's answering outcome, the rank of that need
  among the outcome's proposals.
- supply need → offer: ../shared/eval/supply's 150 配套需求 against its 600 配套供给, 5 folds, gold or
  any also_ok counting as correct; each need asked with the other folds' needs published.

Beside each, plain BM25 references measured on the same needs. What is shown is what a page
shows: `postings.queries.proposals(limit=10, min_strength=SHOWN_MIN_STRENGTH)`. For the shown
proposals it also measures the single-term share (proposals whose evidence is one specific term
or specification) and, on a sample of each fold, the *no-partner rate*: the need's answer(s)
withdrawn, does the page still show anything? Every figure is given for each value of the
specificity threshold (``matching.SPECIFIC_SHARE``) in ``--shares``, and the value is chosen by
cross-validation: for each fold, from the other four folds only (see ``choose``).

Run:  nice -n 10 .venv/bin/python -m bench.match_directions [--only rd|supply] [--sample 20]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Timer, bench_app, make_user, outcome_title, percentile, publish_many
from bench.references import BM25, REFERENCES, bigrams, folds
from matchmaker.accounts.values import OrgType
from matchmaker.core.extensions import db
from matchmaker.postings import operations as postings
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind
from matchmaker.search import matching

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SUPPLY = EVAL / "supply"
OLD = 120
SHARES = (0.1, 0.2, 1.0)


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


MIN = [posting_queries.SHOWN_MIN_STRENGTH]  # the strength proposals() is asked for (0 with --raw)
FLOOR = [posting_queries.SHOWN_MIN_STRENGTH]  # the strength pages hide pairs below (varied by report_floors)


@dataclass
class Shown:
    """One asking posting's proposals (up to 40, strength >= SHOWN_MIN_STRENGTH): their keys best
    first, their strengths, and how many distinct specific terms and agreeing specifications each
    stands on. ``keys`` and ``terms`` are the page: the first 10 at or above FLOOR."""

    every: list[str]
    counts: list[int]
    specs: list[int] = field(default_factory=list)
    strengths: list[int] = field(default_factory=list)
    raw: list[list[Any]] = field(default_factory=list)  # --raw: every candidate, as RAW_FIELDS

    def _page(self) -> list[int]:
        return [i for i, s in enumerate(self.strengths) if s >= FLOOR[0]][:10]

    @property
    def keys(self) -> list[str]:
        return [self.every[i] for i in self._page()]

    @property
    def terms(self) -> list[int]:
        return [self.counts[i] for i in self._page()]


RAW_FIELDS = ("key", "score", "strength", "terms", "specs", "rare", "carrying", "share", "position")
STASH: list[list[Any]] = []  # --raw: the candidates of the last proposals() call
POSITIONS: dict[int, int] = {}  # --raw: each of them, where the view ranked it


def _shown(found: list[Any], key_of: dict[int, str]) -> Shown:
    shown = Shown(
        [key_of.get(p.posting.id, "?") for p in found],
        [len({w.lower() for w in p.carrying} | {s.lower() for s in p.specs}) for p in found],
        [len(p.specs) for p in found],
        [p.strength for p in found],
    )
    if STASH:
        listed = {p.posting.id for p in found}
        shown.raw = [
            [
                key_of.get(c.posting_id, "?"),
                round(c.score, 5),
                c.strength,
                len({w.lower() for w in c.carrying} | {x.lower() for x in c.specs}),
                len(c.specs),
                c.rare,
                list(c.carrying),
                round(c.share, 5),
                POSITIONS.get(c.posting_id, -1),
            ]
            for c in STASH[-1]
            if c.posting_id in listed
        ]
    return shown


def record_everything() -> None:
    """--raw: every candidate the view reads is kept, convincing or not, with what the evidence
    rule decides on, so rules can be compared afterwards on the same pages (bench/evidence_rules.py)."""
    matching.convincing = lambda *args, **kwargs: True  # type: ignore[assignment]
    matching.TERM_BONUS = 0.0  # the scores as the view and the specifications give them
    rank = matching.CharacterView.rank

    def ranked(view: Any, *args: Any, **kwargs: Any) -> Any:
        found = rank(view, *args, **kwargs)
        POSITIONS.clear()
        POSITIONS.update({hit.posting_id: n for n, hit in enumerate(found)})
        return found

    matching.CharacterView.rank = ranked  # type: ignore[method-assign]
    MIN[0] = 0
    STASH.append([])
    inner = matching.candidates

    def candidates(store: Any, posting: Any) -> list[Any]:
        found = inner(store, posting)
        STASH[-1] = found
        return found

    matching.candidates = candidates  # type: ignore[assignment]


def ask(
    app: Any, kind: PostingKind, item: dict, actor: Any, key_of: dict[int, str], viewer: Any = None
) -> tuple[Shown, float]:
    """Create the asking posting (not published: it is never its own answer) and read its page's
    proposals; rolled back afterwards."""
    actor = db.session.merge(actor)
    posting = postings.create_posting(kind, postings.PostingDetails(**item), actor=actor)
    with app.test_request_context(), Timer() as t:
        found = posting_queries.proposals(posting, viewer or actor, limit=40, min_strength=MIN[0])
    shown = _shown(found, key_of)
    db.session.rollback()
    return shown, t.seconds * 1000


def shown_of(app: Any, posting_id: int, viewer: Any, key_of: dict[int, str]) -> Shown:
    """The page of an already published posting."""
    with app.test_request_context():
        posting = db.session.get(Posting, posting_id)
        found = posting_queries.proposals(posting, db.session.merge(viewer), limit=40, min_strength=MIN[0])
        return _shown(found, key_of)


def with_share(value: float, work: Callable[[], Any]) -> Any:
    default = matching.SPECIFIC_SHARE
    matching.SPECIFIC_SHARE = value
    try:
        return work()
    finally:
        matching.SPECIFIC_SHARE = default


def withdrawn(ids: list[int], author: Any, reviewer: Any, work: Callable[[], Any]) -> Any:
    """``work()`` with the postings ``ids`` withdrawn (through the services), republished after."""
    author, reviewer = db.session.merge(author), db.session.merge(reviewer)
    for pid in ids:
        postings.withdraw_posting(db.session.get(Posting, pid), actor=author)
    db.session.commit()
    try:
        return work()
    finally:
        author, reviewer = db.session.merge(author), db.session.merge(reviewer)
        for pid in ids:
            posting = db.session.get(Posting, pid)
            postings.submit_posting(posting, actor=author)
            postings.publish_posting(posting, actor=reviewer)
        db.session.commit()


# ---------------------------------------------------------------------------- figures


def rank(correct: set[str], keys: list[str]) -> int:
    return next((i + 1 for i, k in enumerate(keys) if k in correct), 0)


def scores(ranks: list[int]) -> tuple[float, float, float]:
    n = max(len(ranks), 1)
    return (
        sum(1 / r for r in ranks if r) / n,
        sum(1 for r in ranks if r == 1) / n,
        sum(1 for r in ranks if r) / n,
    )


def single_share(pages: list[Shown]) -> tuple[float, int]:
    counts = [t for p in pages for t in p.terms]
    return (sum(1 for t in counts if t <= 1) / len(counts) if counts else 0.0), len(counts)


def row(name: str, ranks: list[int], parts: list[list[int]], *, split: bool = False) -> str:
    mrr, hit1, hit10 = scores(ranks)
    fold = [scores([ranks[i] for i in part]) for part in parts]
    text = (
        f"| {name} | {mrr:.3f} | {hit1:.3f} | {hit10:.3f} | {min(f[0] for f in fold):.3f}–{max(f[0] for f in fold):.3f}"
        f" | {min(f[2] for f in fold):.3f}–{max(f[2] for f in fold):.3f} |"
    )
    if split:
        old, new = scores(ranks[:OLD]), scores(ranks[OLD:])
        text += f" {old[0]:.3f} / {old[2]:.3f} | {new[0]:.3f} / {new[2]:.3f} |"
    return text


def header(split: bool = False) -> str:
    head = "| method | MRR@10 | Hit@1 | Hit@10 | fold MRR min–max | fold Hit@10 min–max |"
    line = "|---|---|---|---|---|---|"
    if split:
        head += f" first {OLD} MRR / Hit@10 | rest MRR / Hit@10 |"
        line += "---|---|"
    return head + "\n" + line


def by_fold(name: str, ranks: list[int], parts: list[list[int]]) -> str:
    return f"| {name} | " + " | ".join(f"{scores([ranks[i] for i in part])[0]:.3f}" for part in parts) + " |"


@dataclass
class Direction:
    """One direction's pages per threshold value: ``pages[value][i]`` for asking posting ``i``;
    ``empty[value][i]`` for the sampled ones with their answers withdrawn."""

    correct: list[set[str]]
    parts: list[list[int]]
    pages: dict[float, dict[int, Shown]] = field(default_factory=dict)
    empty: dict[float, dict[int, Shown]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    references: dict[str, list[int]] = field(default_factory=dict)  # BM25's rank of an answer

    def dump(self) -> dict[str, Any]:
        return {
            "correct": [sorted(c) for c in self.correct],
            "parts": self.parts,
            "references": self.references,
            "pages": {str(v): {str(i): p.raw for i, p in pages.items()} for v, pages in self.pages.items()},
            "empty": {str(v): {str(i): p.raw for i, p in pages.items()} for v, pages in self.empty.items()},
        }

    def ranks(self, value: float) -> list[int]:
        return [rank(c, self.pages[value][i].keys) for i, c in enumerate(self.correct)]

    def measures(self, value: float, members: list[int]) -> tuple[float, float, float, float]:
        """MRR@10, Hit@10, single-term share, no-partner rate over the asking postings ``members``."""
        ranks = [rank(self.correct[i], self.pages[value][i].keys) for i in members]
        mrr, _, hit10 = scores(ranks)
        single, _ = single_share([self.pages[value][i] for i in members])
        sampled = [self.empty[value][i] for i in members if i in self.empty.get(value, {})]
        no_partner = sum(1 for p in sampled if p.keys) / len(sampled) if sampled else 0.0
        return mrr, hit10, single, no_partner


def choose(directions: list[Direction], fold: int, shares: tuple[float, ...]) -> float:
    """The threshold chosen without fold ``fold``: among values whose training single-term share is
    at most 5 % and whose training Hit@10 is within 0.01 of the best value's, in every direction,
    the one with the lowest training no-partner rate (ties: the looser value)."""
    feasible = []
    for value in shares:
        ok, penalty = True, 0.0
        for d in directions:
            train = [i for k, part in enumerate(d.parts) if k != fold for i in part]
            best = max(d.measures(v, train)[1] for v in shares)
            _, hit10, single, no_partner = d.measures(value, train)
            ok &= single <= 0.05 and hit10 >= best - 0.01
            penalty += no_partner
        if ok:
            feasible.append((penalty, -value))
    if not feasible:
        return max(shares)
    return -min(feasible)[1]


def report_direction(name: str, d: Direction, shares: tuple[float, ...], *, split: bool = False) -> None:
    print(f"\n#### {name}: by specificity threshold\n")
    print(header(split))
    for value in shares:
        print(row(f"share ≤ {value:g}", d.ranks(value), d.parts, split=split))
    print("\n| threshold | single-term share of shown (count) | no-partner rate (sample) | shown per page |")
    print("|---|---|---|---|")
    for value in shares:
        single, count = single_share(list(d.pages[value].values()))
        sampled = list(d.empty.get(value, {}).values())
        rate = sum(1 for p in sampled if p.keys) / len(sampled) if sampled else float("nan")
        print(
            f"| {value:g} | {single:.3f} ({count}) | {rate:.3f} ({len(sampled)}) | {count / len(d.correct):.1f} |"
        )


FLOORS = (8, 12, 16, 20, 25, 30)


def report_floors(directions: dict[str, Direction], value: float) -> None:
    """What pages would show if they hid pairs below each strength (threshold ``value``)."""
    print(f"\n#### the pages' strength floor (share ≤ {value:g})\n")
    print(
        "| direction | floor | MRR@10 | Hit@10 | fold Hit@10 min–max | single-term share | no-partner rate | shown per page |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, d in directions.items():
        if value not in d.pages:
            continue
        for floor in FLOORS:
            FLOOR[0] = floor
            everyone = [i for part in d.parts for i in part]
            mrr, hit10, single, no_partner = d.measures(value, everyone)
            folds_hit = [d.measures(value, part)[1] for part in d.parts]
            shown = sum(len(p.keys) for p in d.pages[value].values()) / len(d.correct)
            rate = f"{no_partner:.3f}" if d.empty.get(value) else "–"
            print(
                f"| {label} | {floor} | {mrr:.3f} | {hit10:.3f} | {min(folds_hit):.3f}–{max(folds_hit):.3f} | "
                f"{single:.3f} | {rate} | {shown:.1f} |"
            )
    FLOOR[0] = posting_queries.SHOWN_MIN_STRENGTH


def cross_validated(name: str, directions: dict[str, Direction], shares: tuple[float, ...]) -> None:
    """Each fold scored with the value chosen on the other folds."""
    first = next(iter(directions.values()))
    chosen = [choose(list(directions.values()), k, shares) for k in range(len(first.parts))]
    print(f"\n#### {name}: cross-validated threshold (per fold: {', '.join(f'{c:g}' for c in chosen)})\n")
    print(
        "| direction | MRR@10 | Hit@10 | fold MRR min–max | fold Hit@10 min–max | single-term share | no-partner rate |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, d in directions.items():
        per = [d.measures(chosen[k], part) for k, part in enumerate(d.parts)]
        ranks = [0] * len(d.correct)
        pages: list[Shown] = []
        sampled: list[Shown] = []
        for k, part in enumerate(d.parts):
            for i in part:
                ranks[i] = rank(d.correct[i], d.pages[chosen[k]][i].keys)
                pages.append(d.pages[chosen[k]][i])
                if i in d.empty.get(chosen[k], {}):
                    sampled.append(d.empty[chosen[k]][i])
        mrr, _, hit10 = scores(ranks)
        single, _ = single_share(pages)
        rate = sum(1 for p in sampled if p.keys) / len(sampled) if sampled else float("nan")
        print(
            f"| {label} | {mrr:.3f} | {hit10:.3f} | {min(p[0] for p in per):.3f}–{max(p[0] for p in per):.3f} | "
            f"{min(p[1] for p in per):.3f}–{max(p[1] for p in per):.3f} | {single:.3f} | {rate:.3f} |"
        )


# ---------------------------------------------------------------------------- R&D


def rd(shares: tuple[float, ...], sample: int) -> tuple[Direction, Direction]:
    corpus, needs = load(EVAL / "corpus_outcomes.jsonl"), load(EVAL / "needs_dev.jsonl")
    parts = folds(len(needs))
    forward = Direction([{n["paper_id"]} for n in needs], parts)
    backward = Direction([{n["paper_id"]} for n in needs], parts)  # keys: the need's paper id
    for value in shares:
        forward.pages[value], forward.empty[value], backward.pages[value] = {}, {}, {}
    with bench_app() as app:
        university = make_user("评测高校", OrgType.UNIVERSITY)
        asking = make_user("评测企业", OrgType.ENTERPRISE)
        others = make_user("评测其他企业", OrgType.ENTERPRISE)
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
        print(f"R&D: {len(corpus)} outcomes published in {load_time.seconds:.0f} s", flush=True)
        paper = {pid: r["id"] for pid, r in zip(ids, corpus, strict=True)}
        outcome_of = {r["id"]: pid for pid, r in zip(ids, corpus, strict=True)}
        for k, part in enumerate(parts):
            held_out = set(part)
            train = [need_item(n) for i, n in enumerate(needs) if i not in held_out]
            published = publish_many(
                db.session.merge(others), db.session.merge(bureau), PostingKind.RD_NEED, train
            )
            for value in shares:
                for i in part:
                    shown, ms = with_share(
                        value, lambda i=i: ask(app, PostingKind.RD_NEED, need_item(needs[i]), asking, paper)
                    )
                    forward.pages[value][i] = shown
                    if value == shares[-1]:
                        forward.latencies.append(ms)
            for i in part[:sample]:
                gold = outcome_of[needs[i]["paper_id"]]

                def asked(i: int = i) -> None:
                    for value in shares:
                        forward.empty[value][i] = with_share(
                            value,
                            lambda: ask(app, PostingKind.RD_NEED, need_item(needs[i]), asking, paper)[0],
                        )

                withdrawn([gold], university, bureau, asked)
            author = db.session.merge(others)
            for posting_id in published:
                postings.withdraw_posting(db.session.get(Posting, posting_id), actor=author)
            db.session.commit()
            print(f"  fold {k + 1} done", flush=True)
        # outcome → need: every need published, each answering outcome asks
        published = publish_many(
            db.session.merge(others), db.session.merge(bureau), PostingKind.RD_NEED, map(need_item, needs)
        )
        need_key = {pid: n["paper_id"] for pid, n in zip(published, needs, strict=True)}
        for value in shares:
            for i, need in enumerate(needs):
                backward.pages[value][i] = with_share(
                    value, lambda need=need: shown_of(app, outcome_of[need["paper_id"]], university, need_key)
                )
    report_rd(corpus, needs, parts, forward, backward, shares)
    return forward, backward


def need_item(need: dict) -> dict:
    return {"title": need["need_title"][:120], "description": need["need_description"]}


def report_rd(
    corpus: list[dict],
    needs: list[dict],
    parts: list[list[int]],
    forward: Direction,
    backward: Direction,
    shares: tuple,
) -> None:
    gold = [n["paper_id"] for n in needs]
    documents = [
        " ".join([outcome_title(r), " ".join(k for k in r["keywords"] if k), r["abstract"]]) for r in corpus
    ]
    queries = [n["need_title"][:120] + " " + n["need_description"] for n in needs]
    print("\n### need → outcome (270 needs, 4,367 outcomes)\n")
    print(header(split=True))
    references = []
    for name, tokens in REFERENCES:
        index = BM25(documents, tokens)
        ranks = [
            rank({g}, [corpus[d]["id"] for d in index.top(q)]) for g, q in zip(gold, queries, strict=True)
        ]
        references.append((name, ranks))
        forward.references[name] = ranks
        print(row(name, ranks, parts, split=True))
    for value in shares:
        print(row(f"matchmaker, share ≤ {value:g}", forward.ranks(value), parts, split=True))
    print("\n| method | " + " | ".join(f"fold {k + 1}" for k in range(len(parts))) + " |")
    print("|---|" + "---|" * len(parts))
    for name, ranks in references:
        print(by_fold(name, ranks, parts))
    for value in shares:
        print(by_fold(f"matchmaker, share ≤ {value:g}", forward.ranks(value), parts))
    print(
        f"\nlatency over {len(forward.latencies)} asks: p50 {percentile(forward.latencies, 0.5):.0f} ms, "
        f"p95 {percentile(forward.latencies, 0.95):.0f} ms"
    )
    report_direction("need → outcome", forward, shares, split=True)
    # outcome → need
    need_docs = queries
    outcome_text = {
        r["id"]: " ".join([outcome_title(r), " ".join(k for k in r["keywords"] if k), r["abstract"]])
        for r in corpus
    }
    print("\n### outcome → need (each answering outcome; 270 needs published)\n")
    print(header())
    for name, tokens in REFERENCES:
        index = BM25(need_docs, tokens)
        ranks = [rank({g}, [gold[d] for d in index.top(outcome_text[g])]) for g in gold]
        backward.references[name] = ranks
        print(row(name, ranks, parts))
    for value in shares:
        print(row(f"matchmaker, share ≤ {value:g}", backward.ranks(value), parts))
    report_direction("outcome → need", backward, shares)


# ---------------------------------------------------------------------------- supply


def with_bonus(value: float, work: Callable[[], Any]) -> Any:
    default = matching.SPEC_BONUS
    matching.SPEC_BONUS = value
    try:
        return work()
    finally:
        matching.SPEC_BONUS = default


def characters(text: str) -> list[str]:
    """Bigrams of every character (Latin letters and digits one by one), punctuation and spaces
    dropped: the README's reference, which is stronger on this text than ``bigrams``."""
    text = re.sub(r"[\W_]", "", unicodedata.normalize("NFKC", text).lower())
    return [text[i : i + 2] for i in range(len(text) - 1)]


def supply(
    shares: tuple[float, ...], sample: int, bonuses: tuple[float, ...] = (), bonus_share: float | None = None
) -> Direction:
    bonus_share = matching.SPECIFIC_SHARE if bonus_share is None else bonus_share
    offers, needs = load(SUPPLY / "offers.jsonl"), load(SUPPLY / "needs_dev.jsonl")
    parts = folds(len(needs))
    d = Direction([{n["gold"], *n["also_ok"]} for n in needs], parts)
    bonused: dict[float, dict[int, Shown]] = {}
    for value in shares:
        d.pages[value], d.empty[value] = {}, {}
    with bench_app() as app:
        supplier = make_user("评测供应商", OrgType.ENTERPRISE)
        asking = make_user("评测采购企业", OrgType.ENTERPRISE)
        others = make_user("评测其他采购企业", OrgType.ENTERPRISE)
        bureau = make_user("评测主管部门", OrgType.BUREAU)
        items = (
            {
                "title": o["title"][:120],
                "description": o["description"],
                "keywords": [k[:20] for k in o["keywords"] if k][: postings.MAX_KEYWORDS],
            }
            for o in offers
        )
        ids = publish_many(supplier, bureau, PostingKind.SUPPLY_OFFER, items)
        key = {pid: o["id"] for pid, o in zip(ids, offers, strict=True)}
        offer_of = {o["id"]: pid for pid, o in zip(ids, offers, strict=True)}
        for part in parts:
            held_out = set(part)
            train = [supply_item(n) for i, n in enumerate(needs) if i not in held_out]
            published = publish_many(
                db.session.merge(others), db.session.merge(bureau), PostingKind.SUPPLY_NEED, train
            )
            for bonus in bonuses:
                for i in part:
                    bonused.setdefault(bonus, {})[i] = with_share(
                        bonus_share,
                        lambda i=i, bonus=bonus: with_bonus(
                            bonus,
                            lambda: ask(app, PostingKind.SUPPLY_NEED, supply_item(needs[i]), asking, key)[0],
                        ),
                    )
            for value in shares:
                for i in part:
                    shown, ms = with_share(
                        value,
                        lambda i=i: ask(app, PostingKind.SUPPLY_NEED, supply_item(needs[i]), asking, key),
                    )
                    d.pages[value][i] = shown
                    if value == shares[-1]:
                        d.latencies.append(ms)
            for i in part[:sample]:
                answers = [offer_of[o] for o in d.correct[i]]

                def asked(i: int = i) -> None:
                    for value in shares:
                        d.empty[value][i] = with_share(
                            value,
                            lambda: ask(app, PostingKind.SUPPLY_NEED, supply_item(needs[i]), asking, key)[0],
                        )

                withdrawn(answers, supplier, bureau, asked)
            author = db.session.merge(others)
            for posting_id in published:
                postings.withdraw_posting(db.session.get(Posting, posting_id), actor=author)
            db.session.commit()
    print("\n### supply need → offer (150 needs, 600 offers; gold or also_ok)\n")
    print(header())
    references = []
    for name, tokens in [
        ("BM25 + character bigrams, Latin/digit words as units", bigrams),
        ("BM25 + bigrams of every character (README)", characters),
    ]:
        index = BM25([o["title"] + " " + o["description"] for o in offers], tokens)
        ranks = [
            rank(d.correct[i], [offers[j]["id"] for j in index.top(n["title"] + " " + n["description"])])
            for i, n in enumerate(needs)
        ]
        references.append((name, ranks))
        d.references[name] = ranks
        print(row(name, ranks, parts))
    for value in shares:
        print(row(f"matchmaker, share ≤ {value:g}", d.ranks(value), parts))
    for bonus, pages in bonused.items():
        print(
            row(
                f"matchmaker, specification bonus {bonus:g}",
                [rank(c, pages[i].keys) for i, c in enumerate(d.correct)],
                parts,
            )
        )
    print("\n| method | " + " | ".join(f"fold {k + 1}" for k in range(len(parts))) + " |")
    print("|---|" + "---|" * len(parts))
    for name, ranks in references:
        print(by_fold(name, ranks, parts))
    for value in shares:
        print(by_fold(f"matchmaker, share ≤ {value:g}", d.ranks(value), parts))
    for bonus, pages in bonused.items():
        print(
            by_fold(
                f"matchmaker, bonus {bonus:g}",
                [rank(c, pages[i].keys) for i, c in enumerate(d.correct)],
                parts,
            )
        )
    if bonused:
        chosen = []
        for k in range(len(parts)):
            train = [i for j, part in enumerate(parts) if j != k for i in part]
            chosen.append(
                max(
                    bonused,
                    key=lambda b: (scores([rank(d.correct[i], bonused[b][i].keys) for i in train])[0], -b),
                )
            )
        cv = [0] * len(needs)
        for k, part in enumerate(parts):
            for i in part:
                cv[i] = rank(d.correct[i], bonused[chosen[k]][i].keys)
        print(f"\nbonus chosen on the other folds: {', '.join(f'{c:g}' for c in chosen)}")
        print(row("matchmaker, cross-validated bonus", cv, parts))
        best = [max(scores([r[i] for i in part])[0] for _, r in references) for part in parts]
        ahead = sum(scores([cv[i] for i in part])[0] > b for part, b in zip(parts, best, strict=True))
        print(f"ahead of the best reference on {ahead} of {len(parts)} folds")
    shown_pages = d.pages.get(matching.SPECIFIC_SHARE, d.pages[shares[-1]])
    with_specs = [p for page in shown_pages.values() for p in page.specs]
    print(
        f"\nshown proposals with at least one agreeing specification: "
        f"{sum(1 for s in with_specs if s)} of {len(with_specs)}"
    )
    print(
        f"latency over {len(d.latencies)} asks: p50 {percentile(d.latencies, 0.5):.0f} ms, "
        f"p95 {percentile(d.latencies, 0.95):.0f} ms"
    )
    report_direction("supply need → offer", d, shares)
    return d


def supply_item(need: dict) -> dict:
    return {"title": need["title"][:120], "description": need["description"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["rd", "supply"])
    parser.add_argument(
        "--sample", type=int, default=15, help="needs per fold asked with their answers withdrawn"
    )
    parser.add_argument("--bonuses", type=float, nargs="*", default=[0.0, 0.1])
    parser.add_argument(
        "--rare-share", type=float, help="share of postings under which one word carries a pair"
    )
    parser.add_argument(
        "--bonus-share", type=float, help="the specificity threshold the bonuses are tried at"
    )
    parser.add_argument("--shares", type=float, nargs="*", default=list(SHARES))
    parser.add_argument("--raw", type=Path, help="keep every candidate, rule or not, in this JSON file")
    args = parser.parse_args()
    shares = tuple(args.shares)
    if args.raw:
        record_everything()
    if args.rare_share is not None:
        matching.RARE_SHARE = args.rare_share
    directions: dict[str, Direction] = {}
    if args.only in (None, "supply"):
        directions["supply need → offer"] = supply(shares, args.sample, tuple(args.bonuses), args.bonus_share)
    if args.only in (None, "rd"):
        forward, backward = rd(shares, args.sample)
        directions["need → outcome"] = forward
        directions["outcome → need"] = backward
    if args.raw:
        args.raw.write_text(json.dumps({k: d.dump() for k, d in directions.items()}, ensure_ascii=False))
    cross_validated("all directions", directions, shares)
    for value in shares:
        report_floors(directions, value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
