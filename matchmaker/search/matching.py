"""Match proposals: for a posting, the best complementary postings, a 0–100 strength, and why.

The character view (grams.py) ranks; SQL then applies visibility, so what a user is shown is what
they may read (the caller's part). A candidate is kept only when the pair is *convincing*: at
least two specific shared terms, or one specific term of four characters or more, or one specific
term when the view ranks the candidate first of all (``convincing``), where a word is specific when
few postings of either kind of the pair use it (learned from the postings; before enough are
indexed, the generic.txt prior stands in); an agreeing specification (specs.py) counts as a term,
a clearly conflicting one (capacity, machine size) rules the pair out. Generic words add to a
pair's strength and chips but never carry it. Candidates are ordered by the view's score, raised
for each specification that agrees and each specific term the pair stands on. The strength is a
property of the pair, the same whichever side looks. Method and figures: docs/SEARCH.md and
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from matchmaker.core import deadline
from matchmaker.postings.values import PostingKind
from matchmaker.search import specs
from matchmaker.search.analysis import generic_words, is_evidence_word, segment, stop_words
from matchmaker.search.engine import IndexStore
from matchmaker.search.grams import CharacterView
from matchmaker.search.segments import KINDS, gram_keys, word_grams

CANDIDATES = 40

# What makes a shared word *specific*, learned from the postings (docs/SEARCH.md, "Evidence"): at
# most this share of the postings of either kind of the pair use it. Chosen by cross-validation
# (bench/match_directions.py, docs/PERFORMANCE.md).
SPECIFIC_SHARE = 0.2  # (or FEW postings, where that is more)
LEARNED_MIN = 30  # postings of each kind of a pair before specificity is learned from them
FEW = 2  # postings of a kind that may use a specific word however small the platform
RARE_SHARE = 0.01  # a word this rare on both sides is *rare*
# When one specific term may carry a proposal alone (chosen by cross-validation over the three
# directions' folds, bench/evidence_rules.py; docs/PERFORMANCE.md):
SINGLE_FIRST = True  # the character view ranks the candidate first of all, and
FIRST_SHARE = 0.05  # at most this share of either side's postings use the term (a judgment: 检测)
SINGLE_RARE = False  # the term is rare (RARE_SHARE)
SINGLE_LONG = 4  # the term has this many characters or more (0: length alone never does)
SINGLE_FLOOR = 8  # and, for a rare or long term, the pair strength is at least this


STRONG_PAIR = 0.35  # share of each side's evidence in common that reads as 100 (docs/SEARCH.md)
CHIPS = 8
SPEC_BONUS = 0.1  # added to the cosine for each agreeing specification (chosen by cross-validation)
TERM_BONUS = 0.1  # the score times 1 + this for each specific term or specification a pair stands on
SPEC_WEIGHT = 0.05  # what an agreeing specification adds to the shared share (5 % reads as 14)


@dataclass(frozen=True)
class Candidate:
    """A proposed counterpart as the index sees it: which posting, how relevant to the one
    asked about, how strong the pair is (0–100, the same from both sides) and the words they share,
    longest and most telling first."""

    posting_id: int
    score: float
    strength: int
    words: tuple[str, ...]
    carrying: tuple[str, ...] = ()  # the specific shared terms the proposal stands on
    specs: tuple[str, ...] = ()  # specifications both state and that agree (±0.02mm, SUS304 …)
    rare: bool = False  # its first carrying term is rare on both sides (RARE_SHARE)
    share: float = 1.0  # the larger share of either side's postings that use that term (1: unknown)


def posting_text(posting: Any) -> str:
    return " ".join([posting.title, " ".join(posting.keywords or []), posting.description])


def weighted_words(posting: Any) -> dict[str, float]:
    """Search-mode words of the posting (stop words out), weighted 1 + ln(count)."""
    return _weighted_words(posting_text(posting))


@lru_cache(maxsize=4096)  # the same counterparts recur across pages; texts are immutable strings
def _weighted_words(text: str) -> dict[str, float]:
    stops = stop_words()
    counts = Counter(w.lower() for w, *_ in segment(text, search_mode=True) if w.lower() not in stops)
    return {t: 1.0 + math.log(n) for t, n in counts.items()}


NEEDS = {PostingKind.RD_NEED.value, PostingKind.SUPPLY_NEED.value}  # the asking side of a pair
NO_AGREEMENT = specs.Agreement((), None)


class Judge:
    """Decides whether a pair is convincing, from one searcher's postings: which shared words are
    specific (used by at most SPECIFIC_SHARE of the postings of either kind of the pair, counted in
    the character view), which specifications agree or conflict (specs.py), and the strength."""

    def __init__(self, searcher: Searcher, view: CharacterView) -> None:
        self.searcher = searcher
        self.view = view
        self.shares: dict[str, np.ndarray] = {}  # postings of each kind using a word

    def learned(self, a: str, b: str) -> bool:
        counted = self.view.counted
        return min(counted[KINDS.get(a, 0)], counted[KINDS.get(b, 0)]) >= LEARNED_MIN

    def _share(self, words: list[str]) -> None:
        """Per kind, how many postings use each word: those using the rarest of its character pairs
        (its unit if it has one unit), an upper bound on how many use the word itself."""
        todo = [w for w in words if w not in self.shares]
        if not todo:
            return
        spans: list[tuple[int, int]] = []
        flat: list[str] = []
        for word in todo:
            chosen = word_grams(word)
            spans.append((len(flat), len(flat) + len(chosen)))
            flat += chosen
        df = self.view.df(gram_keys(flat)) if flat else None
        for word, (a, b) in zip(todo, spans, strict=True):
            self.shares[word] = df[a:b].min(axis=0) if df is not None and b > a else np.zeros(len(KINDS))

    def specific(self, words: list[str], a: str, b: str) -> list[str]:
        """The words (in order) specific to a pair of kinds ``a`` and ``b``."""
        if not self.learned(a, b):
            generic = generic_words()
            return [w for w in words if w not in generic]
        self._share(words)
        limit = self._limits(a, b, SPECIFIC_SHARE, FEW)
        return [w for w in words if self._within(w, a, b, limit)]

    def _limits(self, a: str, b: str, share: float, few: int) -> tuple[float, float]:
        counted = self.view.counted
        return max(share * counted[KINDS.get(a, 0)], few), max(share * counted[KINDS.get(b, 0)], few)

    def _within(self, word: str, a: str, b: str, limit: tuple[float, float]) -> bool:
        df = self.shares[word]
        return bool(df[KINDS.get(a, 0)] <= limit[0] and df[KINDS.get(b, 0)] <= limit[1])

    def rare(self, words: list[str], a: str, b: str) -> bool:
        """Whether all ``words`` are used by at most RARE_SHARE of the postings of either kind
        (never before the shares are learned)."""
        if not words or not self.learned(a, b):
            return False
        self._share(words)
        limit = self._limits(a, b, RARE_SHARE, 1)
        return all(self._within(w, a, b, limit) for w in words)

    def share(self, word: str, a: str, b: str) -> float:
        """The larger share of the postings of kind ``a`` or ``b`` that use ``word`` (1 before the
        shares are learned)."""
        if not self.learned(a, b):
            return 1.0
        self._share([word])
        counted, df = self.view.counted, self.shares[word]
        ka, kb = KINDS.get(a, 0), KINDS.get(b, 0)
        return float(max(df[ka] / counted[ka], df[kb] / counted[kb]))

    def pair(
        self,
        a: str,
        ours: dict[str, float],
        our_text: str,
        b: str,
        theirs: dict[str, float],
        their_text: str,
        first: bool = False,
    ) -> Candidate | None:
        """The pair's strength and evidence (with posting id and score left 0), or None when it is
        not convincing or a specification rules it out. The same whichever side is ``a``."""
        shared = ours.keys() & theirs.keys()
        asked, offered = (our_text, their_text) if a in NEEDS or b not in NEEDS else (their_text, our_text)
        stated = specs.extract(asked)  # a need that states nothing needs no reading of the offer
        agreement = specs.compare(stated, specs.extract(offered)) if stated else NO_AGREEMENT
        if agreement.conflict:
            return None
        ordered = sorted(shared, key=lambda t: (-(ours[t] * theirs[t]), t))
        carrying = longest_words(self.specific(ordered, a, b))
        labels = {c.lower() for c in carrying}
        agreed = tuple(x for x in agreement.agreed if x.lower() not in labels)
        rare = self.rare(carrying[:1], a, b)
        share = self.share(carrying[0], a, b) if len(carrying) == 1 else 1.0
        strength = pair_strength(ours, theirs, len(agreed))
        if not convincing(carrying, agreed, rare, strength, first and share <= FIRST_SHARE):
            return None
        words = longest_words(carrying + [w for w in ordered if w not in carrying])
        return Candidate(
            0, 0.0, strength, tuple(words[:CHIPS]), tuple(carrying), agreement.agreed, rare, share
        )


def convincing(
    carrying: list[str], agreed: tuple[str, ...], rare: bool = False, strength: int = 100, first: bool = False
) -> bool:
    """At least two specific terms (a specification that agrees is one); or one specific term,
    shown with its passage, when the character view ranks the candidate first and the term is used
    by at most FIRST_SHARE of either side's postings (``first``, SINGLE_FIRST), or
    the term is rare (SINGLE_RARE) or long (SINGLE_LONG) and the pair strong enough
    (SINGLE_FLOOR). Generic words add to a pair's strength but never carry it."""
    if len(carrying) + len(agreed) >= 2:
        return True
    if len(carrying) != 1:
        return False
    if SINGLE_FIRST and first:
        return True
    if strength < SINGLE_FLOOR:
        return False
    return (SINGLE_RARE and rare) or (SINGLE_LONG > 0 and len(carrying[0]) >= SINGLE_LONG)


