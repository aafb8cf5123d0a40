"""Jinja filters and globals: moments shown in the site's time zone (clock.py), money, enums for
templates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, request, url_for
from flask_login import current_user

from matchmaker import clock, policy
from matchmaker.evidence import passage
from matchmaker.models import (
    CloseReason,
    DeclineReason,
    OrgStatus,
    OrgType,
    PairingState,
    PostingKind,
    PostingStatus,
    Role,
    Visibility,
)
from matchmaker.pairings import queries as pairing_queries


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
    """The current URL with some query arguments replaced (for pagination and filters)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


def unread_notifications() -> int:
    """For the header's badge: the logged-in user's unread notifications (counted once a request,
    however many places of the page show it)."""
    from matchmaker.services.notifications import unread_count

    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return g.unread_notifications


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
        our_pairings=lambda postings: pairing_queries.ours_on(postings, current_user),
        may=lambda action, obj=None: policy.may(current_user, action, obj),
    )
