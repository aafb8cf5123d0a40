"""JSON API v1: postings, their proposals, vocabularies, and the API's own description."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from matchmaker import policy, search
from matchmaker.accounts.models import User
from matchmaker.api import inputs, openapi, serialize
from matchmaker.api.auth import api_user
from matchmaker.api.blueprint import bp, write_limit
from matchmaker.api.errors import ApiError
from matchmaker.core import apidoc
from matchmaker.core.exceptions import InvalidTransition
from matchmaker.core.extensions import db, limiter
from matchmaker.postings import operations as service
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.models import (
    CooperationMode,
    IPStatus,
    Maturity,
    Posting,
    PostingKind,
    PostingStatus,
    Visibility,
)
from matchmaker.postings.urls import get_posting_or_404
from matchmaker.taxonomy.models import TechField, Town


@bp.get("/openapi.json")
@policy.enforces(policy.PUBLIC)
def openapi_json() -> Response:
    return jsonify(apidoc.document(openapi.spec()))


@bp.get("/docs")
@policy.enforces(policy.PUBLIC)
def docs() -> str:
    description = apidoc.document(openapi.spec())
    return render_template("api/docs.html", spec=description, operations=openapi.operations(description))


@bp.get("/vocabularies")
@policy.enforces(policy.PUBLIC)
def vocabularies() -> Response:
    inputs.reject_unknown_params(request.args, frozenset())

    def codes(enum: Any) -> list[dict[str, str]]:
        return [{"code": code, "label": label} for code, label in enum.choices()]

    return jsonify(
        {
            "kinds": codes(PostingKind),
            "statuses": codes(PostingStatus),
            "visibility": codes(Visibility),
            "cooperation_modes": codes(CooperationMode),
            "maturity": codes(Maturity),
            "ip_status": codes(IPStatus),
            "fields": inputs.term_names(TechField),
            "towns": inputs.term_names(Town),
        }
    )


@bp.get("/postings")
@policy.enforces("posting.see_contacts", "posting.see_confidential")
def list_postings() -> Response:
    user = api_user()
    query = inputs.list_query(request.args)
    postings, total, estimated = _search(query, user) if query.q else _browse(query, user)
    return jsonify(
        {
            "items": [serialize.posting(p, user) for p in postings],
            "page": query.page,
            "per_page": query.per_page,
            "total": total,
            "estimated": estimated,
        }
    )


def _browse(query: inputs.ListQuery, user: User) -> tuple[list[Posting], int, bool]:
    """Published postings the user may read plus the user's organisation's own, latest change first."""
    stmt = (
        select(Posting)
        .where(or_(policy.listed_postings(user), policy.own_postings(user)))
        .options(
            selectinload(Posting.organization), selectinload(Posting.tech_field), selectinload(Posting.town)
        )
        .order_by(Posting.updated_at.desc(), Posting.id.desc())
    )
    if query.kind:
        stmt = stmt.where(Posting.kind == query.kind)
    if query.tech_field:
        stmt = stmt.where(Posting.tech_field_id == query.tech_field.id)
    if query.town:
        stmt = stmt.where(Posting.town_id == query.town.id)
    page = db.paginate(stmt, page=query.page, per_page=query.per_page, error_out=False)
    return list(page.items), page.total or 0, False


def _search(query: inputs.ListQuery, user: User) -> tuple[list[Posting], int, bool]:
    """Full-text search over published postings, best first (the web search page's ranking)."""
    assert query.q is not None
    found = search.find(
        query.q,
        kind=query.kind,
        tech_field_id=query.tech_field.id if query.tech_field else None,
        town_id=query.town.id if query.town else None,
    )
    results = posting_queries.search_page(found, user, page=query.page, per_page=query.per_page)
    return results.items, results.page.total or 0, found.capped


@bp.post("/postings")
@policy.enforces("posting.create", "posting.submit", "posting.see_contacts", "posting.see_confidential")
@limiter.limit(write_limit, override_defaults=False)
def create_posting() -> tuple[Response, int, dict[str, str]]:
    """A posting for the caller's organisation: a draft, or submitted for review with "submit": true."""
    user = api_user()
    payload = inputs.json_body()
    kind = inputs.posting_kind(payload)
    if not policy.may(user, "posting.create", kind):
        raise ApiError(403, f"{user.role.label}用户不能发布“{kind.label}”。")
    details, submit = inputs.posting_details(payload, kind)
    posting = service.create_posting(kind, details, actor=user)
    if submit:
        try:
            service.submit_posting(posting, actor=user)
        except InvalidTransition as error:
            db.session.rollback()
            raise ApiError(422, errors={"submit": [error.message]}) from None
    db.session.commit()
    location = url_for("api.get_posting", posting_id=posting.id)
    return jsonify(serialize.posting(posting, user)), 201, {"Location": location}


@bp.get("/postings/<int:posting_id>")
@policy.enforces("posting.view", "posting.see_contacts", "posting.see_confidential")
def get_posting(posting_id: int) -> Response:
    inputs.reject_unknown_params(request.args, frozenset())
    user = api_user()
    return jsonify(serialize.posting(get_posting_or_404(posting_id, viewer=user), user))


@bp.get("/postings/<int:posting_id>/matches")
@policy.enforces("posting.view")
def posting_matches(posting_id: int) -> Response:
    """The proposals the posting's web page shows, best first (none unless it is published and current)."""
    limit = inputs.match_limit(request.args)
    user = api_user()
    posting = get_posting_or_404(posting_id, viewer=user)
    proposals: list[posting_queries.Proposal] = []
    if posting.status is PostingStatus.PUBLISHED and not posting.is_expired:
        proposals = posting_queries.proposals(
            posting, user, limit=limit, min_strength=posting_queries.SHOWN_MIN_STRENGTH
        )
    return jsonify({"posting_id": posting.id, "matches": [serialize.match(p) for p in proposals]})