def grounds(candidate: Candidate) -> int:
    """How many distinct specific terms and agreeing specifications a pair stands on."""
    return len({w.lower() for w in candidate.carrying} | {s.lower() for s in candidate.specs})


def candidates(store: IndexStore, posting: Any) -> list[Candidate]:
    """Up to CANDIDATES complementary postings of other organisations that make a convincing pair
    with ``posting``, most relevant to it first (the character view, grams.py). Who may see them
    is decided by the caller, in SQL."""
    searcher = store.searcher()
    text = posting_text(posting)
    ours = _evidence(_weighted_words(text), searcher)
    if not ours and not specs.extract(text):
        return []  # nothing but numbers and single characters to share
    kind = PostingKind(posting.kind)
    view = CharacterView(searcher, scope=store.scope())
    ranked = view.rank(
        text,
        asking=kind.value,
        answering=[k.value for k in kind.complements],
        besides_org=int(posting.organization_id or 0),
        limit=CANDIDATES,
    )
    judge = Judge(searcher, view)
    found: list[Candidate] = []
    for position, hit in enumerate(ranked):
        deadline.check()  # a safe point to stop a request past its time (deadline.py)
        doc = searcher.stored_fields(hit.docnum)
        their_text = " ".join([doc["title"], doc["keywords"], doc["body"]])
        theirs = _evidence(_weighted_words(their_text), searcher)
        verdict = judge.pair(kind.value, ours, text, doc["kind"], theirs, their_text, first=position == 0)
        if verdict is None:
            continue  # similar characters, but nothing a user would accept as evidence
        score = (hit.score + SPEC_BONUS * len(verdict.specs)) * (1 + TERM_BONUS * grounds(verdict))
        found.append(replace(verdict, posting_id=hit.posting_id, score=score))
    found.sort(key=lambda c: -c.score)  # stable: the view's order among equals
    return found


