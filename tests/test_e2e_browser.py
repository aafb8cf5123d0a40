"""End to end in a real browser (Debian's chromium via Playwright) against a real HTTP server:
register → draft → bureau verifies → submit → returned with a reason → revised → published → browsed."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from matchmaker import create_app
from matchmaker.core import clock
from matchmaker.core.extensions import db
from tests.conftest import PASSWORD, Factory, app_config

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/test installs it)"
)

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def live(db_path: Path) -> Iterator[tuple[str, Factory]]:
    """The real app (CSRF on) served over HTTP on a free loopback port."""
    app = create_app(app_config(db_path, WTF_CSRF_ENABLED=True))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", Factory(app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(live: tuple[str, Factory]) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def login(page, base: str, email: str, password: str = PASSWORD, *, lands: str = "/home") -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}{lands}")


def logout(page) -> None:
    # Until the stylesheet has applied, the phone-only 菜单 label is visible on any screen: wait
    # for the page to finish loading before asking (a busy machine showed the race).
    page.wait_for_load_state("load")
    if page.is_visible("label.nav-toggle-label"):  # on a phone the menu is closed
        page.click("label.nav-toggle-label")
    page.click("text=退出")
    page.wait_for_selector("text=您已退出登录")


def open_menu(page, group: str, link: str) -> None:
    """Follow a link of the header's navigation that sits in a group (信息 / 对接 / 统计 / 管理)."""
    page.click(f"nav.nav-menu summary:has-text('{group}')")
    page.click(f"nav.nav-menu a:has-text('{link}')")


def test_need_goes_from_registration_to_publication(page, live: tuple[str, Factory]) -> None:
    base, make = live
    bureau = make.bureau()

    # An enterprise registers; its organisation waits for verification.
    page.goto(f"{base}/auth/register")
    page.fill("#org_name", "宝应县浏览器测试有限公司")
    page.select_option("#org_type", "enterprise")
    page.fill("#credit_code", "91350100M000100Y44")  # wrong check digit first
    page.select_option("#town", label="曹甸镇")
    page.fill("#contact_name", "浏览器")
    page.fill("#contact_phone", "13900000000")
    page.fill("#email", "browser@example.com")
    page.fill("#password", "browser-pass-1")
    page.fill("#password_confirm", "browser-pass-1")
    page.click("main button[type=submit]")
    assert "校验位不正确" in page.inner_text("#credit_code-error")
    assert page.input_value("#org_name") == "宝应县浏览器测试有限公司"  # nothing typed is lost
    page.fill("#credit_code", "91350100M000100Y43")
    page.fill("#password", "browser-pass-1")
    page.fill("#password_confirm", "browser-pass-1")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/auth/login")
    assert "注册信息已提交" in page.content()
    login(page, base, "browser@example.com", "browser-pass-1")
    assert "等待主管部门认证" in page.content()

    # It drafts a need; submitting is refused until verified, the draft is kept.
    page.click("text=发布研发需求")
    page.fill("#title", "曹甸镇电机绕组自动化改造")
    page.fill(
        "#description", "现有电机绕组靠人工嵌线，效率低且一致性差，希望实现自动绕线嵌线，节拍不超过90秒。"
    )
    page.fill("#keywords", "电机绕组、自动化")
    page.click("text=保存并提交审核")
    assert "未能提交审核" in page.content()
    posting_url = page.url
    logout(page)

    # Bureau verifies the organisation.
    login(page, base, bureau)
    open_menu(page, "管理", "单位认证")
    page.click("text=宝应县浏览器测试有限公司")
    page.fill("#note", "已核验营业执照")
    page.click("button:has-text('通过认证')")
    assert "已通过认证" in page.content()
    logout(page)

    # The enterprise submits; the bureau returns it with a reason.
    login(page, base, "browser@example.com", "browser-pass-1")
    page.goto(posting_url)
    page.click("button:has-text('提交审核')")
    assert "已提交主管部门审核" in page.content()
    logout(page)
    login(page, base, bureau)
    open_menu(page, "管理", "信息审核")
    page.click("text=曹甸镇电机绕组自动化改造")
    page.fill("#reason", "请补充电机型号范围和年产量。")
    page.click("button:has-text('退回修改')")
    logout(page)

    # The enterprise sees why, revises and resubmits; the bureau publishes.
    login(page, base, "browser@example.com", "browser-pass-1")
    page.goto(posting_url)
    assert "请补充电机型号范围和年产量。" in page.content()
    page.get_by_role("link", name="修改", exact=True).click()
    page.fill(
        "#description",
        "Y系列电机（H80–H160）绕组靠人工嵌线，年产5万台，希望实现自动绕线嵌线，节拍不超过90秒。",
    )
    page.click("text=保存并提交审核")
    assert "已提交主管部门审核" in page.content()
    logout(page)
    login(page, base, bureau)
    open_menu(page, "管理", "信息审核")
    page.click("text=曹甸镇电机绕组自动化改造")
    page.click("button:has-text('通过并发布')")
    logout(page)

    # Anyone can now find it.
    page.goto(f"{base}/postings/rd-need/?q=绕组")
    page.click("text=曹甸镇电机绕组自动化改造")
    assert "年产5万台" in page.content()
    assert "并表达合作意向" in page.content()  # contacts: after an accepted interest


