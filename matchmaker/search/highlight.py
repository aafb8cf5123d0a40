"""Highlighted, escaped passages: every <mark> covers exactly one matched word of the original text.

Spans come from the same segmentation the index uses (search mode, offsets into the original text
even where NFKC changes lengths, as with ℃ → °C), so what is marked is what matched. Where matched
words overlap (锂电 / 电池 / 锂电池) the longest is marked, once. Passages are windows around the
densest clusters of marks; all text is escaped here and only our own <mark> tags are added.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from matchmaker.search.analysis import segment

WINDOW = 120  # characters of a passage
BEFORE = 30  # characters shown before a passage's first mark


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    word: str


def spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Non-overlapping spans of ``text`` that are matched words, longest first where they overlap."""
    wanted = {t.lower() for t in terms}
    if not wanted:
        return []
    found = sorted(
        (
            Span(start, end, word.lower())
            for word, _, start, end in segment(text, search_mode=True)
            # the original characters must read as the word (℃ holds a "c" but is not "c")
            if word.lower() in wanted
            and unicodedata.normalize("NFKC", text[start:end]).lower() == word.lower()
        ),
        key=lambda s: (s.start, -(s.end - s.start)),
    )
    chosen: list[Span] = []
    for span in found:
        if chosen and span.start < chosen[-1].end:
            if span.end - span.start > chosen[-1].end - chosen[-1].start and span.start == chosen[-1].start:
                chosen[-1] = span
            continue
        chosen.append(span)
    return chosen


def _render(text: str, marks: list[Span], start: int, end: int) -> Markup:
    """text[start:end], escaped, with the marks that lie wholly inside it."""
    out: list[Markup] = []
    at = start
    for mark in marks:
        if mark.start < start or mark.end > end:
            continue
        out.append(escape(text[at : mark.start]))
        out.append(Markup('<mark class="hl">') + escape(text[mark.start : mark.end]) + Markup("</mark>"))
        at = mark.end
    out.append(escape(text[at:end]))
    return Markup("").join(out)


def passage(
    text: str, terms: Iterable[str], *, top: int = 2, fallback_chars: int = 110, whole: bool = False
) -> Markup:
    """The best passages of ``text`` with ``terms`` marked (all of it if ``whole``); the text's
    start if nothing matches."""
    marks = spans(text, terms)
    if whole:
        return _render(text, marks, 0, len(text))
    if not marks:
        short = text[:fallback_chars] + ("…" if len(text) > fallback_chars else "")
        return escape(short)
    windows = []
    for mark in marks:
        begin = max(0, mark.start - BEFORE)
        finish = min(len(text), begin + WINDOW)
        inside = [m for m in marks if m.start >= begin and m.end <= finish]
        windows.append((len({m.word for m in inside}), -begin, begin, finish))
    chosen: list[tuple[int, int]] = []
    for _, _, begin, finish in sorted(windows, reverse=True):
        if all(finish <= b or begin >= f for b, f in chosen):
            chosen.append((begin, finish))
        if len(chosen) == top:
            break
    merged: list[list[int]] = []
    for begin, finish in sorted(chosen):  # windows that touch are one stretch of text
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], finish)
        else:
            merged.append([begin, finish])
    ellipsis = Markup("…")
    out: list[Markup] = []
    for begin, finish in merged:
        if begin > 0 and not out:
            out.append(ellipsis)
        out.append(_render(text, marks, begin, finish))
        if finish < len(text):
            out.append(ellipsis)
    return Markup("").join(out)
