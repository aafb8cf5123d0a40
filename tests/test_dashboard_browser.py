"""The 计划进展 charts in a real browser (Debian's chromium via Playwright): drawn by Apache ECharts
from static/ at a readable size, under the strict CSP without a violation or a script error, with
nothing fetched from outside the server, and printed with the numbers as a table."""

from __future__ import annotations

from datetime import date
from typing import Any

from matchmaker.accounts.values import OrgType
from tests.conftest import Factory
from tests.test_e2e_browser import DESKTOP, PHONE, live, login, page  # noqa: F401 (fixtures)

SPAN = "2023-2025"  # the seeded plan's period: targets 30 / 10 / 10 for the first three indicators

# Before ECharts loads its scripts the page records what the browser reports, so a violation in
# the first milliseconds is not missed.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def watch(tab: Any, base: str) -> tuple[list[str], list[str]]:
    """Console errors, page errors and requests to anywhere but the test server, as they happen."""
    errors: list[str] = []
    outside: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url),
    )
    tab.add_init_script(WATCH)
    return errors, outside


def test_dashboard_charts_are_readable_interactive_and_printable(
    page: Any,  # noqa: F811
    live: tuple[str, Factory],  # noqa: F811
) -> None:
    base, make = live
    enterprise, university, bureau = make.user(), make.user(org_type=OrgType.UNIVERSITY), make.bureau()
    for signed in (date(2023, 3, 10), date(2024, 5, 2), date(2025, 11, 20)):
        make.agreement(enterprise, [(enterprise, "buyer"), (university, "seller")], signed_on=signed)
    errors, outside = watch(page, base)
    page.set_viewport_size(DESKTOP)
    login(page, base, bureau)
    page.goto(f"{base}/agreements/dashboard?year={SPAN}")
    page.wait_for_load_state("load")

    chart = page.locator(".echart[data-indicator=iur_agreements]")
    drawn = chart.locator("svg, canvas").first
    drawn.wait_for()
    box = drawn.bounding_box()
    assert box is not None and box["width"] >= 600 and box["height"] >= 250, box
    text = chart.inner_text() + " ".join(chart.locator("svg text").all_text_contents())
    assert "目标 30" in text and "已完成 3" in text  # the target and the count, written on the chart
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('.echart[data-indicator=iur_agreements] svg text'))"
        ".map(t => parseFloat(getComputedStyle(t).fontSize) || parseFloat(t.getAttribute('font-size')))"
    )
    assert sizes and min(sizes) >= 12, sizes  # labels as large as the page's small print

    # Interactive: pointing at a month says its count and the pace the target asks.
    chart.hover(position={"x": box["width"] * 0.98 - 96, "y": box["height"] / 2})
    page.wait_for_selector("text=累计完成：3 项")

    assert page.evaluate("window.__violations") == []
    assert errors == [] and outside == []

    # The numbers as a table: in a <details> on screen, printed without opening it.
    assert not page.is_visible(".progress-table")
    page.click("text=逐月数字（表格）")
    row = page.locator(".progress-table tr:has(th:text-is('2024年5月'))")
    assert row.locator("td").first.inner_text() == "2"
    page.click("text=逐月数字（表格）")
    page.emulate_media(media="print")
    assert page.is_visible(".progress-table") and not page.is_visible("header.site-header")
    drawn = page.locator(
        ".echart[data-indicator=iur_agreements] svg, .echart[data-indicator=iur_agreements] canvas"
    )
    width = drawn.first.bounding_box()["width"]
    page_width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    assert width <= page_width + 1  # redrawn to the paper's width, not cut off
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    page.emulate_media(media="screen")

    # On a phone the chart takes the screen's width without a sideways scroll.
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/agreements/dashboard?year={SPAN}")
    page.locator(".echart[data-indicator=iur_agreements] svg").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.evaluate("window.__violations") == [] and errors == [] and outside == []