def test_a_proposal_becomes_a_conversation(page, live: tuple[str, Factory], tmp_path: Path) -> None:
    """A university user sees a need proposed for its outcome → expresses interest → the enterprise
    accepts → they exchange a message → both see it, and each other's contacts."""

    from matchmaker.accounts.creditcode import check_digit
    from matchmaker.accounts.values import OrgType
    from matchmaker.postings.values import PostingKind

    base, make = live
    enterprise, university = make.user(), make.user(org_type=OrgType.UNIVERSITY)
    make.posting(
        enterprise,
        PostingKind.RD_NEED,
        title="箱式变电站温升在线监测",
        description="现有箱变仅靠温控器报警，希望开发无线测温在线监测系统，测温精度±1℃，故障预警准确率90%以上。",
        keywords=["在线监测", "无线测温", "箱式变电站"],
        contact_name="陈经理",
        contact_phone="13805250001",
    )
    make.posting(
        university,
        PostingKind.RESEARCH_OUTCOME,
        title="变电设备无线测温与故障预警技术",
        description="面向箱式变电站和开关柜的无线测温传感与故障预警算法，测温精度±0.5℃，已在多座变电站应用。",
        keywords=["无线测温", "故障预警", "变电站"],
        contact_name="刘老师",
        contact_phone="0514-87970001",
    )

    login(page, base, university)
    page.goto(f"{base}/matches")  # 为我推荐
    page.click("text=表达合作意向")
    page.fill("#message", "我们的无线测温技术精度±0.5℃，可以满足贵司的指标，希望合作开发。")
    assert "变电设备无线测温与故障预警技术" in page.inner_text("#own_posting")  # attached already
    page.click("button:has-text('发送合作意向')")
    page.wait_for_selector("text=已向对方表达合作意向")
    pairing_url = page.url
    assert "13805250001" not in page.content()
    logout(page)

    login(page, base, enterprise)
    page.click("nav >> a:has-text('通知')")
    page.click("button:has-text('查看')")
    page.wait_for_url(pairing_url)
    assert "希望合作开发" in page.content() and "共同关键词" in page.content()
    page.click("button:has-text('接受，开始对接')")
    page.wait_for_selector("text=双方现在可以看到彼此的联系方式")
    assert "0514-87970001" in page.content()
    page.fill("#text", "欢迎！下周二能否来厂里看看设备？")
    page.click("#messages button:has-text('发送')")
    page.wait_for_selector("text=消息已发送")
    logout(page)

    login(page, base, university)
    page.goto(pairing_url)
    assert "欢迎！下周二能否来厂里看看设备？" in page.content() and "13805250001" in page.content()
    page.fill("#text", "可以，周二上午九点到。")
    page.click("#messages button:has-text('发送')")
    page.wait_for_selector("text=消息已发送")
    shoot(page, tmp_path, "pairing-desktop")
    logout(page)

    login(page, base, enterprise)
    page.goto(pairing_url)
    assert "可以，周二上午九点到。" in page.content()
    assert "对方已读" in page.content()  # the university has read the enterprise's message

    # They negotiate and sign; the enterprise records the agreement from the pairing.
    page.select_option("#to", "negotiating")
    page.click("button:has-text('保存进展')")
    page.wait_for_selector("text=已更新对接进展")
    page.click("text=登记签订的协议")
    assert page.input_value("#parties-1-name")  # both sides prefilled from the pairing
    page.select_option("#type", "tech_dev_commissioned")
    page.fill("#title", "无线测温在线监测系统技术开发合同")
    page.fill("#signed_on", clock.today().isoformat())
    page.fill("#contract_amount", "30")
    page.fill("#tech_amount", "26")
    page.fill("#parties-0-credit_code", "91321023MA0000001" + check_digit("91321023MA0000001"))
    page.click("button:has-text('登记协议')")
    page.wait_for_selector("text=协议已登记")
    agreement_url = page.url
    logout(page)

    login(page, base, university)  # the other side confirms
    page.goto(agreement_url)
    page.click("button:has-text('确认：我方签订了这份协议')")
    page.wait_for_selector("text=已确认")
    logout(page)

    bureau = make.bureau()
    login(page, base, bureau)
    page.goto(f"{base}/agreements/dashboard?year={clock.today().year}")
    before = int(page.inner_text("li.indicator:has-text('产学研合作协议') .figure strong"))
    page.goto(agreement_url)
    page.click("button:has-text('核验通过，计入统计')")
    page.wait_for_selector("text=已核验，协议计入统计")
    page.goto(f"{base}/agreements/dashboard?year={clock.today().year}")
    assert int(page.inner_text("li.indicator:has-text('产学研合作协议') .figure strong")) == before + 1
    page.click("li.indicator:has-text('产学研合作协议') .figure a")
    assert "无线测温在线监测系统技术开发合同" in page.content()
    shoot(page, tmp_path, "dashboard-desktop")


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = (
    Path(os.environ.get("MATCHMAKER_SCREENSHOTS", "")) if os.environ.get("MATCHMAKER_SCREENSHOTS") else None
)


