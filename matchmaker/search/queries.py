"""The search box: user text → a safe Whoosh query → visible postings with highlighted passages.

User text is never handed to a query parser: we segment it ourselves and build Term/Phrase
queries, so NOT, *, field: and friends are just words. Length and term count are capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app
from flask_login import AnonymousUserMixin
from markupsafe import Markup
from sqlalchemy import select
from whoosh.query import And, Or, Phrase, Query, Term

from matchmaker.extensions import db
from matchmaker.models import Posting, PostingKind, User
from matchmaker.search.analysis import normalize, query_terms
from matchmaker.search.engine import IndexStore, run_query
from matchmaker.search.highlight import passage

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
class Hit:
    posting: Posting
    score: float
    title: Markup
    passage: Markup


@dataclass
class SearchResults:
    query: ParsedQuery
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    estimated: bool = False  # total is an estimate (more candidates than were ranked)
    relaxed: bool = False  # no posting had every word: these have some of them
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(
    store: IndexStore,
    text: str,
    user: User | AnonymousUserMixin | None,
    *,
    kind: PostingKind | None = None,
    tech_field_id: int | None = None,
    town_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Published postings matching ``text`` that ``user`` may see, best first."""
    config = current_app.config
    parsed = parse(text, max_chars=config["SEARCH_MAX_QUERY_CHARS"], max_terms=config["SEARCH_MAX_TERMS"])
    results = SearchResults(parsed, page=page, per_page=per_page)
    if parsed.empty:
        return results
    filters = [Term("kind", kind.value)] if kind else []
    if tech_field_id:
        filters.append(Term("field", str(tech_field_id)))
    if town_id:
        filters.append(Term("town", str(town_id)))
    searcher = store.searcher()
    limit = config["SEARCH_CANDIDATES"]
    for require_all in (True, False):
        found = run_query(
            searcher,
            to_query(parsed, require_all=require_all),
            filter=And(filters) if filters else None,
            limit=limit,
        )
        if found.scored_length() or len(parsed.words) < 2:
            break
        results.relaxed = True
    ranked = [(int(hit["id"]), hit) for hit in found]
    visible = set(
        db.session.scalars(
            select(Posting.id).where(Posting.id.in_([i for i, _ in ranked]), Posting.listed_for(user))
        )
    )
    ranked = [(i, hit) for i, hit in ranked if i in visible]
    results.total = len(ranked)
    if found.scored_length() >= limit:  # more matched than were ranked: estimate the rest
        results.estimated = True
        results.total = max(results.total, int(found.estimated_length() * len(ranked) / max(len(found), 1)))
    window = ranked[(page - 1) * per_page : page * per_page]
    postings = {
        p.id: p for p in db.session.scalars(select(Posting).where(Posting.id.in_([i for i, _ in window])))
    }
    words = parsed.words
    results.hits = [
        Hit(
            posting=postings[i],
            score=hit.score,
            title=passage(hit["title"], words, whole=True, fallback_chars=120),
            passage=passage(hit["body"], words),
        )
        for i, hit in window
        if i in postings
    ]
    return results
