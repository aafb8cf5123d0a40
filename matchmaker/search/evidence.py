"""Evidence on pages: passages of a posting with the matched words highlighted.

Where the words stand comes from the search package (``search.spans``: the index's segmentation,
offsets into the original text); this module only builds the markup. All text is escaped here;
the only markup added is our own ``<mark>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from matchmaker import search
from matchmaker.search import Span

WINDOW = 120  # characters of a passage
BEFORE = 30  # characters shown before a passage's first mark


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
    marks = search.spans(text, terms)
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