def shoot(page, tmp_path: Path, name: str) -> Path:
    """A screenshot of the page (into docs/screenshots when MATCHMAKER_SCREENSHOTS says so)."""
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 1000
    return path


def test_an_event_from_creation_to_a_printed_schedule(page, live: tuple[str, Factory]) -> None:
    """Staff create an event → an enterprise and a university register with their postings → the
    university asks to meet the enterprise → staff build the schedule → the participant's timetable
    prints (as PDF) without the site's navigation."""
    from datetime import timedelta

    from matchmaker.accounts.values import OrgType
    from matchmaker.postings.values import PostingKind

    base, make = live
    bureau, enterprise, university = make.bureau(), make.user(), make.user(org_type=OrgType.UNIVERSITY)
    make.posting(enterprise, PostingKind.RD_NEED, title="箱式变电站温升在线监测")
    make.posting(university, PostingKind.RESEARCH_OUTCOME, title="变电设备无线测温与故障预警技术")

    login(page, base, bureau)
    page.goto(f"{base}/events/new")
    page.fill("#title", "浏览器测试：电力装备产业链对接会")
    page.select_option("#kind", "supply")
    page.fill("#held_on", (clock.today() + timedelta(days=10)).isoformat())
    page.fill("#registration_deadline", (clock.today() + timedelta(days=30)).isoformat())
    page.fill("#place", "宝应县科技创新中心")
    page.fill("#slot_count", "3")
    page.fill("#tables", "2")
    page.click("main button[type=submit]")
    assert "报名截止日期不能晚于活动日期" in page.content()
    assert page.input_value("#title") == "浏览器测试：电力装备产业链对接会"  # nothing typed is lost
    page.fill("#registration_deadline", (clock.today() + timedelta(days=7)).isoformat())
    page.click("main button[type=submit]")
    page.wait_for_selector("text=活动已创建")
    event_url = page.url
    logout(page)

    for email, posting in (
        (enterprise, "箱式变电站温升在线监测"),
        (university, "变电设备无线测温与故障预警技术"),
    ):
        login(page, base, email)
        page.goto(event_url)
        page.click("text=报名参加")
        page.check(f"text={posting}")
        page.click("main button[type=submit]")
        page.wait_for_selector("text=贵单位已报名")
        if email == university:
            page.select_option("#other", index=0)
            page.click("main form.inline-form button[type=submit]")
            page.wait_for_selector("text=排期时优先安排约见的洽谈")
        logout(page)

    login(page, base, bureau)
    page.goto(event_url + "/schedule")
    page.click("text=自动排期")
    page.wait_for_selector("text=已排定1场洽谈，其中约见1场")
    assert "1 号桌" in page.content()
    page.click("text=打印各单位日程")
    page.wait_for_selector("section.sheet")
    page.emulate_media(media="print")
    assert not page.is_visible("header.site-header")  # printed without the site's navigation
    assert page.locator("section.sheet").count() == 2 and "09:00–09:20" in page.inner_text("main")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    page.emulate_media(media="screen")
    logout(page)

    login(page, base, enterprise)
    page.goto(event_url)
    assert "我的洽谈日程" in page.content() and "09:00–09:20" in page.inner_text("main")


