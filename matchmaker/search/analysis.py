"""Chinese-aware analysis for Whoosh: rjieba segmentation with positions that make phrases work.

Index time uses jieba's search mode (a long word also yields its sub-words, so 电池 finds 锂电池);
query time uses precise mode. Every sub-word shares the ordinal position of the precise word it
lies in, so the precise words of a phrase query stand at consecutive positions in the index.
Whoosh pickles these classes into the index schema: keep them importable at this path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rjieba
from whoosh.analysis import (
    Composable,
    LowercaseFilter,
    StopFilter,
    Token,
    Tokenizer,
)

HERE = Path(__file__).parent
WORD = re.compile(r"\w", re.UNICODE)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SUBWORD_SPLIT = re.compile(r"[-_/·]+")  # not ".": 0.01mm stays whole


def _read_list(name: str) -> list[str]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@cache
def load_user_dictionary() -> int:
    """Teach the segmenter the domain's technical terms once per process; returns how many."""
    words = _read_list("userdict.txt")
    for word in words:
        rjieba.add_word(word, None, None)
    return len(words)


@cache
def stop_words() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_list("stopwords.txt"))


@cache
def generic_words() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_list("generic.txt"))


NUMBER = re.compile(r"^[0-9]+([.,][0-9]+)*(%|‰|°c?|[a-z]{1,3})?$")


def is_evidence_word(word: str) -> bool:
    """Whether a shared word can count as evidence at all: not a single character, not a number
    or percentage (3%, 0.01mm, 220kv). Whether it is *specific* enough to carry a proposal is
    learned from the postings (matching.py)."""
    return len(word) >= 2 and not NUMBER.match(word)


def is_evidence(word: str) -> bool:
    """Whether a shared word can tell a user why two postings belong together: not a single
    character, not a number or percentage (3%, 0.01mm, 220kv), not generic process vocabulary
    (中试, 工艺, 系统 … generic.txt: the cold-start prior, used until the platform holds enough
    postings to learn which words are generic)."""
    return is_evidence_word(word) and word not in generic_words()


def normalize(text: str) -> str:
    """Full-width letters and digits to half-width (ＰＬＣ → PLC, ５Ｇ → 5G), ℃ → °C, ㎡ → m2."""
    return normalize_with_offsets(text)[0]


def normalize_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """NFKC, character by character, and for each character of the result the position of the
    original character it came from (None when nothing changed length or place).

    NFKC changes lengths (℃ → °C, ㎡ → m2, № → No): segmenting the normalised text gives offsets
    into it, and highlighting the original with those offsets marks the wrong characters. Tokens'
    offsets are therefore mapped back through this table (see ``_segment``).
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        normal = unicodedata.normalize("NFKC", char)
        pieces.append(normal)
        origin.extend([index] * len(normal))
    return "".join(pieces), origin


def _original_span(origin: list[int] | None, start: int, end: int, length: int) -> tuple[int, int]:
    """The span of the original text that produced normalised characters [start, end)."""
    if origin is None:
        return start, end
    if start >= len(origin):
        return length, length
    return origin[start], origin[end - 1] + 1 if end > start else origin[start]


def segment(text: str, *, search_mode: bool) -> Iterator[tuple[str, int, int, int]]:
    """(word, ordinal position, start char, end char) for every word-like token of ``text``;
    a word appears once per position."""
    seen: set[tuple[str, int]] = set()
    for token in _segment(text, search_mode=search_mode):
        key = (token[0].lower(), token[1])
        if key not in seen:
            seen.add(key)
            yield token


def _segment(text: str, *, search_mode: bool) -> Iterator[tuple[str, int, int, int]]:
    """Words with offsets into the original ``text`` (segmentation sees the normalised text)."""
    original_length = len(text)
    normal, origin = normalize_with_offsets(text)
    for word, pos, start, end in _segment_normal(normal, search_mode=search_mode):
        yield (word, pos, *_original_span(origin, start, end, original_length))


def _segment_normal(text: str, *, search_mode: bool) -> Iterator[tuple[str, int, int, int]]:
    load_user_dictionary()
    precise = [t for t in rjieba.tokenize(text) if WORD.search(t[0])]
    starts = [start for _, start, _ in precise]
    if not search_mode:
        for pos, (word, start, end) in enumerate(precise):
            yield word, pos, start, end
            if not CJK.search(word):
                yield from _parts(word, pos, start)
        return
    pos = -1
    for word, start, end in rjieba.tokenize(text, mode="search"):
        if not WORD.search(word):
            continue
        # The precise word this token lies in gives its position (sub-words share it).
        while pos + 1 < len(starts) and starts[pos + 1] <= start:
            pos += 1
        yield word, max(pos, 0), start, end
        if not CJK.search(word):
            yield from _parts(word, max(pos, 0), start)


def _parts(word: str, pos: int, start: int) -> Iterator[tuple[str, int, int, int]]:
    """Wi-Fi → wi, fi; abc_def → abc, def (the whole token is kept too)."""
    pieces = [p for p in SUBWORD_SPLIT.split(word) if p]
    if len(pieces) < 2:
        return
    offset = start
    for piece in pieces:
        at = word.find(piece, offset - start) + start
        yield piece, pos, at, at + len(piece)
        offset = at + len(piece)


class ChineseTokenizer(Tokenizer):
    """Whoosh tokenizer over ``segment``: search mode when indexing, precise mode for queries."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for word, pos, start, end in segment(value, search_mode=(mode == "index")):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def word_analyzer() -> Composable:
    """Words for the title/body/keyword fields."""
    return (
        ChineseTokenizer() | LowercaseFilter() | StopFilter(stoplist=stop_words(), minsize=1, renumber=False)
    )


def query_terms(text: str) -> list[str]:
    """The words a query or posting contributes, in order (precise mode, stops removed)."""
    stops = stop_words()
    words = (word.lower() for word, *_ in segment(text, search_mode=False))
    return [w for w in words if w not in stops]


@dataclass(frozen=True)
class Span:
    """Where a matched word stands in the original text: text[start:end] reads as ``word``."""

    start: int
    end: int
    word: str


def matched_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Non-overlapping spans of ``text`` that are matched words, longest first where they overlap.

    Spans come from the index's own segmentation with offsets into the original text (even where
    NFKC changes lengths), and the original characters must read as the word (℃ holds a "c" but
    is not "c"), so a highlight marks exactly what matched.
    """
    wanted = {t.lower() for t in terms}
    if not wanted:
        return []
    found = sorted(
        (
            Span(start, end, word.lower())
            for word, _, start, end in segment(text, search_mode=True)
            if word.lower() in wanted
            and unicodedata.normalize("NFKC", text[start:end]).lower() == word.lower()
        ),
        key=lambda s: (s.start, -(s.end - s.start)),
    )
    chosen: list[Span] = []
    for span in found:
        if chosen and span.start < chosen[-1].end:
            continue  # sorted by start, longest first: an overlapping later span is shorter or inside
        chosen.append(span)
    return chosen
