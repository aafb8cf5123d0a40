"""Highlighted, escaped passages: Whoosh escapes the stored text; we mark the result safe."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight

from matchmaker.search.analysis import word_analyzer

FORMATTER = HtmlFormatter(tagname="mark", classname="hl", termclass="t", between="…")
FRAGMENTER = ContextFragmenter(maxchars=120, surround=30)
WHOLE = WholeFragmenter()


def passage(
    text: str, terms: Iterable[str], *, top: int = 2, fallback_chars: int = 110, whole: bool = False
) -> Markup:
    """The best passages of ``text`` with ``terms`` marked (all of it if ``whole``); the text's
    start if nothing matches."""
    terms = frozenset(terms)
    fragmenter = WHOLE if whole else FRAGMENTER
    marked = (
        highlight(text, terms, word_analyzer(), fragmenter, FORMATTER, top=top, mode="index") if terms else ""
    )
    if marked:
        return Markup(marked)
    short = text[:fallback_chars] + ("…" if len(text) > fallback_chars else "")
    return escape(short)