def test_pages_fit_a_phone_screen_with_a_short_header(
    page, live: tuple[str, Factory], tmp_path: Path
) -> None:
    base, make = live
    owner = make.user()
    make.posting(owner, title="手机屏幕上的一条很长很长的研发需求标题，用来检查换行是否正常")
    page.set_viewport_size(PHONE)
    login(page, base, owner)
    for path in ("/", "/postings/rd-need/", "/postings/mine", "/postings/new/rd-need", "/auth/register"):
        if path == "/auth/register":
            logout(page)
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
        assert header <= 64, f"{path}: the header is {header}px tall on a phone"
    assert not page.is_visible("nav.nav-menu")  # the menu waits behind 菜单…
    page.click("label.nav-toggle-label")
    assert page.is_visible("nav.nav-menu >> text=发布清单")  # …and opens without JavaScript


ROWS = """() => {
  // The header's visible pieces (brand, search, each top-level item of the navigation), grouped
  // into rows by their vertical middle.
  const items = [...document.querySelectorAll(
    '.site-header .brand, .site-header .header-search, .site-header .nav-top > li')];
  const middles = items.map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0 && r.height > 0).map(r => r.top + r.height / 2).sort((a, b) => a - b);
  const rows = [];
  for (const m of middles) if (!rows.length || m - rows[rows.length - 1] > 12) rows.push(m);
  return rows.length;
}"""


def test_the_bureau_header_is_two_rows_on_a_desktop_and_every_link_is_reachable(
    page, live: tuple[str, Factory], tmp_path: Path
) -> None:
    base, make = live
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, base, make.bureau())
    page.wait_for_load_state("load")
    assert page.evaluate(ROWS) <= 2
    header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    assert header <= 110, f"the header is {header}px tall"
    account, leave = (
        page.locator("nav.nav-menu a:has-text('我的账号')").bounding_box(),
        page.locator("nav.nav-menu button:has-text('退出')").bounding_box(),
    )
    assert abs(account["y"] - leave["y"]) < 12  # 我的账号 and 退出 on one row, not orphaned
    shoot(page, tmp_path, "header-bureau-desktop")

    links = page.eval_on_selector_all(
        "nav.nav-menu a",
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href'),"
        " a.closest('details') ? a.closest('details').querySelector('summary').textContent.trim() : null])",
    )
    texts = [text for text, _, _ in links]
    for expected in (
        "研发需求",
        "发布清单",
        "揭榜挂帅",
        "对接活动",
        "协议台账",
        "计划进展",
        "对接漏斗",
        "培育库",
        "信息审核",
        "单位认证",
        "系统设置",
        "搜索索引",
        "工作台",
        "我的账号",
    ):
        assert any(expected in text for text in texts), expected
    for text, href, group in links:
        link = page.locator(f"nav.nav-menu a[href='{href}']").first
        if group:
            assert not link.is_visible()  # closed until asked for…
            page.click(f"nav.nav-menu summary:has-text('{group}')")
        assert link.is_visible(), text  # …then shown, on screen, and on top of the page
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1366 and box["y"] + box["height"] <= 768
        link.click(trial=True)
        if group:
            page.click(f"nav.nav-menu summary:has-text('{group}')")
    page.click("nav.nav-menu summary:has-text('统计')")
    page.click("nav.nav-menu summary:has-text('管理')")  # one menu open at a time
    assert not page.is_visible("nav.nav-menu a:has-text('培育库')")
    shoot(page, tmp_path, "header-menu-desktop")
    page.click("nav.nav-menu a:has-text('单位认证')")
    page.wait_for_url(f"{base}/review/organizations**")

    page.set_viewport_size(PHONE)  # the phone keeps its one-band header and 菜单
    page.goto(f"{base}/")
    header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    assert header <= 64 and not page.is_visible("nav.nav-menu")
    page.click("label.nav-toggle-label")
    for text, _, _ in links:
        assert page.locator(f"nav.nav-menu a:has-text('{text}')").first.is_visible(), text
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.get_attribute("#nav-toggle", "aria-label")  # the check box has a name
    shoot(page, tmp_path, "header-menu-phone")
    page.click("nav.nav-menu a:has-text('培育库')")
    page.wait_for_url(f"{base}/profiles/pool**")


