"""Bearer-token authentication: every API call acts as the token's user, never as a browser session.

Session cookies are deliberately ignored here, which is what makes it safe to exempt the API from
CSRF protection: a forged cross-site request carries cookies, never the Authorization header.
"""

from __future__ import annotations

from flask import g, request

from matchmaker.api.errors import ApiError
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import tokens

PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs"}


def authenticate() -> None:
    """``before_request`` of the API: resolve the bearer token or answer 401."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="matchmaker"'})
    token = tokens.authenticate(secret.strip())
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
