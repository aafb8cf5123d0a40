"""Search published postings; see proposed counterparts of one's own postings."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select

from matchmaker import policy, search
from matchmaker.core import clock
from matchmaker.core.extensions import db
from matchmaker.core.web import MAX_PAGE, int_arg
from matchmaker.pairings import queries as pairing_queries
from matchmaker.policy import requires
from matchmaker.postings import queries as posting_queries
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind, PostingStatus
from matchmaker.search.evidence import passage
from matchmaker.taxonomy.forms import term_pairs
from matchmaker.taxonomy.models import TechField, Town

bp = Blueprint("matches", __name__)

MINE_PER_POSTING = 5
SHOWN = posting_queries.SHOWN_MIN_STRENGTH


@dataclass
class Hit:
    """A search result as the page shows it: the posting and its highlighted title and passage."""

    posting: Posting
    title: Markup
    passage: Markup


def town_named(text: str, towns: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The town the whole query names ("曹甸镇", or "曹甸"): 镇区 is a filter, not a word of the
    postings, so the page says so instead of answering 没有找到."""
    query = "".join(text.split())
    for town_id, name in towns:
        short = name.removesuffix("镇").removesuffix("乡").removesuffix("街道")
        if query and query in (name, short) and len(query) >= 2:
            return town_id, name
    return None


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
    towns = term_pairs(Town)
    return render_template(
        "matches/search.html",
        q=text,
        town_named=town_named(text, towns),
        kind=kind,
        field_id=field_id,
        town_id=town_id,
        results=results,
        hits=hits,
        fields=[("", "全部技术领域"), *term_pairs(TechField)],
        towns=[("", "全部镇区"), *towns],
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
    # Which proposals the organisation already talks about, for the whole page in one statement.
    ours = pairing_queries.ours_on([pr.posting for _, found in groups for pr in found], current_user)
    return render_template("matches/mine.html", groups=groups, page=page, ours_on_page=ours)
