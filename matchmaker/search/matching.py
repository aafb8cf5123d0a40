"""Match proposals: for a posting, the best complementary postings, a 0–100 strength, and why.

The posting's own text becomes a weighted query: jieba search-mode words, weight 1 + ln(tf),
minus the words that occur in more than 4% of the indexed postings (generic vocabulary that
only adds noise and long posting lists). Whoosh ranks by BM25F; SQL then applies visibility, so
what a user is shown is what they may read. Method and figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from flask_login import AnonymousUserMixin
from markupsafe import Markup
from sqlalchemy import select
from whoosh.query import Or, Query, Term
from whoosh.searching import Searcher

from matchmaker.extensions import db
from matchmaker.models import Posting, PostingKind, User
from matchmaker.search.analysis import segment, stop_words
from matchmaker.search.engine import WEIGHTING, IndexStore
from matchmaker.search.highlight import passage
from matchmaker.search.ranking import top_documents

COMPLEMENTS: dict[PostingKind, tuple[PostingKind, ...]] = {
    PostingKind.RD_NEED: (PostingKind.RESEARCH_OUTCOME, PostingKind.SUPPLY_OFFER),
    PostingKind.RESEARCH_OUTCOME: (PostingKind.RD_NEED,),
    PostingKind.SUPPLY_NEED: (PostingKind.SUPPLY_OFFER,),
    PostingKind.SUPPLY_OFFER: (PostingKind.SUPPLY_NEED, PostingKind.RD_NEED),
}
FIELDS = ("title", "body", "keywords")
COMMON_SHARE = 0.04  # a word in more than this share of postings says little about a match
COMMON_FLOOR = 20  # ...but on a small platform every word counts
MAX_TERMS = 150  # safety cap for very long descriptions (rarely reached)
CANDIDATES = 40
SHOWN_MIN_STRENGTH = 15  # pages hide weaker proposals: a list of poor matches teaches users to ignore it


@dataclass
class Proposal:
    """One proposed counterpart and the evidence for it (passages are marked up on demand)."""

    posting: Posting
    strength: int  # 0–100
    matched_terms: list[str]  # shared words, most telling first
    ours: Posting

    @cached_property
    def their_passage(self) -> Markup:
        return passage(self.posting.description, self.matched_terms)

    @cached_property
    def our_passage(self) -> Markup:
        return passage(self.ours.description, self.matched_terms)


def posting_text(posting: Posting) -> str:
    return " ".join([posting.title, " ".join(posting.keywords or []), posting.description])


def weighted_words(posting: Posting) -> dict[str, float]:
    """Search-mode words of the posting (stop words out), weighted 1 + ln(count)."""
    return _weighted_words(posting_text(posting))


@lru_cache(maxsize=4096)  # the same counterparts recur across pages; texts are immutable strings
def _weighted_words(text: str) -> dict[str, float]:
    stops = stop_words()
    counts = Counter(w.lower() for w, *_ in segment(text, search_mode=True) if w.lower() not in stops)
    return {t: 1.0 + math.log(n) for t, n in counts.items()}


def query_terms_for(posting: Posting, searcher: Searcher) -> dict[str, float]:
    """The posting's words worth querying with, and their weights."""
    ceiling = max(COMMON_SHARE * searcher.doc_count(), COMMON_FLOOR)
    kept: dict[str, float] = {}
    for term, weight in weighted_words(posting).items():
        df = searcher.doc_frequency("body", term)
        if df <= ceiling and (df or searcher.doc_frequency("title", term)):
            kept[term] = weight
    if len(kept) > MAX_TERMS:
        by_evidence = sorted(kept, key=lambda t: kept[t] * searcher.idf("body", t), reverse=True)
        kept = {t: kept[t] for t in by_evidence[:MAX_TERMS]}
    return kept


def build_query(posting: Posting, searcher: Searcher) -> Query:
    """The same proposal query as a Whoosh Query (for tests and for explaining the ranking)."""
    return Or([Term(f, t, boost=w) for t, w in query_terms_for(posting, searcher).items() for f in FIELDS])


def propose(
    store: IndexStore,
    posting: Posting,
    viewer: User | AnonymousUserMixin | None,
    *,
    limit: int = 10,
    min_strength: int = 0,
) -> list[Proposal]:
    """Best counterparts of ``posting`` that ``viewer`` may see, strongest first."""
    searcher = store.searcher()
    kept = query_terms_for(posting, searcher)
    if not kept:
        return []
    idf_mass = {t: w * searcher.idf("body", t) for t, w in kept.items()}
    kinds = COMPLEMENTS[posting.kind]
    kind_codes, own_org = {k.value for k in kinds}, str(posting.organization_id)
    accepted_ids: list[int] = []  # in the order top_documents accepts them, i.e. best first

    def accept(doc: dict[str, Any]) -> bool:
        """Complementary kinds only, never one's own organisation."""
        if doc["kind"] in kind_codes and doc["org"] != own_org:
            accepted_ids.append(int(doc["id"]))
            return True
        return False

    top = top_documents(
        searcher,
        ((f, t, w) for t, w in kept.items() for f in FIELDS),
        WEIGHTING,
        limit=CANDIDATES,
        accept=accept,
    )
    ranked = [(posting_id, score) for posting_id, (_, score) in zip(accepted_ids, top, strict=True)]
    allowed = {
        p.id: p
        for p in db.session.scalars(
            select(Posting).where(
                Posting.id.in_([i for i, _ in ranked]),
                Posting.listed_for(viewer),
                Posting.kind.in_(kinds),
                Posting.organization_id != posting.organization_id,
            )
        )
    }
    ranked = [(i, score) for i, score in ranked if i in allowed][:limit]
    if not ranked:
        return []
    total_mass = sum(idf_mass.values())
    top_score = ranked[0][1]
    proposals: list[Proposal] = []
    for posting_id, score in ranked:
        other = allowed[posting_id]
        # The words both sides share, most telling first: the "why" shown to users.
        matched = sorted(idf_mass.keys() & weighted_words(other).keys(), key=lambda t: -idf_mass[t])
        if not proposals:  # the best match's strength anchors the scale for the rest
            top_strength = _strength(sum(idf_mass[t] for t in matched) / total_mass)
        strength = max(1, min(100, round(top_strength * score / top_score)))
        proposals.append(Proposal(posting=other, strength=strength, matched_terms=matched[:8], ours=posting))
    return [p for p in proposals if p.strength >= min_strength]


def _strength(coverage: float) -> int:
    """Share of the posting's specific vocabulary found on the other side, spread to 0–100.

    Even a perfect counterpart shares only part of the words of a long text, so the square root
    lifts the middle range: 25% of the idf mass shared reads as 50.
    """
    return round(100 * math.sqrt(max(0.0, min(1.0, coverage))))
