"""Plain reference rankings for bench/match_quality.py, measured here rather than quoted: BM25
(k1 1.5, b 0.75, Lucene idf, as bm25s' default) over rjieba search-mode words, over character
bigrams, and over both. No stop words, cuts or tuned constants. Also the k-fold split the quality
figures are reported over. (rjieba is shared with the platform, so its user dictionary is loaded.)
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import pairwise

import rjieba

K1, B = 1.5, 0.75
UNIT = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")  # a CJK character, or a Latin/digit word
STRETCH = re.compile(r"[\u3400-\u9fffa-z0-9]+")  # no bigram across punctuation or spaces


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    return [w for w in rjieba.cut_for_search(_normal(text)) if STRETCH.fullmatch(w)]


def bigrams(text: str) -> list[str]:
    found = []
    for stretch in STRETCH.findall(_normal(text)):
        units = UNIT.findall(stretch)
        found += [a + b for a, b in pairwise(units)] or units
    return found


def words_and_bigrams(text: str) -> list[str]:
    return words(text) + bigrams(text)


class BM25:
    """Okapi BM25 over one token list per document."""

    def __init__(self, documents: Sequence[str], tokens: Callable[[str], list[str]]) -> None:
        self.tokens = tokens
        self.postings: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for d, text in enumerate(documents):
            counts = Counter(tokens(text))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings[term].append((d, tf))
        n = len(documents)
        self.avgdl = sum(self.lengths) / max(n, 1)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def top(self, query: str, limit: int = 10) -> list[int]:
        scores: defaultdict[int, float] = defaultdict(float)
        for term in set(self.tokens(query)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for d, tf in self.postings[term]:
                scores[d] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[d] / self.avgdl))
        return sorted(scores, key=lambda d: (-scores[d], d))[:limit]


REFERENCES: list[tuple[str, Callable[[str], list[str]]]] = [
    ("BM25 + rjieba search mode", words),
    ("BM25 + character bigrams", bigrams),
    ("BM25 + rjieba search mode + bigrams", words_and_bigrams),
]


def folds(count: int, k: int = 5, seed: int = 0) -> list[list[int]]:
    """k folds of 0..count-1 from one seeded permutation (the split docs/PERFORMANCE.md uses)."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]
