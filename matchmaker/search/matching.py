"""Match proposals: for a posting, the best complementary postings, a 0–100 strength, and why.

The posting's own text becomes a weighted query: jieba search-mode words, weight 1 + ln(tf),
minus the words that occur in more than 4% of the indexed postings (generic vocabulary that
only adds noise and long posting lists). Whoosh ranks by BM25F; SQL then applies visibility, so
what a user is shown is what they may read (the caller's part). A candidate needs real evidence (a
shared word that is no number, single character or generic process word); its strength is a
property of the pair, the same whichever side looks. Method and figures: docs/SEARCH.md and
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from whoosh.searching import Searcher

from matchmaker.core import deadline
from matchmaker.postings.values import PostingKind
from matchmaker.search.analysis import is_evidence, segment, stop_words
from matchmaker.search.engine import IndexStore
from matchmaker.search.grams import CharacterView

CANDIDATES = 40


STRONG_PAIR = 0.35  # share of each side's evidence in common that reads as 100 (docs/SEARCH.md)
CHIPS = 8


@dataclass(frozen=True)
class Candidate:
    """A proposed counterpart as the index sees it: which posting, how relevant to the one
    asked about, how strong the pair is (0–100, the same from both sides) and the words they share,
    longest and most telling first."""

    posting_id: int
    score: float
    strength: int
    words: tuple[str, ...]


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


def candidates(store: IndexStore, posting: Any) -> list[Candidate]:
    """Up to CANDIDATES complementary postings of other organisations that share real evidence
    with ``posting``, most relevant to it first (the character view, grams.py). Who may see them
    is decided by the caller, in SQL."""
    searcher = store.searcher()
    ours = _evidence(_weighted_words(posting_text(posting)), searcher)
    if not ours:
        return []  # nothing but numbers, single characters or generic words to share
    kind = PostingKind(posting.kind)
    ranked = CharacterView(searcher, scope=store.scope()).rank(
        posting_text(posting),
        asking=kind.value,
        answering=[k.value for k in kind.complements],
        besides_org=int(posting.organization_id or 0),
        limit=CANDIDATES,
    )
    found: list[Candidate] = []
    for hit in ranked:
        deadline.check()  # a safe point to stop a request past its time (deadline.py)
        doc = searcher.stored_fields(hit.docnum)
        theirs = _evidence(_weighted_words(" ".join([doc["title"], doc["keywords"], doc["body"]])), searcher)
        shared = ours.keys() & theirs.keys()
        if not shared:
            continue  # similar characters, but no word a user would recognise as evidence
        words = longest_words(sorted(shared, key=lambda t: -(ours[t] * theirs[t])))
        found.append(Candidate(hit.posting_id, hit.score, pair_strength(ours, theirs), tuple(words[:CHIPS])))
    return found


def between(store: IndexStore, a: Any, b: Any) -> Candidate:
    """The evidence for any two postings (a pairing's page): strength and shared words, as
    ``candidates`` would give them, whether or not one was proposed for the other."""
    searcher = store.searcher()
    ours = _evidence(_weighted_words(posting_text(a)), searcher)
    theirs = _evidence(_weighted_words(posting_text(b)), searcher)
    shared = ours.keys() & theirs.keys()
    words = longest_words(sorted(shared, key=lambda t: -(ours[t] * theirs[t])))
    return Candidate(b.id, 0.0, pair_strength(ours, theirs) if shared else 0, tuple(words[:CHIPS]))


def strengths(store: IndexStore, pairs: list[tuple[Any, Any]]) -> list[int]:
    """The pair strength of many pairs of postings at once (an event's participants): each
    posting's evidence is computed once, so n postings cost n segmentations, not n²."""
    searcher = store.searcher()
    known: dict[int, dict[str, float]] = {}

    def evidence(posting: Any) -> dict[str, float]:
        if posting.id not in known:
            deadline.check()
            known[posting.id] = _evidence(_weighted_words(posting_text(posting)), searcher)
        return known[posting.id]

    return [pair_strength(evidence(a), evidence(b)) for a, b in pairs]


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
        if is_evidence(t):
            idf = known.get(t)
            if idf is None:
                idf = known[t] = searcher.idf("body", t)
            evidence[t] = w * idf
    return evidence


def evidence_vector(posting: Any, searcher: Searcher) -> dict[str, float]:
    """The posting's evidence words (no numbers, single characters or generic words), weighted
    (1 + ln tf) × idf: the same for a posting whichever side of a pair it is on."""
    return _evidence(weighted_words(posting), searcher)


def pair_strength(ours: dict[str, float], theirs: dict[str, float]) -> int:
    """0–100 for a pair, the same from both sides: the geometric mean of the two shares of
    evidence weight the postings have in common (how much of each one's specific vocabulary the
    other shares), read against STRONG_PAIR."""
    shared = ours.keys() & theirs.keys()
    mass_ours, mass_theirs = sum(ours.values()), sum(theirs.values())
    if not shared or not mass_ours or not mass_theirs:
        return 0
    coverage = math.sqrt(
        sum(ours[t] for t in shared) / mass_ours * sum(theirs[t] for t in shared) / mass_theirs
    )
    return max(1, min(100, round(100 * coverage / STRONG_PAIR)))


def longest_words(words: list[str]) -> list[str]:
    """The words, in order, without any that is part of a longer one in the list (变电 and 电站
    go when 变电站 is there)."""
    return [w for w in words if not any(w != other and w in other for other in words)]
