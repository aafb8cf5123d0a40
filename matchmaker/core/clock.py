"""The site's clock: "today", "now" and the current year in the configured time zone (TIMEZONE,
default Asia/Shanghai), whatever zone the server's process runs in. Deadlines, "not later than
today", the current year and mail digests all ask here; nothing else calls ``date.today()``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


@cache
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def known_zone(name: object) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (checked once, when the app starts)."""
    if not isinstance(name, str) or not name:
        return False
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_name() -> str:
    """The IANA name of the site's time zone (the app's TIMEZONE; the default outside an app)."""
    name = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else DEFAULT_TIMEZONE
    return str(name or DEFAULT_TIMEZONE)


def zone() -> tzinfo:
    """The site's time zone (the app's TIMEZONE; the default outside an app)."""
    return _zone(zone_name())


def now() -> datetime:
    """The current moment in the site's zone (aware)."""
    return datetime.now(UTC).astimezone(zone())


def today() -> date:
    """Today's date in the site's zone."""
    return now().date()


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the site's zone (for "from this date" filters on stored
    moments)."""
    return datetime.combine(day, time.min, tzinfo=zone())


def local(moment: datetime) -> datetime:
    """``moment`` (naive values are UTC, as stored) in the site's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())