WIDEST = """() => {
  // What sticks out past the right edge of the screen (to say what to fix when this fails).
  return [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
}"""


def test_the_agreement_form_and_the_api_docs_fit_a_phone(
    page, live: tuple[str, Factory], tmp_path: Path
) -> None:
    base, make = live
    page.set_viewport_size(PHONE)
    login(page, base, make.user())
    for path in ("/agreements/new", "/api/v1/docs"):
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a phone: {page.evaluate(WIDEST)}"
    page.goto(base + "/agreements/new#parties")
    shoot(page, tmp_path, "agreement-parties-phone")
    # 协议各方 stack: each party's fields one under another, all of them on the screen
    for field in ("#parties-0-side", "#parties-0-name", "#parties-0-credit_code", "#parties-0-party_type"):
        box = page.locator(field).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], field
    name, code = (page.locator(f).bounding_box() for f in ("#parties-0-name", "#parties-0-credit_code"))
    assert code["y"] >= name["y"] + name["height"]
    label = page.evaluate(
        "getComputedStyle(document.querySelector('#parties-0-name').closest('td'), '::before').content"
    )
    assert "单位名称" in label  # each stacked field says what it is


def test_screenshots_of_the_main_pages_on_desktop_and_phone(
    page, live: tuple[str, Factory], tmp_path: Path
) -> None:
    from matchmaker.accounts.values import OrgType
    from matchmaker.postings.values import PostingKind, PostingStatus

    base, make = live
    owner, university, bureau = make.user(), make.user(org_type=OrgType.UNIVERSITY), make.bureau()
    need = make.posting(
        owner,
        PostingKind.RD_NEED,
        title="箱式变电站温升在线监测",
        description="现有箱变仅靠温控器报警，希望开发无线测温在线监测系统，测温精度±1℃，故障预警准确率90%以上。",
        keywords=["在线监测", "无线测温", "箱式变电站"],
    )
    make.posting(
        university,
        PostingKind.RESEARCH_OUTCOME,
        title="变电设备无线测温与故障预警技术",
        description="面向箱式变电站和开关柜的无线测温传感与故障预警算法，测温精度±0.5℃，已在多座变电站应用。",
        keywords=["无线测温", "故障预警", "变电站"],
    )
    for i in range(3):
        make.posting(
            owner, PostingKind.RD_NEED, PostingStatus.PENDING, title=f"等待审核的研发需求第{i + 1}项"
        )
    for size, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(f"{base}/")
        shoot(page, tmp_path, f"home-{suffix}")
        page.goto(f"{base}/postings/{need}")
        assert "变电设备无线测温与故障预警技术" in page.content()
        shoot(page, tmp_path, f"posting-{suffix}")
    login(page, base, bureau)
    page.goto(f"{base}/review/postings")
    shoot(page, tmp_path, "review-queue-phone")
    card_width = page.evaluate(
        "document.querySelector('table.cards tr:nth-child(1)').getBoundingClientRect().width"
    )
    assert card_width <= PHONE["width"]  # rows are cards, not a table squeezed to two characters a line


