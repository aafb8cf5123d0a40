"""Who may do what: one place for the rules that pages, exports and the API share.

(The journal-and-policy work gathers every permission rule here; this is where it starts.)
"""

from __future__ import annotations

from typing import Any


def is_member(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


def may_see_contacts(user: Any) -> bool:
    """Contact names and phone numbers of postings — on posting pages, in published lists and
    their downloads, and in the API — are for logged-in users only, never for anonymous
    visitors (harvesting them is what spam callers do). docs/SECURITY.md states the rule."""
    return is_member(user)
