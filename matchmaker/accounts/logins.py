"""Logging in: the password check, with throttling per account and per address and back-off.

Failures are rows in the database, the one store every worker and web machine shares. After
LOGIN_ACCOUNT_FAILURES failures within LOGIN_FAILURE_WINDOW minutes an e-mail is locked for one
minute, then 2, 4, 8 … up to LOGIN_MAX_LOCK_MINUTES with each further failure; an address the
same after LOGIN_ADDRESS_FAILURES (several people may share an office's address). While locked,
even the right password is refused, so guessing gains nothing. Unknown e-mails are counted and
timed exactly like known ones, so neither reveals which e-mails have accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from matchmaker.accounts.models import LoginFailure, User
from matchmaker.accounts.operations import find_user_by_email
from matchmaker.accounts.passwords import check_nobody
from matchmaker.core.database import execute_dml
from matchmaker.core.exceptions import DomainError
from matchmaker.core.extensions import db
from matchmaker.core.journal import record
from matchmaker.core.models import utcnow

WRONG = "邮箱或密码不正确。"


class LoginRefused(DomainError):
    """The login was refused; ``message`` says why in Chinese (locks say until when)."""

    def __init__(self, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True)
class Limit:
    scope: str
    failures: int  # allowed within the window before a lock starts


def _limits() -> list[Limit]:
    config = current_app.config
    return [
        Limit("account", int(config["LOGIN_ACCOUNT_FAILURES"])),
        Limit("address", int(config["LOGIN_ADDRESS_FAILURES"])),
    ]


def locked_until(scope: str, key: str, allowed: int, now: datetime) -> datetime | None:
    """When the lock on ``key`` ends, if it is locked at ``now``."""
    config = current_app.config
    window = timedelta(minutes=int(config["LOGIN_FAILURE_WINDOW"]))
    count, last = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.at > now - window
        )
    ).one()
    if count < allowed or last is None:
        return None
    if last.tzinfo is None:  # func.max() bypasses the column type on SQLite
        last = datetime.fromisoformat(str(last)).replace(tzinfo=now.tzinfo)
    minutes = min(2 ** (count - allowed), int(config["LOGIN_MAX_LOCK_MINUTES"]))
    until = last + timedelta(minutes=minutes)
    return until if until > now else None


def _keys(email: str, address: str | None) -> dict[str, str]:
    return {"account": User.normalize_email(email)[:254], "address": (address or "unknown")[:254]}


def _lock(keys: dict[str, str], now: datetime) -> tuple[str, datetime] | None:
    for limit in _limits():
        until = locked_until(limit.scope, keys[limit.scope], limit.failures, now)
        if until is not None:
            return limit.scope, until
    return None


def _refusal(scope: str, until: datetime) -> LoginRefused:
    from matchmaker.templating import format_datetime

    when = format_datetime(until, "%m月%d日 %H:%M")
    if scope == "account":
        message = (
            f"该账号连续多次密码错误，为防止被人猜中已暂时锁定，请于 {when} 之后再试。"
            "如果忘记了密码，请联系主管部门重置。"
        )
    else:
        message = f"此网络地址登录失败次数过多，已暂时限制登录，请于 {when} 之后再试。"
    return LoginRefused(message, until)


def authenticate(email: str, password: str, *, address: str | None) -> User:
    """The user these credentials belong to; LoginRefused otherwise. Records failures (the caller
    commits in both cases, so a refused attempt still counts)."""
    now = utcnow()
    keys = _keys(email, address)
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    lock = _lock(keys, now)
    if lock is not None:
        check_nobody(password, method)  # a locked answer takes as long as any other
        raise _refusal(*lock)
    user = find_user_by_email(email)
    ok = user.check_password(password) if user is not None else check_nobody(password, method)
    if user is None or not ok:
        for scope, key in keys.items():
            db.session.add(LoginFailure(scope=scope, key=key, at=now))
        db.session.flush()
        lock = _lock(keys, now)
        if lock is not None:
            scope, until = lock
            record(  # a lock is worth a journal entry (the failures themselves are counters)
                "user.locked",
                user,
                actor=None,
                object_type="user",
                note=f"{'账号' if scope == 'account' else '网络地址'} {keys[scope]} 锁定至 {until.isoformat(timespec='minutes')}",
            )
            raise _refusal(*lock)
        raise LoginRefused(WRONG)
    if not user.is_active:
        raise LoginRefused("该账号已停用，请联系主管部门。")
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.scope == "account", LoginFailure.key == keys["account"])
    )
    forget_old_failures(now)
    user.last_login_at = now
    db.session.flush()
    return user


def forget_old_failures(now: datetime | None = None) -> int:
    """Drop failures older than a day (they no longer count); run now and then."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    result = execute_dml(delete(LoginFailure).where(LoginFailure.at < cutoff))
    return result.rowcount or 0
