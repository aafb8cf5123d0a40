"""The rules a posting's content must meet — one set, used by the web form, the Excel/CSV import and
(through the form) the JSON API, so a posting can never enter by one door and be refused at another.

Each check returns the Chinese message a user reads, or None.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from matchmaker.core import clock

TITLE_LENGTH = (4, 120)
DESCRIPTION_LENGTH = (20, 10000)
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 30
MAX_BUDGET = Decimal(1_000_000)  # 万元, i.e. 100亿元: no posting here is larger
LENGTHS = {  # optional texts: field → most characters
    "industry_chain": 50,
    "ip_detail": 200,
    "contact_name": 50,
    "confidential_detail": 5000,
}
KEYWORD_SEPARATORS = re.compile(r"[、，,;；\s]+")
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"  # ASCII digits only
PHONE = re.compile(PHONE_PATTERN.removesuffix("$") + r"\Z")  # \Z: no trailing newline slips through
PHONE_MESSAGE = "请填写有效的手机号（11位）或固定电话（如 0514-88888888）。"
# Everything str.splitlines() breaks on: a title or name ends up in mail headers, file names and
# spreadsheet cells, where a line break splits (or forges) a header — one-line fields refuse them.
LINE_BREAK = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
LINE_BREAK_MESSAGE = "此项只能填写一行，请删去其中的换行。"


def single_line_problem(text: object) -> str | None:
    """A line break inside a one-line field (surrounding blanks are trimmed anyway)."""
    if isinstance(text, str) and LINE_BREAK.search(text.strip()):
        return LINE_BREAK_MESSAGE
    return None


def single_line_problems(details: object, names: tuple[str, ...]) -> dict[str, str]:
    """Field → message for each one-line field of ``details`` that holds a line break: the details
    dataclasses (the API's, the importer's and the forms' door) call it with their one-line fields."""
    found = {name: single_line_problem(getattr(details, name, None)) for name in names}
    return {name: message for name, message in found.items() if message}


def title_problem(text: str) -> str | None:
    low, high = TITLE_LENGTH
    if not text.strip():
        return "请填写标题。"
    if problem := single_line_problem(text):
        return problem
    if not low <= len(text.strip()) <= high:
        return f"标题应为{low}到{high}个字（现有{len(text.strip())}个字）。"
    return None


def description_problem(text: str) -> str | None:
    low, high = DESCRIPTION_LENGTH
    if not text.strip():
        return "请填写详细描述。"
    if not low <= len(text.strip()) <= high:
        return f"详细描述应为{low}到{high}个字（现有{len(text.strip())}个字），请把需求或成果写具体。"
    return None


def length_problem(field: str, label: str, text: str | None) -> str | None:
    limit = LENGTHS[field]
    if text and len(text) > limit:
        return f"{label}最多{limit}个字（现有{len(text)}个字）。"
    return None


def budget_problem(value: Decimal) -> str | None:
    if not value.is_finite() or not Decimal(0) <= value <= MAX_BUDGET:
        return f"金额应在0到{MAX_BUDGET:,.0f}万元之间（单位为万元，如 80 表示80万元）。"
    return None


def valid_until_problem(value: date) -> str | None:
    return "有效期不能早于今天。" if value < clock.today() else None


def phone_problem(text: str) -> str | None:
    return None if not text or PHONE.match(text) else PHONE_MESSAGE


def split_keywords(text: str | None) -> list[str]:
    """'锂电池、隔膜, 涂覆' → ['锂电池', '隔膜', '涂覆']: each once, in order, each cut to 30 characters."""
    seen: dict[str, None] = {}
    for word in KEYWORD_SEPARATORS.split(text or ""):
        word = word.strip()
        if word:
            seen.setdefault(word[:MAX_KEYWORD_LENGTH], None)
    return list(seen)


def keywords_problem(text: str | None) -> str | None:
    """The form refuses more than MAX_KEYWORDS (the user is there to choose); imports keep the
    first ones and say so (see ``trim_keywords``)."""
    if len(split_keywords(text)) > MAX_KEYWORDS:
        return f"关键词最多{MAX_KEYWORDS}个。"
    return None


def trim_keywords(text: str | None) -> tuple[list[str], str | None]:
    """Keywords for a record from another system: at most MAX_KEYWORDS, and a note when cut."""
    words = split_keywords(text)
    if len(words) <= MAX_KEYWORDS:
        return words, None
    dropped = "、".join(words[MAX_KEYWORDS:])
    return words[:MAX_KEYWORDS], f"关键词有{len(words)}个，只保留前{MAX_KEYWORDS}个（舍去：{dropped}）。"
