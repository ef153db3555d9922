"""Reads on partners, from the side of the user who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from sharing.models import Partner

SHARED_BY = "shared-by"
SHARED_WITH = "shared-with"


def partners_of(*, user: User, direction: str) -> QuerySet[Partner]:
    """`shared-by`: the users `user` shares with; `shared-with`: the users who share with `user`."""
    if direction == SHARED_BY:
        partners = Partner.objects.filter(shared_by=user, shared_with__deleted_at__isnull=True)
    else:
        partners = Partner.objects.filter(shared_with=user, shared_by__deleted_at__isnull=True)
    return partners.select_related("shared_by", "shared_with").order_by("created_at")
