"""Flask-Login's user loader: the session key in the cookie → the user of that open session."""

from __future__ import annotations

from flask import flash

from matchmaker.accounts import sessions
from matchmaker.accounts.models import User

LAPSED = {
    "idle": "您已较长时间没有操作，为了账号安全已自动退出，请重新登录。",
    "expired": "登录已到期，请重新登录。",
}


def load_user(key: str) -> User | None:
    user, lapsed = sessions.resume(key)
    if lapsed in LAPSED:
        flash(LAPSED[lapsed], "warning")
    return user
