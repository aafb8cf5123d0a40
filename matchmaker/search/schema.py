"""The Whoosh schema of posting documents (see documents.py for how they are filled)."""

from __future__ import annotations

from whoosh.fields import ID, STORED, TEXT, Schema

from matchmaker.search.analysis import word_analyzer

# Bump when the schema or the analysis changes: the index is then rebuilt on start-up.
SCHEMA_VERSION = 4  # 4: the character view is stored beside each segment (viewfiles.py)


def make_schema() -> Schema:
    words = word_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),  # sortable: a column, read by ids_of
        kind=ID(stored=True),
        org=ID(stored=True),
        field=ID,
        town=ID,
        stamp=STORED,  # posting.updated_at, to find stale documents
        title=TEXT(analyzer=words, stored=True, phrase=True),
        body=TEXT(analyzer=words, stored=True, phrase=True),
        keywords=TEXT(analyzer=words, stored=True, phrase=True),
    )
