"""The search box: user text → a safe Whoosh query → posting ids and scores, best first.

User text is never handed to a query parser: we segment it ourselves and build Term/Phrase
queries, so NOT, *, field: and friends are just words. Length and term count are capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app
from whoosh.query import And, Or, Phrase, Query, Term

from matchmaker.postings.values import PostingKind
from matchmaker.search.analysis import normalize, query_terms
from matchmaker.search.engine import IndexStore, run_query

QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”')
FIELD_BOOSTS = {"title": 3.0, "keywords": 2.0, "body": 1.0}


@dataclass
class ParsedQuery:
    terms: list[str]
    phrases: list[list[str]]

    @property
    def empty(self) -> bool:
        return not (self.terms or self.phrases)

    @property
    def words(self) -> list[str]:
        return [*self.terms, *(w for p in self.phrases for w in p)]

    def for_fallback(self) -> ParsedQuery:
        """The words that may match on their own when no posting has them all: a lone digit or
        Latin letter ("1" of "±1℃", "c" of ℃) matches nearly everything, so it only counts
        alongside the other words."""
        return ParsedQuery([t for t in self.terms if not (len(t) == 1 and t.isascii())], self.phrases)


def parse(text: str, *, max_chars: int, max_terms: int) -> ParsedQuery:
    """Words and "quoted phrases" of the user's text, capped; everything else is literal."""
    text = normalize(text)[:max_chars]
    phrases = [query_terms(a or b) for a, b in QUOTED.findall(text)]
    phrases = [p for p in phrases if p][:3]
    terms: list[str] = []
    for word in query_terms(QUOTED.sub(" ", text)):
        if word not in terms:
            terms.append(word)
    return ParsedQuery(terms[:max_terms], phrases)


def to_query(parsed: ParsedQuery, *, require_all: bool) -> Query:
    parts: list[Query] = [
        Or([Term(f, term, boost=b) for f, b in FIELD_BOOSTS.items()]) for term in parsed.terms
    ]
    for words in parsed.phrases:
        if len(words) == 1:
            parts.append(Or([Term(f, words[0], boost=b) for f, b in FIELD_BOOSTS.items()]))
        else:
            parts.append(Or([Phrase(f, words, boost=b) for f, b in FIELD_BOOSTS.items()]))
    return And(parts) if require_all else Or(parts)


@dataclass
class Found:
    """What the index found for a search box query: posting ids, best first, and their scores.
    Visibility, pagination and highlighting happen where pages are built."""

    query: ParsedQuery
    ranked: list[tuple[int, float]] = field(default_factory=list)
    matched: int = 0  # documents that matched (exact when not capped)
    capped: bool = False  # more matched than were ranked (SEARCH_CANDIDATES)
    relaxed: bool = False  # no posting had every word: these have some of them


def search(
    store: IndexStore,
    text: str,
    *,
    kind: PostingKind | None = None,
    tech_field_id: int | None = None,
    town_id: int | None = None,
) -> Found:
    """Published postings matching ``text``, best first, up to SEARCH_CANDIDATES of them."""
    config = current_app.config
    parsed = parse(text, max_chars=config["SEARCH_MAX_QUERY_CHARS"], max_terms=config["SEARCH_MAX_TERMS"])
    found = Found(parsed)
    if parsed.empty:
        return found
    filters = [Term("kind", kind.value)] if kind else []
    if tech_field_id:
        filters.append(Term("field", str(tech_field_id)))
    if town_id:
        filters.append(Term("town", str(town_id)))
    searcher = store.searcher()
    limit = config["SEARCH_CANDIDATES"]
    fallback = parsed.for_fallback()
    for require_all in (True, False):
        results = run_query(
            searcher,
            to_query(parsed if require_all else fallback, require_all=require_all),
            filter=And(filters) if filters else None,
            limit=limit,
        )
        if results.scored_length() or len(parsed.words) < 2 or fallback.empty:
            break
        found.relaxed = True
    ids = store.ids_of(searcher, [docnum for _, docnum in results.top_n])
    found.ranked = [(posting_id, score) for posting_id, (score, _) in zip(ids, results.top_n, strict=True)]
    found.matched = len(results)  # without block-quality skipping, Whoosh counts every match
    found.capped = found.matched > len(found.ranked)
    return found
