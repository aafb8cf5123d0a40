"""The character view's arrays: characters and adjacent character pairs of a text (``grams``),
their keys (the same in every process), and one Whoosh segment's term-major arrays
(``SegmentView``) with the document frequencies and vector norms computed from them. Pure data:
no index, no cache, no files (viewfiles.py stores and maps these; grams.py ranks with them).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import pairwise

import numpy as np
from whoosh.reading import IndexReader

from matchmaker.postings.values import PostingKind

UNIT = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")  # a CJK character, or a Latin/digit word
STRETCH = re.compile(r"[\u3400-\u9fffa-z0-9]+")  # no pair across punctuation or spaces
KINDS = {kind.value: code for code, kind in enumerate(PostingKind)}
NORM_DRIFT = 0.05  # recompute a segment's norms once the index has changed by this share of its size
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


def gram_keys(grams: Sequence[str]) -> np.ndarray:
    """The keys of ``grams`` as every view stores them (gram_hash): never Python's ``hash``, which
    differs between processes."""
    return np.fromiter(map(_KEYS.__getitem__, grams), np.int64, len(grams))


def hashed_counts(counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
    """Gram keys (gram_hash) and 1 + ln tf."""
    hashes = gram_keys(list(counts))
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
            h, w = hashed_counts(
                Counter(grams(" ".join([stored["title"], stored["keywords"], stored["body"]])))
            )
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
        if not (end - begin).sum():
            return np.zeros(len(self.ids))
        # Each term's entries are one contiguous run: slices of the mapped arrays, joined once,
        # cost half of gathering them by a computed offset per entry (the same sums, bit for bit:
        # float64 weights, added in the same order).
        spans = list(zip(begin.tolist(), end.tolist(), strict=True))
        rows = np.concatenate([self.rows[b:e] for b, e in spans])
        weights = np.concatenate([self.ltf[b:e] * c for (b, e), c in zip(spans, coefficients, strict=True)])
        return np.bincount(rows, weights=weights, minlength=len(self.ids))

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


def document_frequencies(views: Sequence[SegmentView], hashes: np.ndarray) -> np.ndarray:
    """Documents of each kind, over ``views``, holding each of ``hashes``: (len, kinds)."""
    total = np.zeros((len(hashes), len(KINDS)), np.int64)
    for view in views:
        held, pos = view.find(hashes)
        total[held] += view.df[pos]
    return total


def inverse_df(df: np.ndarray, size: int) -> np.ndarray:
    return np.log((1 + size) / (1 + df.sum(axis=1))) + 1


def segment_norms(view: SegmentView, views: Sequence[SegmentView], size: int) -> np.ndarray:
    """‖document vector‖ by docnum of ``view``'s documents, with document frequencies over
    ``views`` (every segment of the index) and an index of ``size`` documents."""
    idf = np.repeat(inverse_df(document_frequencies(views, view.terms), size), np.diff(view.starts))
    squares = np.bincount(view.rows, weights=(view.ltf * idf) ** 2, minlength=len(view.ids))
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    return norms
