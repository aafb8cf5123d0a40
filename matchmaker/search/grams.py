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
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import pairwise

import numpy as np
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from matchmaker.postings.values import PostingKind

UNIT = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")  # a CJK character, or a Latin/digit word
STRETCH = re.compile(r"[\u3400-\u9fffa-z0-9]+")  # no pair across punctuation or spaces
KINDS = {kind.value: code for code, kind in enumerate(PostingKind)}
NORM_DRIFT = 0.05  # recompute a segment's norms once the index has changed by this share of its size
FILLER = {  # asking kind → answering kind
    PostingKind.RD_NEED.value: PostingKind.RESEARCH_OUTCOME.value,
    PostingKind.SUPPLY_NEED.value: PostingKind.SUPPLY_OFFER.value,
}
FILLER_MIN = 30  # postings of each of the two kinds before the filler is learned from them
FILLER_EPS = 0.01  # smooths the two shares (a pair in none of the outcomes is not infinitely filler)
log = logging.getLogger(__name__)
MAX_RETIRED = 16  # views of retired segments kept for searchers that still hold them
HASHED = 1 << 62  # gram keys above this are hashes; below 2 ** 56, a gram's own bytes
HASHED_BITS = HASHED - 1


def grams(text: str) -> list[str]:
    """Every unit (CJK character or Latin/digit word) of ``text`` and every adjacent pair; a
    Latin/digit word of two or more characters also gives its characters and their adjacent pairs
    (prefixed, so they never meet a unit), so codes and figures written differently still meet
    (SUS304 / 304, 720h / 720小时, IATF16949 / 16949)."""
    found: list[str] = []
    for stretch in STRETCH.findall(unicodedata.normalize("NFKC", text).lower()):
        units = UNIT.findall(stretch)
        found += units
        found += [a + b for a, b in pairwise(units)]
        for unit in units:
            if len(unit) > 1 and unit.isascii():
                found += ["~" + c for c in unit]
                found += ["~" + unit[i : i + 2] for i in range(len(unit) - 1)]
    return found


def word_grams(word: str) -> list[str]:
    """The grams whose rarest bounds how many documents use ``word``: its adjacent pairs (its
    units where a stretch has only one)."""
    found: list[str] = []
    for stretch in STRETCH.findall(unicodedata.normalize("NFKC", word).lower()):
        units = UNIT.findall(stretch)
        found += [a + b for a, b in pairwise(units)] or units
    return found


def gram_hash(gram: str) -> int:
    """A gram's 64-bit key, the same in every process (views are written by one process and read
    by others): its UTF-8 bytes as a number when they fit in 7 (a CJK character or pair, a short
    Latin word), else 62 bits of BLAKE2b above every such number."""
    data = gram.encode()
    if len(data) <= 7:
        return int.from_bytes(data, "big")
    return (int.from_bytes(blake2b(data, digest_size=8).digest(), "big") & HASHED_BITS) | HASHED


class _Keys(dict[str, int]):
    """gram → gram_hash, remembered: a build looks up the same few thousand grams millions of times."""

    def __missing__(self, gram: str) -> int:
        if len(self) > 2_000_000:
            self.clear()
        key = self[gram] = gram_hash(gram)
        return key


_KEYS = _Keys()


