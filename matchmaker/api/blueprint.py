"""The API v1 blueprint: token authentication before every request and one shared rate limit.
Its routes live in each capability's api.py (postings, pairings, notifications, taxonomy's
vocabularies…) and views.py here (the description). A flask-smorest Blueprint: converted resources
declare their schemas with @bp.arguments / @bp.response (docs/API-SCHEMAS.md)."""

from __future__ import annotations

from flask import current_app

from matchmaker.api.auth import authenticate
from matchmaker.core.apidoc import Blueprint
from matchmaker.core.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")(bp)


def write_limit() -> str:
    return current_app.config["API_WRITE_RATE_LIMIT"]