def between(store: IndexStore, a: Any, b: Any) -> Candidate:
    """The evidence for any two postings (a pairing's page): strength and shared words, as
    ``candidates`` would give them, whether or not one was proposed for the other; strength 0
    when the pair is not convincing."""
    searcher = store.searcher()
    judge = Judge(searcher, CharacterView(searcher, scope=store.scope()))
    text_a, text_b = posting_text(a), posting_text(b)
    ours = _evidence(_weighted_words(text_a), searcher)
    theirs = _evidence(_weighted_words(text_b), searcher)
    # A pair people have made stands on one specific term too, as it may have when it was proposed.
    verdict = judge.pair(
        PostingKind(a.kind).value, ours, text_a, PostingKind(b.kind).value, theirs, text_b, first=True
    )
    if verdict is None:
        shared = ours.keys() & theirs.keys()
        words = longest_words(sorted(shared, key=lambda t: -(ours[t] * theirs[t])))
        return Candidate(b.id, 0.0, 0, tuple(words[:CHIPS]))
    return replace(verdict, posting_id=b.id)


def strengths(store: IndexStore, pairs: list[tuple[Any, Any]]) -> list[int]:
    """The pair strength of many pairs of postings at once (an event's participants), 0 for a pair
    that is not convincing: each posting's evidence is computed once, so n postings cost n
    segmentations, not n²."""
    searcher = store.searcher()
    judge = Judge(searcher, CharacterView(searcher, scope=store.scope()))
    known: dict[int, dict[str, float]] = {}

    def evidence(posting: Any) -> dict[str, float]:
        if posting.id not in known:
            deadline.check()
            known[posting.id] = _evidence(_weighted_words(posting_text(posting)), searcher)
        return known[posting.id]

    result = []
    for a, b in pairs:
        verdict = judge.pair(
            PostingKind(a.kind).value,
            evidence(a),
            posting_text(a),
            PostingKind(b.kind).value,
            evidence(b),
            posting_text(b),
        )
        result.append(verdict.strength if verdict else 0)
    return result


