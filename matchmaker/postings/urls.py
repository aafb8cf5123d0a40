"""Postings in URLs: the ``<kind:…>`` converter and the lookup that answers 404 for a posting the
viewer may not see."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from werkzeug.routing import BaseConverter, ValidationError

from matchmaker import policy
from matchmaker.core.extensions import db
from matchmaker.postings.models import Posting
from matchmaker.postings.values import PostingKind


def get_posting_or_404(posting_id: int, *, action: str | None = None, viewer: Any = None) -> Posting:
    """The posting if ``viewer`` (default: the logged-in user) may see it (404 otherwise: don't
    reveal it exists), and, given ``action``, may do that to it (403)."""
    viewer = current_user if viewer is None else viewer
    posting = db.get_or_404(Posting, posting_id)
    if not policy.may(viewer, "posting.view", posting):
        abort(404)
    if action is not None and not policy.may(viewer, action, posting):
        abort(403)
    return posting


class PostingKindConverter(BaseConverter):
    """``<kind:kind>`` in routes: 'rd-need' ⇄ PostingKind.RD_NEED; anything else is a 404."""

    regex = "[a-z-]+"

    def to_python(self, value: str) -> PostingKind:
        kind = PostingKind.from_slug(value)
        if kind is None:
            raise ValidationError()
        return kind

    def to_url(self, value: PostingKind | str) -> str:
        return PostingKind(value).slug
