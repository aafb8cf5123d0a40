"""Server-side login sessions: start one at login, resume it per request, end it (or all of a
user's) on logout, password change or when an account is disabled."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from matchmaker import policy
from matchmaker.accounts.models import LoginSession, User, key_digest
from matchmaker.core.database import write_if_free
from matchmaker.core.exceptions import PermissionDenied
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.core.models import utcnow

TOUCH_EVERY = timedelta(seconds=60)  # "last seen" is kept to the minute: one write a minute at most


def _lifetime(remember: bool) -> timedelta:
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]
    return lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=int(lifetime))


def _idle(session: LoginSession) -> timedelta | None:
    config = current_app.config
    return session.idle_limit(config["SESSION_IDLE_MINUTES_BUREAU"], config["SESSION_IDLE_MINUTES"])


def start(user: User, *, remember: bool, address: str | None, user_agent: str | None) -> LoginSession:
    """A new session for ``user``; afterwards ``user.get_id()`` gives its key for the cookies."""
    session, key = LoginSession.begin(
        user, remember=remember, lifetime=_lifetime(remember), address=address, user_agent=user_agent
    )
    db.session.add(session)
    db.session.flush()
    user.login_key, user.login_session = key, session
    record("user.logged_in", user, actor=user, changes={"remember": [None, remember]})
    return session


def resume(key: str) -> tuple[User | None, str | None]:
    """The user of the open session with this key, or None and why it lapsed ("idle", "expired";
    None when the key is unknown or the session was ended on purpose)."""
    if not key or len(key) > 100:
        return None, None
    session = db.session.scalar(
        select(LoginSession)
        .where(LoginSession.key_hash == key_digest(key))
        .options(joinedload(LoginSession.user))  # every request needs both: one round trip
    )
    if session is None or not session.is_open or not session.user.is_active:
        return None, None
    now = utcnow()
    lapsed = session.lapse(now, _idle(session))
    if lapsed is not None:
        _end_now(session, lapsed)
        return None, lapsed
    if now - session.last_seen_at >= TOUCH_EVERY:
        _touch(session, now)
    user = session.user
    user.login_key, user.login_session = key, session
    return user, None


def _touch(session: LoginSession, now: datetime) -> None:
    """Record activity without joining the request's transaction (a GET stays read-only)."""
    if write_if_free(update(LoginSession).where(LoginSession.id == session.id).values(last_seen_at=now)):
        set_committed_value(session, "last_seen_at", now)  # in step, without dirtying the ORM object


def _end_now(session: LoginSession, reason: str) -> None:
    write_if_free(
        update(LoginSession)
        .where(LoginSession.id == session.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def end_current(user: User, reason: str = "logout") -> None:
    session: LoginSession | None = getattr(user, "login_session", None)
    if session is not None:
        session.end(reason)
        record("user.logged_out", user, actor=user)
        db.session.flush()


def end_all(user: User, reason: str) -> int:
    """End every open session of ``user`` (every device, every remember-me cookie)."""
    sessions = open_sessions(user)
    for session in sessions:
        session.end(reason)
    db.session.flush()
    return len(sessions)


def end_one(user: User, session_id: int, *, actor: User) -> None:
    """A user ends one of their own sessions (a device they no longer use)."""
    session = db.session.get(LoginSession, session_id)
    if session is None or actor.id != user.id:
        raise PermissionDenied("只能结束自己的登录。")
    policy.require(actor, "account.own", session)
    session.end("ended")
    record(
        "user.session_ended",
        user,
        actor=actor,
        note=f"{session.address or ''} {session.user_agent or ''}".strip(),
    )
    db.session.flush()


def open_sessions(user: User) -> list[LoginSession]:
    """The user's sessions that could still be used, newest first."""
    now = utcnow()
    sessions = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .order_by(LoginSession.id.desc())
    ).all()
    return [s for s in sessions if s.lapse(now, _idle(s)) is None]