_IDF: weakref.WeakKeyDictionary[Searcher, dict[str, float]] = weakref.WeakKeyDictionary()


def _idf(searcher: Searcher) -> dict[str, float]:
    """A word's idf in the body field, remembered for as long as this (per-thread) searcher lives:
    a proposal looks up the same few hundred words for forty candidates, over every segment."""
    known = _IDF.get(searcher)
    if known is None:
        known = _IDF[searcher] = {}
    return known


def _evidence(words: dict[str, float], searcher: Searcher) -> dict[str, float]:
    known = _idf(searcher)
    evidence = {}
    for t, w in words.items():
        if is_evidence_word(t):
            idf = known.get(t)
            if idf is None:
                idf = known[t] = searcher.idf("body", t)
            evidence[t] = w * idf
    return evidence


def evidence_vector(posting: Any, searcher: Searcher) -> dict[str, float]:
    """The posting's evidence words (no numbers or single characters), weighted (1 + ln tf) × idf:
    the same for a posting whichever side of a pair it is on."""
    return _evidence(weighted_words(posting), searcher)


def pair_strength(ours: dict[str, float], theirs: dict[str, float], agreed: int = 0) -> int:
    """0–100 for a pair, the same from both sides: the geometric mean of the two shares of
    evidence weight the postings have in common (how much of each one's specific vocabulary the
    other shares), read against STRONG_PAIR."""
    shared = ours.keys() & theirs.keys()
    mass_ours, mass_theirs = sum(ours.values()), sum(theirs.values())
    if not shared or not mass_ours or not mass_theirs:
        return max(0, min(100, round(100 * SPEC_WEIGHT * agreed / STRONG_PAIR)))
    coverage = math.sqrt(
        sum(ours[t] for t in shared) / mass_ours * sum(theirs[t] for t in shared) / mass_theirs
    )
    coverage += SPEC_WEIGHT * agreed  # each agreeing specification not already a shared word
    return max(1, min(100, round(100 * coverage / STRONG_PAIR)))


def longest_words(words: list[str]) -> list[str]:
    """The words, in order, without any that is part of a longer one in the list (变电 and 电站
    go when 变电站 is there)."""
    return [w for w in words if not any(w != other and w in other for other in words)]