def test_a_need_found_on_a_visit_becomes_an_agreement_credited_to_its_specialist(
    page, live: tuple[str, Factory], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 24's journey: a 技术经纪人 records a visit with a need → the enterprise confirms it on a
    phone → bureau staff publish it → the broker introduces a university's outcome and the
    enterprise accepts → three months on, the follow-up is answered 已签约, which opens 登记协议
    prefilled from the pairing → the agreement is confirmed and verified → it counts on 计划进展,
    and 人员业绩 and the agreement page credit the broker."""
    from matchmaker.accounts import operations as accounts
    from matchmaker.accounts.creditcode import check_digit
    from matchmaker.accounts.models import Organization
    from matchmaker.accounts.values import OrgType
    from matchmaker.core import jobs
    from matchmaker.followups import operations as followups
    from matchmaker.postings.values import PostingKind
    from matchmaker.specialists import operations as specialists
    from matchmaker.specialists.values import SpecialistKind
    from tests.test_followups import Today

    base, make = live
    bureau, enterprise = make.bureau(), make.user()
    university, broker = make.user(org_type=OrgType.UNIVERSITY), make.user(org_type=OrgType.AGENCY)
    outcome = make.posting(
        university,
        PostingKind.RESEARCH_OUTCOME,
        title="高速冲床模具在线状态监测技术",
        description="基于声发射与振动信号的冲压模具磨损、崩刃在线监测，已在多家汽车零部件企业应用。",
        keywords=["在线监测", "冲压模具"],
    )
    with make.app.app_context():  # bureau staff appoint the broker and assign it the enterprise
        staff, person = accounts.find_user_by_email(bureau), accounts.find_user_by_email(broker)
        assert staff is not None and person is not None
        person.name = "王经纪"
        appointed = specialists.appoint(person, SpecialistKind.BROKER, "扬州科创技术经纪人团队", actor=staff)
        org = db.session.get(Organization, make.org_of(enterprise))
        other = db.session.get(Organization, make.org_of(university))
        assert org is not None and other is not None
        specialists.assign(appointed, org, actor=staff)
        org_name, other_name = org.name, other.name
        db.session.commit()
    started = clock.today()

    # The broker visits the enterprise and writes down the need found there.
    login(page, base, broker, lands="/specialists/workbench")  # a broker's home is its 工作台
    page.click(f"section.enterprise:has-text('{org_name}') >> text=记录走访")
    page.fill("#visited_on", started.isoformat())
    page.fill("#met", "张总（技术副总）")
    page.fill("#notes", "冲压车间模具崩刃靠人工巡检发现，停机损失大；企业希望引入在线监测。")
    page.select_option("#need_kind", PostingKind.RD_NEED.value)
    page.fill("#need_title", "冲压模具崩刃在线监测")
    page.fill(
        "#need_description",
        "高速冲床模具崩刃后要停机换模，希望在线监测模具状态，崩刃后3秒内停机报警，误报率低于1%。",
    )
    page.click("button:has-text('保存走访记录')")
    page.wait_for_selector("text=已记录走访")
    assert "冲压模具崩刃在线监测" in page.inner_text("main")
    logout(page)

    # The enterprise's user confirms it on a phone.
    phone_context = page.context.browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3
    )
    phone_context.set_default_timeout(15_000)
    phone = phone_context.new_page()
    try:
        login(phone, base, enterprise)
        phone.goto(f"{base}/specialists/mine")
        phone.tap("a:has-text('确认：冲压模具崩刃在线监测')")
        phone.wait_for_url(f"{base}/specialists/needs/*")
        need = int(phone.url.rsplit("/", 1)[1])
        assert "王经纪" in phone.inner_text("main")  # who wrote it down on the enterprise's behalf
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the confirm page is {width}px wide on a phone"
        phone.tap("button:has-text('确认并提交审核')")
        phone.wait_for_selector("text=已确认，需求已提交主管部门审核")
    finally:
        phone_context.close()

    # Bureau staff publish it from the review queue.
    login(page, base, bureau)
    open_menu(page, "管理", "信息审核")
    page.click("text=冲压模具崩刃在线监测")
    page.click("button:has-text('通过并发布')")
    page.wait_for_selector("text=已发布：冲压模具崩刃在线监测")
    logout(page)

    # The broker introduces the university's outcome to the need.
    login(page, base, broker, lands="/specialists/workbench")
    page.goto(f"{base}/specialists/broker?target={need}")
    page.select_option("#other", str(outcome))
    page.fill("#message", "贵校的模具状态监测技术正对企业的崩刃监测需求，建议双方洽谈。")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已为双方牵线")
    pairing_url = page.url
    logout(page)

    # The enterprise accepts.
    login(page, base, enterprise)
    page.goto(pairing_url)
    page.click("button:has-text('接受，开始对接')")
    page.wait_for_selector("text=双方现在可以看到彼此的联系方式")

    # Three months later the daily job asks both sides how it is going.
    today = Today(monkeypatch)
    with make.app.app_context():
        today.set(followups.add_months(started, followups.months()[0]))
        jobs.enqueue("followups.daily")

    # The enterprise answers 已签约, which opens 登记协议 prefilled from the pairing.
    page.goto(f"{base}/followups/")
    page.click("article.followup-card >> text=冲压模具崩刃在线监测")
    page.check("label:has-text('已签约')")
    page.click("button:has-text('提交回答')")
    page.wait_for_url(f"{base}/agreements/new?pairing=*")
    assert page.input_value("#title") == "冲压模具崩刃在线监测"
    assert {page.input_value("#parties-0-name"), page.input_value("#parties-1-name")} == {
        org_name,
        other_name,
    }
    page.fill("#title", "冲压模具崩刃在线监测系统技术开发合同")
    page.fill("#signed_on", clock.today().isoformat())
    page.fill("#contract_amount", "50")
    page.fill("#tech_amount", "45")
    for n in (0, 1):
        if page.input_value(f"#parties-{n}-name") == org_name and not page.input_value(
            f"#parties-{n}-credit_code"
        ):
            page.fill(f"#parties-{n}-credit_code", "91321023MA0000024" + check_digit("91321023MA0000024"))
    page.click("button:has-text('登记协议')")
    page.wait_for_selector("text=协议已登记")
    agreement_url = page.url
    logout(page)

    login(page, base, university)  # the other side confirms
    page.goto(agreement_url)
    page.click("button:has-text('确认：我方签订了这份协议')")
    page.wait_for_selector("text=已确认。主管部门核验后")
    logout(page)

    # Bureau staff verify it: it counts, and the broker is credited with it.
    login(page, base, bureau)
    dashboard = f"{base}/agreements/dashboard?year={clock.today().year}"
    figure = "li.indicator:has-text('产学研合作协议') .figure strong"
    page.goto(dashboard)
    before = int(page.inner_text(figure))
    page.goto(agreement_url)
    attribution = page.inner_text("section.attribution dl")
    assert attribution.count("王经纪") == 2  # found the need, brokered the pairing
    page.click("button:has-text('核验通过，计入统计')")
    page.wait_for_selector("text=已核验，协议计入统计")
    page.goto(dashboard)
    assert int(page.inner_text(figure)) == before + 1

    page.goto(f"{base}/specialists/results?from={started.isoformat()}&to={clock.today().isoformat()}")
    row = page.locator("table[data-grouping=specialist] tr.result-row:has-text('王经纪')")
    assert row.count() == 1
    values = {
        code: row.locator(f"td[data-figure={code}]").inner_text().strip()
        for code in ("visits", "needs", "confirmed", "pairings", "agreements", "tech_amount")
    }
    assert values == {
        "visits": "1",
        "needs": "1",
        "confirmed": "1",
        "pairings": "1",
        "agreements": "1",
        "tech_amount": "45.00",
    }
    row.locator("td[data-figure=agreements] a").click()
    page.wait_for_selector("text=冲压模具崩刃在线监测系统技术开发合同")
