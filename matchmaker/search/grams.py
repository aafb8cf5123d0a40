"""The character view that ranks proposals: cosine of tf-idf vectors over characters and adjacent
character pairs, held per Whoosh segment in numpy arrays.

Why characters: word segmentation splits or misses exactly what a need and an outcome must share
(降噪/去噪, 滞尘/降尘, 山茶/茶花); single characters and pairs recover it with no segmenter,
dictionary, stop list or cut. Chosen by 5-fold cross-validation on the 270 dev needs against plain
BM25 and the earlier word ranking (docs/SEARCH.md, docs/PERFORMANCE.md).

The need-language filler: an R&D need is written in workplace words (公司、希望、目前、一直…) that
research outcomes do not use. Where enough of both are indexed, a need's pairs and characters are
weighted down by how much more often needs use them than outcomes do — learned from the postings
on the platform, never from a list.

How it stays current: Whoosh segments are immutable, so a segment's arrays are built once, by the
process that writes the segment, and stored beside it (viewfiles.py) before the commit that makes
it visible; every process maps them read-only and never builds them (a missing view is a damaged
index: `flask search reindex`). Merges retire segments and their files. Documents deleted after a
segment was written are masked per query from Whoosh's deletions but still count in document
frequencies until a merge drops them. A segment's vector norms depend on every segment's document
frequencies; the writer stores fresh ones when the index has grown or shrunk by NORM_DRIFT since
they were computed.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from matchmaker.postings.values import PostingKind
from matchmaker.search.segments import (
    KINDS,
    NORM_DRIFT,
    SegmentView,
    document_frequencies,
    grams,
    hashed_counts,
    inverse_df,
    segment_norms,
)

FILLER = {  # asking kind → answering kind
    PostingKind.RD_NEED.value: PostingKind.RESEARCH_OUTCOME.value,
    PostingKind.SUPPLY_NEED.value: PostingKind.SUPPLY_OFFER.value,
}
FILLER_MIN = 30  # postings of each of the two kinds before the filler is learned from them
FILLER_EPS = 0.01  # smooths the two shares (a pair in none of the outcomes is not infinitely filler)
log = logging.getLogger(__name__)
MAX_RETIRED = 16  # views of retired segments kept for searchers that still hold them

_VIEWS: dict[str, SegmentView] = {}
_BUILDING = threading.Lock()


def _key(scope: str, reader: IndexReader) -> str | None:
    """Which index a segment belongs to, and which segment: Whoosh draws segment ids from the
    global ``random``, so two indexes (tests seeding it, a rebuilt generation) can repeat one."""
    segment = reader.segment()
    if segment is None:
        return None
    return f"{scope}|{segment.segment_id()}|{reader.doc_count_all()}"


def _view(scope: str, reader: IndexReader) -> SegmentView:
    """The segment's view as its writer stored it (viewfiles.py), mapped, never built here:
    viewfiles.ViewMissing when it is not on disk."""
    from matchmaker.search import viewfiles  # it builds on this module

    key = _key(scope, reader)
    if key is None:  # an empty index: nothing to map
        return SegmentView.from_documents(0, [])
    view = _VIEWS.get(key)
    if view is None:
        with _BUILDING:
            view = _VIEWS.get(key)
            if view is None:
                view = _VIEWS[key] = viewfiles.load_view(scope, reader.segment().segment_id())
    return view


def _retire(live: set[str]) -> None:
    """Forget the views of segments merges have retired (a searcher still holding one rebuilds
    it: such segments are small), never those of the live ones."""
    if len(_VIEWS) > len(live) + MAX_RETIRED:
        with _BUILDING:
            for key in [k for k in _VIEWS if k not in live]:
                del _VIEWS[key]


def cached_bytes() -> int:
    """Memory the cached segment views hold (arrays only), for the benchmarks."""
    return sum(
        a.nbytes
        for v in list(_VIEWS.values())
        for a in (v.ids, v.kinds, v.orgs, v.terms, v.starts, v.rows, v.ltf, v.df, *(v.norms or ())[1:])
    )


def _segment_id(reader: IndexReader) -> str | None:
    segment = reader.segment()
    return None if segment is None else str(segment.segment_id())


def _drifted(known: tuple[int, np.ndarray] | None, size: int) -> bool:
    return known is None or abs(known[0] - size) > NORM_DRIFT * max(known[0], 1)


@dataclass(frozen=True)
class Ranked:
    """A document the character view ranks: its posting id, global docnum and cosine (0–1)."""

    posting_id: int
    docnum: int
    score: float


class CharacterView:
    """The character view of one searcher's segments."""

    def __init__(self, searcher: Searcher, *, scope: str) -> None:
        """``scope`` names the index (its directory, where its writer stored the views): views are
        mapped once per process and segment."""
        self.scope = scope
        self.parts = [(leaf.reader(), base) for leaf, base in searcher.leaf_searchers()]
        self.views = [_view(scope, reader) for reader, _ in self.parts]
        self.segment_ids = [_segment_id(reader) for reader, _ in self.parts]
        _retire({k for k in (_key(scope, r) for r, _ in self.parts) if k is not None})
        self.counted = sum((v.counted for v in self.views), np.zeros(len(KINDS), np.int64))
        self.size = int(self.counted.sum())

    def df(self, hashes: np.ndarray) -> np.ndarray:
        """Documents of each kind, over all segments, holding each of ``hashes``: (len, kinds)."""
        return document_frequencies(self.views, hashes)

    def idf(self, df: np.ndarray) -> np.ndarray:
        return inverse_df(df, self.size)

    def norms(self, view: SegmentView, segment_id: str | None = None) -> np.ndarray:
        """‖document vector‖ by docnum, as the index's writer stored them for about this index size
        (viewfiles.complete keeps them within NORM_DRIFT of it); computed here only if the stored
        ones are off (a searcher older than the last few commits), with a log line."""
        known = view.norms  # one reading: another thread may be replacing them
        if _drifted(known, self.size) and segment_id is not None and self.scope is not None:
            from matchmaker.search import viewfiles

            known = viewfiles.latest_norms(self.scope, segment_id, near=self.size)
            if not _drifted(known, self.size):
                view.norms = known
        if known is None or _drifted(known, self.size):
            if segment_id is not None:
                log.warning("character view: norms of segment %s computed in this process", segment_id)
            known = view.norms = (self.size, segment_norms(view, self.views, self.size))
        return known[1]

    def filler(self, asking: str, df: np.ndarray) -> np.ndarray | None:
        """Weights ≤ 1 for the query's grams: the share of answering postings that use each over
        the share of asking postings that do, where that is below 1; None where not learned."""
        answering = FILLER.get(asking)
        if answering is None:
            return None
        a, b = KINDS[asking], KINDS[answering]
        if min(self.counted[a], self.counted[b]) < FILLER_MIN:
            return None
        ratio = (df[:, b] / self.counted[b] + FILLER_EPS) / (df[:, a] / self.counted[a] + FILLER_EPS)
        return np.minimum(ratio, 1.0)

    def rank(
        self, text: str, *, asking: str, answering: Iterable[str], besides_org: int, limit: int
    ) -> list[Ranked]:
        """The ``limit`` best live documents of the ``answering`` kinds, not of ``besides_org``,
        for a query of kind ``asking`` with ``text``, best first."""
        counts = Counter(grams(text))
        if not counts or not self.size:
            return []
        hashes, qltf = hashed_counts(counts)
        df = self.df(hashes)
        idf = self.idf(df)
        weight = qltf * idf
        filler = self.filler(asking, df)
        if filler is not None:
            weight = weight * filler
        weight[df.sum(axis=1) == 0] = 0.0
        query_norm = float(np.sqrt((weight**2).sum())) or 1.0
        codes = [KINDS[k] for k in answering if k in KINDS]
        found: list[tuple[float, int, int]] = []
        for (reader, base), view, sid in zip(self.parts, self.views, self.segment_ids, strict=True):
            held, pos = view.find(hashes)
            if not len(pos):
                continue
            scores = view.entries(pos, (weight * idf)[held]) / self.norms(view, sid) / query_norm
            allowed = np.isin(view.kinds, codes) & (view.orgs != besides_org) & view.live_mask(reader)
            scores[~allowed] = 0.0
            best = np.flatnonzero(scores > 0)
            if len(best) > limit:
                best = best[np.argpartition(-scores[best], limit - 1)[:limit]]
            found += [(float(scores[d]), base + int(d), int(view.ids[d])) for d in best]
        found.sort(key=lambda f: (-f[0], f[1]))  # best first, then lower docnum (as Whoosh)
        return [Ranked(pid, docnum, score) for score, docnum, pid in found[:limit]]
