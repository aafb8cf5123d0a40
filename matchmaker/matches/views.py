"""Search published postings; see proposed counterparts of one's own postings."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select

from matchmaker import clock, policy, search
from matchmaker.evidence import passage
from matchmaker.extensions import db
from matchmaker.forms import term_pairs
from matchmaker.models import Posting, PostingKind, PostingStatus, TechField, Town
from matchmaker.postings import queries as posting_queries
from matchmaker.web import MAX_PAGE, int_arg, requires

bp = Blueprint("matches", __name__)

MINE_PER_POSTING = 5
SHOWN = posting_queries.SHOWN_MIN_STRENGTH


@dataclass
class Hit:
    """A search result as the page shows it: the posting and its highlighted title and passage."""

    posting: Posting
    title: Markup
    passage: Markup


@bp.get("/search")
@policy.enforces(policy.PUBLIC)
def search_page() -> str:
    text = request.args.get("q", "").strip()
    kind = PostingKind.from_label(request.args.get("kind", "")) if request.args.get("kind") else None
    field_id, town_id = int_arg("field"), int_arg("town")
    results, hits = None, []
    if text:
        found = search.find(text, kind=kind, tech_field_id=field_id, town_id=town_id)
        results = posting_queries.search_page(found, current_user)
        words = found.query.words
        hits = [
            Hit(p, passage(p.title, words, whole=True), passage(p.description, words)) for p in results.items
        ]
    return render_template(
        "matches/search.html",
        q=text,
        kind=kind,
        field_id=field_id,
        town_id=town_id,
        results=results,
        hits=hits,
        fields=[("", "全部技术领域"), *term_pairs(TechField)],
        towns=[("", "全部镇区"), *term_pairs(Town)],
        max_chars=current_app.config["SEARCH_MAX_QUERY_CHARS"],
    )


@bp.get("/matches")
@requires("postings.own")
def mine() -> str:
    """为我推荐: for each of the organisation's current published postings, newest first and a few
    to a page (each posting's proposals are a search of their own), its best counterparts."""
    page = db.paginate(
        select(Posting)
        .where(
            Posting.organization_id == current_user.organization_id,
            Posting.status == PostingStatus.PUBLISHED,
            or_(Posting.valid_until.is_(None), Posting.valid_until >= clock.today()),
        )
        .order_by(Posting.published_at.desc(), Posting.id.desc()),
        page=int_arg("page", maximum=MAX_PAGE) or 1,
        per_page=current_app.config["MATCHES_POSTINGS_PER_PAGE"],
        error_out=False,
    )
    groups = [
        (p, posting_queries.proposals(p, current_user, limit=MINE_PER_POSTING, min_strength=SHOWN))
        for p in page.items
    ]
    return render_template("matches/mine.html", groups=groups, page=page)
