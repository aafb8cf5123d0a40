"""Evidence rules compared on the same pages, chosen by cross-validation.

`bench.match_directions --raw FILE` keeps every candidate the character view reads for every asking
posting (convincing or not, with its view score, pair strength, how many distinct specific terms
and agreeing specifications it stands on, whether its one term is rare). This script replays
candidate rules over those pages — which candidates a page would show — and scores each direction
exactly as match_directions does: MRR@10, Hit@10 (fold spread), the single-term share of shown
proposals and the no-partner rate (pages asked with the answer withdrawn that still show
something). Parameters are chosen per fold on the other four folds only.

Run:  .venv/bin/python -m bench.evidence_rules FILE [FILE …]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY, SCORE, STRENGTH, TERMS, SPECS, RARE, CARRYING, SHARE, POSITION = range(9)


@dataclass(frozen=True)
class Rule:
    """A page shows a candidate when its strength is at least ``floor`` and it stands on two
    specific terms (an agreeing specification is one), or on one term that is rare (``rare``) or
    long (``long`` characters or more, 0: never) with strength at least ``single_floor``."""

    floor: int = 8
    rare: bool = True
    long: int = 0
    single_floor: int = 8
    term_bonus: float = 0.0  # the score times 1 + this for each term it stands on (pages re-sorted)
    cap: int = 5  # terms counted for the bonus at most
    first: bool = False  # one specific term also carries the view's first-ranked candidate
    first_share: float = 1.0  # when at most this share of either side's postings use it

    def shows(self, c: list[Any]) -> bool:
        if c[STRENGTH] < self.floor:
            return False
        if c[TERMS] >= 2:
            return True
        if c[TERMS] != 1 or not c[CARRYING]:
            return False
        if self.first and c[POSITION] == 0 and c[SHARE] <= self.first_share:
            return True
        if c[STRENGTH] < self.single_floor:
            return False
        return (self.rare and c[RARE]) or (self.long > 0 and len(c[CARRYING][0]) >= self.long)

    def label(self) -> str:
        one = []
        if self.rare:
            one.append("rare")
        if self.long:
            one.append(f"≥{self.long} chars")
        if self.first:
            one.insert(0, f"the view's first (share ≤ {self.first_share:g})")
        single = ("one " + " or ".join(one) + f" term at ≥{self.single_floor}") if one else "no single term"
        bonus = f"term bonus {self.term_bonus:g} up to {self.cap} terms"
        return f"floor {self.floor}, {single}, {bonus}"


CURRENT = Rule()


def page(rule: Rule, cands: list[list[Any]]) -> list[list[Any]]:
    shown = [c for c in cands if rule.shows(c)]
    if rule.term_bonus:
        shown.sort(key=lambda c: -c[SCORE] * (1 + rule.term_bonus * min(c[TERMS], rule.cap)))
    return shown[:10]


@dataclass
class Direction:
    name: str
    correct: list[set[str]]
    parts: list[list[int]]
    pages: dict[int, list[list[Any]]]
    empty: dict[int, list[list[Any]]]
    references: dict[str, list[int]]

    def measures(self, rule: Rule, members: list[int]) -> dict[str, float]:
        ranks, singles, shown, sampled, still = [], 0, 0, 0, 0
        for i in members:
            p = page(rule, self.pages[i])
            ranks.append(next((r + 1 for r, c in enumerate(p) if c[KEY] in self.correct[i]), 0))
            singles += sum(1 for c in p if c[TERMS] <= 1)
            shown += len(p)
            if i in self.empty:
                sampled += 1
                still += bool(page(rule, self.empty[i]))
        n = max(len(members), 1)
        return {
            "mrr": sum(1 / r for r in ranks if r) / n,
            "hit10": sum(1 for r in ranks if r) / n,
            "hits": sum(1 for r in ranks if r),
            "single": singles / shown if shown else 0.0,
            "no_partner": still / sampled if sampled else float("nan"),
            "sampled": sampled,
            "per_page": shown / n,
        }


def _complete(cands: list[list[Any]]) -> list[list[Any]]:
    """Files kept before the term's share and the view's position were recorded: the position is
    the order kept (the view's, raised by agreeing specifications), the share unknown (0)."""
    return [c if len(c) > POSITION else [*c, 0.0, n] for n, c in enumerate(cands)]


def load(paths: list[Path]) -> list[Direction]:
    found = []
    for path in paths:
        for name, d in json.loads(path.read_text(encoding="utf-8")).items():
            value = next(iter(d["pages"]))
            found.append(
                Direction(
                    name,
                    [set(c) for c in d["correct"]],
                    d["parts"],
                    {int(i): _complete(p) for i, p in d["pages"][value].items()},
                    {int(i): _complete(p) for i, p in d.get("empty", {}).get(value, {}).items()},
                    d.get("references", {}),
                )
            )
    return found


BONUSES = [(0.0, 100)] + [(b, cap) for b in (0.05, 0.1, 0.15) for cap in (5, 100)]
FIRSTS = [(False, 1.0)] + [(True, share) for share in (0.02, 0.03, 0.05, 0.08, 1.0)]
RULES = [
    Rule(floor, rare, long, single, bonus, cap, first, first_share)
    for floor, rare, long, single, (bonus, cap), (first, first_share) in itertools.product(
        (8,), (True, False), (0, 3, 4), (8, 16), BONUSES, FIRSTS
    )
    if single >= floor and (rare or long)
] + [
    Rule(floor, False, 0, 100, bonus, cap, first, first_share)
    for floor in (8,)
    for bonus, cap in BONUSES
    for first, first_share in FIRSTS
]


def choose(directions: list[Direction], fold: int, rules: list[Rule]) -> Rule:
    """On the other folds (all folds when ``fold`` is -1): of the rules whose single-term share is at
    most 5 % in every direction, those whose Hit@10 is within 0.005 of the best of them in every
    direction; of those, the lowest summed no-partner rate, then the highest summed MRR@10 (the
    first rule wins ties). No rule meeting the share: the lowest share."""
    trains = [[i for k, part in enumerate(d.parts) if k != fold for i in part] for d in directions]
    measured = [[d.measures(r, t) for d, t in zip(directions, trains, strict=True)] for r in rules]
    feasible = [n for n, m in enumerate(measured) if all(x["single"] <= 0.05 for x in m)]
    if not feasible:
        return rules[min(range(len(rules)), key=lambda n: max(x["single"] for x in measured[n]))]
    best = [max(measured[n][k]["hit10"] for n in feasible) for k in range(len(directions))]
    scored = []
    for n in feasible:
        m = measured[n]
        ok = all(x["hit10"] >= b - 0.005 for x, b in zip(m, best, strict=True))
        no_partner = sum(x["no_partner"] for x in m if x["sampled"])
        scored.append((not ok, round(no_partner, 6), -sum(x["mrr"] for x in m), n))
    return rules[min(scored)[3]]


def report(directions: list[Direction], rule: Rule, title: str) -> None:
    print(f"\n#### {title}: {rule.label()}\n")
    print(
        "| direction | MRR@10 | Hit@10 | fold MRR | fold Hit@10 | single-term share | no-partner | a page |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for d in directions:
        everyone = [i for part in d.parts for i in part]
        m = d.measures(rule, everyone)
        folds = [d.measures(rule, part) for part in d.parts]
        print(
            f"| {d.name} | {m['mrr']:.3f} | {m['hit10']:.3f} ({m['hits']}) | "
            f"{min(f['mrr'] for f in folds):.3f}–{max(f['mrr'] for f in folds):.3f} | "
            f"{min(f['hit10'] for f in folds):.3f}–{max(f['hit10'] for f in folds):.3f} | "
            f"{m['single']:.3f} | {m['no_partner']:.3f} ({m['sampled']}) | {m['per_page']:.1f} |"
        )


OLD = 120  # the R&D set's first needs, on which the earlier ranking was tuned


def split(d: Direction, rule: Rule) -> None:
    """need → outcome on the first OLD needs and on the rest."""
    for name, members in (("first 120", list(range(OLD))), ("rest", list(range(OLD, len(d.correct))))):
        m = d.measures(rule, members)
        print(
            f"- {d.name}, {name}: MRR@10 {m['mrr']:.3f}, Hit@10 {m['hit10']:.3f} ({m['hits']} of {len(members)})"
        )


def reference_folds(d: Direction, rule: Rule) -> None:
    print(f"\n{d.name}, MRR@10 by fold:\n")
    print("| method | " + " | ".join(f"fold {k + 1}" for k in range(len(d.parts))) + " |")
    print("|---|" + "---|" * len(d.parts))
    for name, ranks in d.references.items():
        cells = [sum(1 / ranks[i] for i in part if ranks[i]) / len(part) for part in d.parts]
        print(f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    cells = [d.measures(rule, part)["mrr"] for part in d.parts]
    print(f"| matchmaker ({rule.label()}) | " + " | ".join(f"{c:.3f}" for c in cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args()
    directions = load(args.files)
    report(directions, CURRENT, "the rule before this comparison")
    report(
        directions, Rule(floor=0, rare=True, long=1, single_floor=0), "no rule (every candidate with a term)"
    )
    chosen = [choose(directions, k, RULES) for k in range(len(directions[0].parts))]
    print(
        "\nchosen on the other folds:\n"
        + "\n".join(f"- fold {k + 1}: {r.label()}" for k, r in enumerate(chosen))
    )
    print("\n#### cross-validated (each fold scored with the rule chosen without it)\n")
    print("| direction | MRR@10 | Hit@10 | fold MRR | fold Hit@10 | single-term share | no-partner |")
    print("|---|---|---|---|---|---|---|")
    for d in directions:
        per = [d.measures(chosen[k], part) for k, part in enumerate(d.parts)]
        n = sum(len(p) for p in d.parts)
        mrr = sum(m["mrr"] * len(p) for m, p in zip(per, d.parts, strict=True)) / n
        hits = sum(m["hits"] for m in per)
        shown = sum(m["per_page"] * len(p) for m, p in zip(per, d.parts, strict=True))
        single = sum(m["single"] * m["per_page"] * len(p) for m, p in zip(per, d.parts, strict=True)) / shown
        sampled = sum(m["sampled"] for m in per)
        still = sum(m["no_partner"] * m["sampled"] for m in per if m["sampled"])
        print(
            f"| {d.name} | {mrr:.3f} | {hits / n:.3f} ({hits}) | {min(m['mrr'] for m in per):.3f}–"
            f"{max(m['mrr'] for m in per):.3f} | {min(m['hit10'] for m in per):.3f}–{max(m['hit10'] for m in per):.3f}"
            f" | {single:.3f} | {still / sampled if sampled else float('nan'):.3f} |"
        )
    final = choose(directions, -1, RULES)
    report(directions, final, "chosen on all folds (what ships)")
    for d in directions:
        reference_folds(d, final)
    print()
    for d in directions:
        if d.name == "need → outcome":
            split(d, final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
