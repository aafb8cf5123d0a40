"""Jinja filters and globals: moments shown in the site's time zone (clock.py), money, enums for
templates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from wtforms import Form

from matchmaker import policy
from matchmaker.accounts.values import OrgStatus, OrgType, Role
from matchmaker.core import clock
from matchmaker.core.forms import problems
from matchmaker.pairings import queries as pairing_queries
from matchmaker.pairings.values import DeclineReason, PairingState
from matchmaker.postings.values import CloseReason, PostingKind, PostingStatus, Visibility
from matchmaker.search.evidence import passage


def format_datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return clock.local(value).strftime(fmt)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "%Y-%m-%d")
    return value.strftime("%Y-%m-%d")


def format_money(value: Decimal | None) -> str:
    """万元 amounts without trailing zeros: 12.50 → 12.5 万元; None → 面议."""
    if value is None:
        return "面议"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} 万元"


def format_size(size: int | None) -> str:
    """A file's size as people read it: 193 字节, 12.5 KB, 3.2 MB (never "0 KB")."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} 字节"
    amount, unit = (size / 1024, "KB") if size < 1024 * 1024 else (size / 1024 / 1024, "MB")
    return f"{amount:.1f}".removesuffix(".0") + f" {unit}"


# (name in the user agent, name shown): order matters — Edge and Opera also say "Chrome", every
# Chromium browser says "Safari", WeChat's and QQ's built-in browsers say both.
_BROWSERS = (
    ("MicroMessenger/", "微信"),
    ("QQBrowser/", "QQ浏览器"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Version/", "Safari"),
)
_SYSTEMS = (
    ("HarmonyOS", "鸿蒙"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_summary(user_agent: str | None) -> str:
    """A login's browser and system as a person says it ("Chrome 120 · Windows") from the raw
    user-agent string; whatever it cannot read it leaves out (a script's agent shows as itself)."""
    if not user_agent:
        return "—"
    browser = ""
    for token, name in _BROWSERS:
        if token in user_agent:
            major = user_agent.split(token, 1)[1].split(".", 1)[0].split(" ", 1)[0]
            browser = f"{name} {major}" if major.isdigit() else name
            break
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if not browser and not system:
        return user_agent.split(" ", 1)[0][:40]  # curl/8.5.0, python-requests/2.31 …
    return " · ".join(part for part in (browser, system) if part)


def format_timestamp(value: float | None) -> str:
    """A Unix time (as the index's status file keeps it) in the site's time zone."""
    return format_datetime(datetime.fromtimestamp(value, UTC)) if value else ""


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (for pagination and filters).

    A query argument never overrides the path's own values nor reaches url_for's options
    (``_external``, ``_method``…): ``?kind=x`` on a list's second page was a 500."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    values: dict[str, Any] = dict(request.view_args or {})
    values |= {k: v for k, v in args.items() if k not in values and not k.startswith("_")}
    return url_for(request.endpoint or "main.index", **values)


def unread_notifications() -> int:
    """For the header's badge: the logged-in user's unread notifications (counted once a request,
    however many places of the page show it)."""
    from matchmaker.notifications.operations import unread_count

    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return g.unread_notifications


def navigation() -> list[tuple[str, list[tuple[str, str]]]]:
    """The header's groups of (url, text) links for the viewer, empty groups left out: few enough
    headings that a bureau user's header stays within two rows on a desktop."""
    from flask import current_app

    member = current_user.is_authenticated
    bureau = member and current_user.is_bureau
    own = member and not bureau
    info = [(url_for("postings.browse", kind=kind), kind.label) for kind in PostingKind]
    info.append((url_for("lists.index"), "发布清单"))
    pairing: list[tuple[str, str]] = []
    if own:
        info.append((url_for("postings.mine"), "我的发布"))
        pairing += [
            (url_for("matches.mine"), "为我推荐"),
            (url_for("pairings.mine"), "我的对接"),
            (url_for("agreements.index"), "我的协议"),
            (url_for("followups.mine"), "我的回访"),
        ]
    if member and policy.is_specialist(current_user):
        pairing.insert(0, (url_for("specialists.workbench"), "专员工作台"))
    if own and current_user.role is Role.ENTERPRISE:
        pairing.append((url_for("specialists.mine"), "走访与代填需求"))
    pairing += [(url_for("calls.index"), "揭榜挂帅"), (url_for("events.index"), "对接活动")]
    figures: list[tuple[str, str]] = []
    admin: list[tuple[str, str]] = []
    if bureau or current_app.config["DASHBOARD_PUBLIC"]:
        figures.append((url_for("agreements.dashboard"), "计划进展"))
    if own and _appointed():
        figures.append((url_for("specialist_results.index"), "我的业绩"))
    if bureau:
        pairing.append((url_for("agreements.index"), "协议台账"))
        figures += [
            (url_for("pairings.funnel"), "对接漏斗"),
            (url_for("followups.staff"), "回访统计"),
            (url_for("profiles.pool"), "培育库"),
            (url_for("agreements.plans"), "培育计划"),
            (url_for("specialist_results.index"), "人员业绩"),
        ]
        admin = [
            (url_for("review.posting_queue"), "信息审核"),
            (url_for("review.organization_queue"), "单位认证"),
            (url_for("specialists.index"), "专员与走访"),
            (url_for("admin.terms", slug="tech-fields"), "系统设置"),
            (url_for("admin.search_index"), "搜索索引"),
        ]
    groups = [("信息", info), ("对接", pairing), ("统计", figures), ("管理", admin)]
    return [(label, links) for label, links in groups if links]


def _appointed() -> bool:
    """The logged-in user is (or was) a 服务专员, 科技镇长团成员 or 技术经纪人: their 人员业绩 is in the
    header. Asked once a request."""
    from matchmaker.specialists.results import specialist_of

    if "appointed" not in g:
        g.appointed = specialist_of(current_user) is not None
    return bool(g.appointed)


@pass_context
def invalid_forms(context: Context) -> list[Form]:
    """The page's forms that came back with problems, for the error summary base.html puts at the
    top of every page: on a long page the form (and its errors) may be far below the fold. Each is
    marked so that the form's own form_errors() does not repeat the summary."""
    found: dict[int, Form] = {}
    for value in context.get_all().values():
        # Not form.errors: it is cached, and a view may attach a service's refusal after reading it.
        if isinstance(value, Form) and (value.form_errors or problems(value)):
            value.summarised_at_top = True  # type: ignore[attr-defined]  # a mark forms.html reads
            found.setdefault(id(value), value)
    return list(found.values())


def _current_diagnosis(posting: Any) -> Any:
    """A need's current grade (specialists' diagnosis), for its page: None when never graded."""
    from matchmaker.specialists import operations as specialists

    return specialists.current_diagnosis(posting) if posting.kind.is_need else None


def register(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(
        dt=format_datetime,
        date=format_date,
        money=format_money,
        timestamp=format_timestamp,
        filesize=format_size,
        device=device_summary,
    )
    app.jinja_env.globals.update(
        url_with=url_with,
        PostingKind=PostingKind,
        PostingStatus=PostingStatus,
        OrgStatus=OrgStatus,
        OrgType=OrgType,
        Role=Role,
        Visibility=Visibility,
        CloseReason=CloseReason,
        PairingState=PairingState,
        DeclineReason=DeclineReason,
        site_name=app.config["SITE_NAME"],
        passage=passage,
        unread_notifications=unread_notifications,
        navigation=navigation,
        invalid_forms=invalid_forms,
        form_problems=problems,
        our_pairings=lambda postings: pairing_queries.ours_on(postings, current_user),
        may=lambda action, obj=None: policy.may(current_user, action, obj),
        current_diagnosis=_current_diagnosis,
    )
