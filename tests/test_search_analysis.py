"""Chinese/English/number segmentation and the positions that make phrase queries work."""

from __future__ import annotations

import pytest

from matchmaker.search.analysis import query_terms, word_analyzer


def index_tokens(text: str) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in word_analyzer()(text, positions=True, mode="index")]


def query_tokens(text: str) -> list[str]:
    return [t.text for t in word_analyzer()(text, mode="query")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("锂电池隔膜", ["锂电池隔膜"]),  # domain dictionary keeps the compound
        ("伺服电机 PLC", ["伺服电机", "plc"]),
        ("支持5G与Wi-Fi 6接入", ["支持", "5g", "wi-fi", "wi", "fi", "6", "接入"]),
        ("精度0.01mm", ["精度", "0.01mm"]),
        ("数字孪生和边缘计算", ["数字孪生", "边缘计算"]),
        ("ＰＬＣ控制", ["plc", "控制"]),  # full-width letters are normalised
    ],
)
def test_query_segmentation(text: str, expected: list[str]) -> None:
    assert query_tokens(text) == expected


def test_index_time_adds_sub_words_at_the_same_position() -> None:
    tokens = index_tokens("锂电池隔膜涂覆")
    positions = {word: pos for word, pos in tokens}
    assert {"锂电", "电池", "锂电池", "隔膜", "锂电池隔膜"} <= positions.keys()
    assert positions["电池"] == positions["锂电池隔膜"] == 0
    assert positions["涂覆"] == 1  # the next precise word is the next position: phrases match


def test_single_characters_and_numbers_survive() -> None:
    assert "6" in query_tokens("Wi-Fi 6")
    assert "0.01mm" in query_tokens("0.01mm")


def test_stop_words_are_dropped_but_keep_their_position() -> None:
    tokens = index_tokens("隔膜的涂覆")
    assert [w for w, _ in tokens] == ["隔膜", "涂覆"]
    assert tokens[1][1] == 2  # the stop word's slot remains, so "隔膜涂覆" is not a phrase here


def test_query_terms_skip_request_boilerplate() -> None:
    assert query_terms("我司希望寻求锂电池隔膜涂覆技术，预算30万元") == ["锂电池隔膜", "涂覆", "30"]
