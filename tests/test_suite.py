"""The suite's own bookkeeping: what the PostgreSQL round selects names tests that exist (a renamed
test would otherwise silently leave that round)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import DIALECT_FILES, DIALECT_TESTS

TESTS = Path(__file__).parent


def test_the_dialect_selection_names_existing_tests() -> None:
    missing = [name for name in DIALECT_FILES if not (TESTS / name).is_file()]
    for entry in DIALECT_TESTS:
        file, test = entry.split("::")
        source = (TESTS / file).read_text(encoding="utf-8") if (TESTS / file).is_file() else ""
        if not re.search(rf"^def {re.escape(test)}\(", source, re.MULTILINE):
            missing.append(entry)
    assert missing == []
