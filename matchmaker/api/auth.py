"""Bearer-token authentication: every API call acts as the token's user, never as a browser session.

Session cookies are deliberately ignored here, which is what makes it safe to exempt the API from
CSRF protection: a forged cross-site request carries cookies, never the Authorization header.
"""

from __future__ import annotations

from flask import g, request

from matchmaker.accounts import tokens
from matchmaker.accounts.models import ApiToken, User
from matchmaker.api.errors import ApiError
from matchmaker.core.extensions import db

PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs"}


def bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


def request_token() -> ApiToken | None:
    """The usable token this request presents, looked up once per request (the rate limiter's key
    function asks first, so made-up tokens share their address's count instead of one each)."""
    if "api_token" not in g:
        secret = bearer_secret()
        g.api_token = tokens.authenticate(secret) if secret else None
    return g.api_token


def rate_limit_identity() -> str | None:
    """What the rate limiter counts a request against: its valid token (made-up tokens count
    against their address, so they can't open a fresh bucket each)."""
    token = request_token()
    return f"token:{token.id}" if token is not None else None


def authenticate() -> None:
    """``before_request`` of the API: resolve the bearer token or answer 401."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if bearer_secret() is None:
        raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="matchmaker"'})
    token = request_token()
    if token is None:
        raise ApiError(
            401,
            "访问令牌无效、已过期或已被吊销，或账号已停用。",
            headers={"WWW-Authenticate": 'Bearer realm="matchmaker", error="invalid_token"'},
        )
    g.api_user = token.user
    if token.touch():
        db.session.commit()


def api_user() -> User:
    """The user the current API call acts as (set by ``authenticate``)."""
    return g.api_user
