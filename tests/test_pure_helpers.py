"""Small pure helpers, without an app: which ``next=`` targets are followed (web.is_safe_path), the
site's clock outside an app, and what the search analysis counts as evidence and highlights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from matchmaker.core import clock
from matchmaker.core.web import is_safe_path
from matchmaker.search import analysis

# --- where a login or a form may send the user next -----------------------------------------


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("/", True),
        ("/postings/12", True),
        ("/pairings/?state=open#list", True),
        ("/search?q=http://example.com", True),  # a URL in the query is only text
        ("/%2F%2Fevil.example", True),  # encoded slashes stay a path
        (None, False),
        ("", False),
        ("postings/12", False),  # relative
        ("//evil.example/", False),  # scheme-relative: another host
        ("///evil.example", False),
        ("http://evil.example/", False),
        ("https://localhost/postings/12", False),  # absolute, even to this site
        ("http:/evil.example", False),
        ("javascript:alert(1)", False),
        ("/\\evil.example", False),  # browsers read a backslash as a slash
        ("\\\\evil.example", False),
        ("/\t/evil.example", False),  # tabs and newlines are dropped by browsers, and by urlsplit
        ("/\n/evil.example", False),
        (" //evil.example", False),
    ],
)
def test_only_local_paths_are_followed(target: str | None, followed: bool) -> None:
    assert is_safe_path(target) is followed


# --- the site's clock outside an app --------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_outside_an_app_the_clock_is_china_standard_time() -> None:
    assert clock.zone() == SHANGHAI
    before = datetime.now(SHANGHAI)
    now = clock.now()
    after = datetime.now(SHANGHAI)
    assert before <= now <= after and now.utcoffset() == timedelta(hours=8)
    assert clock.today() in {before.date(), after.date()}  # the date in Baoying, not the server's


@pytest.mark.parametrize(
    ("moment", "local"),
    [
        (datetime(2025, 1, 1, 15, 59), datetime(2025, 1, 1, 23, 59, tzinfo=SHANGHAI)),
        (datetime(2025, 1, 1, 16, 0), datetime(2025, 1, 2, 0, 0, tzinfo=SHANGHAI)),  # naive is UTC
        (datetime(2025, 1, 1, 16, 0, tzinfo=UTC), datetime(2025, 1, 2, 0, 0, tzinfo=SHANGHAI)),
        (
            datetime(2025, 1, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
            datetime(2025, 1, 1, 19, 0, tzinfo=SHANGHAI),
        ),
    ],
)
def test_a_stored_moment_in_the_sites_zone(moment: datetime, local: datetime) -> None:
    shown = clock.local(moment)
    assert shown == local and shown.utcoffset() == timedelta(hours=8)
    assert (shown.year, shown.month, shown.day, shown.hour) == (
        local.year,
        local.month,
        local.day,
        local.hour,
    )


@pytest.mark.parametrize(("configured", "zone"), [("Europe/London", "Europe/London"), ("", "Asia/Shanghai")])
def test_in_an_app_the_clock_follows_its_timezone(configured: str, zone: str) -> None:
    bare = Flask(__name__)  # only the configuration: no database, no blueprints
    bare.config["TIMEZONE"] = configured
    with bare.app_context():
        assert clock.zone() == ZoneInfo(zone)
        assert clock.now().utcoffset() == datetime.now(ZoneInfo(zone)).utcoffset()
    assert clock.zone() == SHANGHAI  # and back outside it


# --- what the search counts as evidence, and highlights -------------------------------------


@pytest.mark.parametrize(
    ("word", "evidence"),
    [
        ("锂电池", True),
        ("热误差", True),
        ("plc", True),
        ("锂", False),  # a single character
        ("a", False),
        ("30", False),  # numbers and quantities say nothing about the subject
        ("3%", False),
        ("0.01mm", False),
        ("220kv", False),
        ("1,000", False),
        ("200°c", False),
        ("中试", False),  # process vocabulary every technical text uses
        ("工艺", False),
        ("系统", False),
        ("技术", False),
    ],
)
def test_what_counts_as_evidence_of_a_match(word: str, evidence: bool) -> None:
    assert analysis.is_evidence(word) is evidence


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("ＰＬＣ控制", "PLC控制"),
        ("５Ｇ基站", "5G基站"),
        ("耐温２００℃", "耐温200°C"),
        ("面积１０㎡", "面积10m2"),
        ("锂电池隔膜", "锂电池隔膜"),
    ],
)
def test_full_width_and_compatibility_characters_are_normalised(text: str, normal: str) -> None:
    assert analysis.normalize(text) == normal


def test_normalising_keeps_track_of_the_original_characters() -> None:
    assert analysis.normalize_with_offsets("锂电池") == ("锂电池", None)  # nothing changed
    normal, origin = analysis.normalize_with_offsets("耐℃㎡")
    assert normal == "耐°Cm2" and origin == [0, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("text", "terms", "marked"),
    [
        ("锂电池隔膜涂覆", ["隔膜"], ["隔膜"]),
        ("锂电池隔膜涂覆", ["锂电池", "锂电池隔膜"], ["锂电池隔膜"]),  # overlapping: the longest
        ("耐温200℃的隔膜", ["c", "隔膜"], ["隔膜"]),  # ℃ holds a "c" but does not read as one
        ("ＰＬＣ控制柜", ["plc"], ["ＰＬＣ"]),  # the original characters, where NFKC changed them
        ("支持Wi-Fi 6接入", ["fi"], ["Fi"]),
        ("锂电池隔膜", [], []),
        ("锂电池隔膜", ["涂覆"], []),
    ],
)
def test_highlights_mark_exactly_the_matched_words(text: str, terms: list[str], marked: list[str]) -> None:
    spans = analysis.matched_spans(text, terms)
    assert [text[s.start : s.end] for s in spans] == marked
    assert all(a.end <= b.start for a, b in pairwise(spans))  # never overlapping


# --- what pages show of sizes, devices and a form's problems ---------------------------------


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 字节"),
        (193, "193 字节"),
        (1023, "1023 字节"),
        (1536, "1.5 KB"),
        (2048, "2 KB"),
        (5 * 1024 * 1024 + 1, "5 MB"),
    ],
)
def test_file_sizes_never_round_to_nothing(size: int, shown: str) -> None:
    from matchmaker.templating import format_size

    assert format_size(size) == shown


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "Edge 120 · Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; V2219A) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.43.2480",
            "微信 8 · Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.2 Safari/605.1.15",
            "Safari 17 · macOS",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121 · Linux"),
        ("curl/8.5.0", "curl/8.5.0"),
        (None, "—"),
    ],
)
def test_login_devices_read_as_browser_and_system(agent: str | None, shown: str) -> None:
    from matchmaker.templating import device_summary

    assert device_summary(agent) == shown


def test_a_forms_problems_name_the_row_of_a_list_and_skip_hidden_fields() -> None:
    from wtforms import FieldList, Form, FormField, HiddenField, StringField

    from matchmaker.core.forms import problems

    class Row(Form):
        name = StringField("单位名称")

    class Whole(Form):
        token = HiddenField("令牌")
        title = StringField("标题")
        rows = FieldList(FormField(Row), "协议各方", min_entries=2)

    form = Whole()
    form.token.errors = ["过期"]
    form.title.errors = ["请填写标题。", "太短。"]
    form.rows.entries[1].form.name.errors = ["太长。"]
    form.rows.errors = [{}, {"name": ["太长。"]}, "至少两方。", "至少两方。"]
    assert problems(form) == [
        ("title", "标题", "请填写标题。"),
        ("rows-1-name", "协议各方第 2 行：单位名称", "太长。"),
        ("rows", "协议各方", "至少两方。"),
    ]