def _hashed(counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
    """Gram keys (gram_hash) and 1 + ln tf."""
    hashes = np.fromiter(map(_KEYS.__getitem__, counts), np.int64, len(counts))
    tf = np.fromiter(counts.values(), np.float32, len(counts))
    return hashes, 1 + np.log(tf)


@dataclass(eq=False)
class SegmentView:
    """One segment's documents as term-major arrays: term ``i``'s entries are
    ``rows[starts[i]:starts[i + 1]]`` (docnums) with weights ``ltf`` (1 + ln tf)."""

    ids: np.ndarray  # posting id by docnum
    kinds: np.ndarray  # kind code by docnum; -1 for a document deleted before the view was built
    orgs: np.ndarray  # organisation id by docnum
    terms: np.ndarray  # sorted gram hashes
    starts: np.ndarray
    rows: np.ndarray
    ltf: np.ndarray
    df: np.ndarray  # documents of each kind holding each term: shape (terms, kinds)
    counted: np.ndarray  # documents of each kind in this view
    norms: tuple[int, np.ndarray] | None = None  # (index size they were computed at, norm by docnum)
    live: tuple[int, np.ndarray] | None = field(default=None)  # (deleted count, mask by docnum)

    @classmethod
    def build(cls, reader: IndexReader) -> SegmentView:
        """The view of a segment from its stored documents (the writer's part: viewfiles.py)."""
        return cls.from_documents(reader.doc_count_all(), reader.iter_docs())  # live documents only

    @classmethod
    def from_documents(cls, size: int, documents: Iterable[tuple[int, dict]]) -> SegmentView:
        """The view of a segment of ``size`` documents from (docnum, stored fields) pairs."""
        ids, orgs = np.zeros(size, np.int64), np.zeros(size, np.int64)
        kinds = np.full(size, -1, np.int8)
        rows, hashes, weights = [], [], []
        for docnum, stored in documents:
            kind = KINDS.get(stored.get("kind", ""), -1)
            if kind < 0:  # a kind this release does not know: never proposed, never counted
                continue
            ids[docnum], orgs[docnum], kinds[docnum] = int(stored["id"]), int(stored["org"] or 0), kind
            h, w = _hashed(Counter(grams(" ".join([stored["title"], stored["keywords"], stored["body"]]))))
            rows.append(np.full(len(h), docnum, np.int32))
            hashes.append(h)
            weights.append(w)
        flat = np.concatenate(hashes) if hashes else np.zeros(0, np.int64)
        order = np.argsort(flat, kind="stable")
        flat = flat[order]
        row = (np.concatenate(rows) if rows else np.zeros(0, np.int32))[order]
        terms, first = np.unique(flat, return_index=True)
        starts = np.append(first, len(flat)).astype(np.int64)
        term_of = np.repeat(np.arange(len(terms)), np.diff(starts))
        df = np.bincount(term_of * len(KINDS) + kinds[row], minlength=len(terms) * len(KINDS))
        return cls(
            ids=ids,
            kinds=kinds,
            orgs=orgs,
            terms=terms,
            starts=starts,
            rows=row,
            ltf=(np.concatenate(weights) if weights else np.zeros(0, np.float32))[order],
            df=df.reshape(len(terms), len(KINDS)).astype(np.int32),
            counted=np.bincount(kinds[kinds >= 0], minlength=len(KINDS)),
        )

    def find(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which of ``hashes`` this segment holds, their term positions)."""
        if not len(self.terms):
            return np.zeros(len(hashes), bool), np.zeros(0, np.int64)
        pos = np.minimum(np.searchsorted(self.terms, hashes), len(self.terms) - 1)
        held = self.terms[pos] == hashes
        return held, pos[held]

    def entries(self, positions: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
        """Σ over the given terms of coefficient × ltf, per docnum."""
        begin, end = self.starts[positions], self.starts[positions + 1]
        lengths = end - begin
        if not lengths.sum():
            return np.zeros(len(self.ids))
        offsets = np.repeat(begin - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        weights = self.ltf[offsets] * np.repeat(coefficients, lengths)
        return np.bincount(self.rows[offsets], weights=weights, minlength=len(self.ids))

    def live_mask(self, reader: IndexReader) -> np.ndarray:
        segment = reader.segment()
        deleted = segment.deleted_count() if segment is not None else 0
        live = self.live  # searchers of two generations can share this view: use one reading of it
        if live is None or live[0] != deleted:
            mask = self.kinds >= 0
            if deleted:
                mask[list(segment.deleted_docs())] = False
            live = self.live = (deleted, mask)
        return live[1]


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


def _df(views: Sequence[SegmentView], hashes: np.ndarray) -> np.ndarray:
    """Documents of each kind, over ``views``, holding each of ``hashes``: (len, kinds)."""
    total = np.zeros((len(hashes), len(KINDS)), np.int64)
    for view in views:
        held, pos = view.find(hashes)
        total[held] += view.df[pos]
    return total


def _idf(df: np.ndarray, size: int) -> np.ndarray:
    return np.log((1 + size) / (1 + df.sum(axis=1))) + 1


def segment_norms(view: SegmentView, views: Sequence[SegmentView], size: int) -> np.ndarray:
    """‖document vector‖ by docnum of ``view``'s documents, with document frequencies over
    ``views`` (every segment of the index) and an index of ``size`` documents."""
    idf = np.repeat(_idf(_df(views, view.terms), size), np.diff(view.starts))
    squares = np.bincount(view.rows, weights=(view.ltf * idf) ** 2, minlength=len(view.ids))
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    return norms


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
        return _df(self.views, hashes)

    def idf(self, df: np.ndarray) -> np.ndarray:
        return _idf(df, self.size)

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
        hashes, qltf = _hashed(counts)
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
