"""Match proposals: for a posting, the best complementary postings, a 0–100 strength, and why.

The posting's own text becomes a weighted query (jieba search-mode words, sublinear weights,
rarest terms kept first), plus character bigrams that catch words segmented differently on the
two sides. Whoosh ranks by BM25F; SQL then applies visibility, so what a user is shown is what
they may read.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from flask_login import AnonymousUserMixin
from markupsafe import Markup
from sqlalchemy import select
from whoosh.query import Or, Query, Term
from whoosh.searching import Searcher

from matchmaker.extensions import db
from matchmaker.models import Posting, PostingKind, User
from matchmaker.search.analysis import char_bigrams, segment, stop_words
from matchmaker.search.engine import IndexStore
from matchmaker.search.highlight import passage

COMPLEMENTS: dict[PostingKind, tuple[PostingKind, ...]] = {
    PostingKind.RD_NEED: (PostingKind.RESEARCH_OUTCOME, PostingKind.SUPPLY_OFFER),
    PostingKind.RESEARCH_OUTCOME: (PostingKind.RD_NEED,),
    PostingKind.SUPPLY_NEED: (PostingKind.SUPPLY_OFFER,),
    PostingKind.SUPPLY_OFFER: (PostingKind.SUPPLY_NEED, PostingKind.RD_NEED),
}
WORD_FIELDS = {"title": 1.0, "body": 1.0, "keywords": 1.0}
GRAM_WEIGHT = 0.5
MAX_WORDS = 40  # the most specific words of a long description are enough
MAX_GRAMS = 60
CANDIDATES = 40


@dataclass
class Proposal:
    """One proposed counterpart and the evidence for it."""

    posting: Posting
    strength: int  # 0–100
    matched_terms: list[str]
    their_passage: Markup
    our_passage: Markup


def _sublinear(counts: Counter[str]) -> dict[str, float]:
    return {t: 1.0 + math.log(n) for t, n in counts.items()}


def posting_text(posting: Posting) -> str:
    return " ".join([posting.title, " ".join(posting.keywords or []), posting.description])


def weighted_words(posting: Posting) -> dict[str, float]:
    stops = stop_words()
    words = Counter(
        w.lower() for w, *_ in segment(posting_text(posting), search_mode=True) if w.lower() not in stops
    )
    return _sublinear(words)


def weighted_grams(posting: Posting) -> dict[str, float]:
    stops = stop_words()
    grams = Counter(g for g, _ in char_bigrams(posting_text(posting)) if g not in stops)
    return _sublinear(grams)


def _most_specific(weights: dict[str, float], searcher: Searcher, field: str, keep: int) -> dict[str, float]:
    """Keep the ``keep`` terms with the highest weight × idf (absent terms can't match anyway)."""
    scored = []
    for term, weight in weights.items():
        if searcher.doc_frequency(field, term):
            scored.append((weight * searcher.idf(field, term), term))
    scored.sort(reverse=True)
    return {term: weights[term] for _, term in scored[:keep]}


def build_query(posting: Posting, searcher: Searcher) -> tuple[Query, dict[str, float]]:
    words = _most_specific(weighted_words(posting), searcher, "body", MAX_WORDS)
    grams = _most_specific(weighted_grams(posting), searcher, "grams", MAX_GRAMS)
    terms: list[Query] = [Term(f, t, boost=w * b) for t, w in words.items() for f, b in WORD_FIELDS.items()]
    terms += [Term("grams", g, boost=w * GRAM_WEIGHT) for g, w in grams.items()]
    idf_mass = {t: w * searcher.idf("body", t) for t, w in words.items()}
    return Or(terms), idf_mass


def propose(
    store: IndexStore, posting: Posting, viewer: User | AnonymousUserMixin | None, *, limit: int = 10
) -> list[Proposal]:
    """Best counterparts of ``posting`` that ``viewer`` may see, strongest first."""
    searcher = store.searcher()
    query, idf_mass = build_query(posting, searcher)
    if not idf_mass:
        return []
    kinds = COMPLEMENTS[posting.kind]
    results = searcher.search(
        query,
        filter=Or([Term("kind", k.value) for k in kinds]),
        mask=Term("org", str(posting.organization_id)),  # never one's own organisation
        limit=CANDIDATES,
        terms=True,
    )
    ranked = [(int(hit["id"]), hit) for hit in results]
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
    ranked = [(i, hit) for i, hit in ranked if i in allowed][:limit]
    if not ranked:
        return []
    total_mass = sum(idf_mass.values())
    top_score = ranked[0][1].score
    proposals = []
    for index, (posting_id, hit) in enumerate(ranked):
        matched = sorted(
            {
                text.decode() if isinstance(text, bytes) else text
                for field, text in hit.matched_terms()
                if field != "grams"
            },
            key=lambda t: -idf_mass.get(t, 0.0),
        )
        coverage = sum(idf_mass.get(t, 0.0) for t in matched) / total_mass
        if index == 0:
            top_strength = _strength(coverage)
        strength = round(top_strength * hit.score / top_score)
        other = allowed[posting_id]
        shown = matched[:8]
        proposals.append(
            Proposal(
                posting=other,
                strength=max(1, min(100, strength)),
                matched_terms=shown,
                their_passage=passage(other.description, matched),
                our_passage=passage(posting.description, matched),
            )
        )
    return proposals


def _strength(coverage: float) -> int:
    """Share of the posting's specific vocabulary found on the other side, spread to 0–100.

    Even a perfect counterpart shares only part of the words of a long text, so the square root
    lifts the middle range: 25% of the idf mass shared reads as 50.
    """
    return round(100 * math.sqrt(max(0.0, min(1.0, coverage))))
