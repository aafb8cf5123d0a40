"""Write operations: plain typed functions that take the actor, flush, and never commit.

The request (or CLI command) that calls them owns the transaction.
"""

from matchmaker.exceptions import PermissionDenied
from matchmaker.models import User


def require_bureau(actor: User) -> None:
    """Only bureau staff review, verify and maintain vocabularies."""
    if not actor.is_bureau:
        raise PermissionDenied("此操作仅限主管部门工作人员。")
