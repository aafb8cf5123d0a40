"""Evidence a user can trust: every highlighted <mark> covers exactly one matched word, even after
characters that NFKC changes in length (℃, ㎡, №), full-width letters and digits, and emoji."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from flask.testing import FlaskClient

from matchmaker.accounts.values import OrgType
from matchmaker.postings.values import PostingKind
from matchmaker.search import spans
from matchmaker.search.evidence import passage
from tests.conftest import Factory

MARK = re.compile(r'<mark class="hl">(.*?)</mark>')

TEXTS = [
    "箱变内温度超过85℃时触发故障预警与变电站联动，要求预警准确。",
    "车间面积1200㎡，编号№3产线的故障预警不准，影响变电站供电。",
    "ＰＬＣ控制柜需要故障预警，变电站侧采用５Ｇ回传，温度≥６０℃报警。",
    "😀🔋 电池柜的故障预警😀与变电站监控，emoji 不应错位。",
]
TERMS = ["故障", "预警", "变电站", "plc", "电池"]


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", html.unescape(text)).lower()


@pytest.mark.parametrize("text", TEXTS)
def test_every_mark_covers_exactly_a_matched_word(text: str) -> None:
    marked = str(passage(text, TERMS, whole=True))
    found = MARK.findall(marked)
    assert found, marked
    for inner in found:
        assert normal(inner) in TERMS, (inner, marked)
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", marked)) == text  # nothing lost or moved
    for span in spans(text, TERMS):
        assert normal(text[span.start : span.end]) == span.word


def test_overlapping_words_are_marked_once_longest_first() -> None:
    marked = str(passage("锂电池隔膜涂覆", ["锂电", "电池", "锂电池", "隔膜"], whole=True))
    assert MARK.findall(marked) == ["锂电池", "隔膜"]


def test_proposal_passages_on_the_page_mark_the_chips(client: FlaskClient, make: Factory) -> None:
    need = make.posting(
        make.user(),
        PostingKind.RD_NEED,
        title="箱式变电站故障预警",
        description="箱变内温度超过85℃时需要故障预警与变电站联动，车间面积1200㎡，ＰＬＣ控制。",
    )
    make.posting(
        make.user(org_type=OrgType.UNIVERSITY),
        PostingKind.RESEARCH_OUTCOME,
        title="变电站故障预警技术",
        description="面向箱式变电站的故障预警，温度≥６０℃报警，ＰＬＣ接口，😀已在多地应用。",
    )
    page = client.get(f"/postings/{need}").get_data(as_text=True)
    chips = {
        html.unescape(c) for c in re.findall(r'<span class="kw">(.*?)</span>', page.split("共同关键词")[1])
    }
    marks = [normal(m) for m in MARK.findall(page)]
    assert marks and set(marks) <= {c.lower() for c in chips}
    assert "障预警与" not in marks and "警准" not in marks and "电站" not in marks
