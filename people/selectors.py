"""Reads on people and faces, always scoped to the user who asks. Only faces on assets the user can see (not
trashed, deleted or hidden) count."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from accounts.models import User
from people.models import AssetFace, Person


def visible_asset_q(prefix: str = "") -> Q:
    """Faces (prefix "") or people (prefix "faces__") on assets that are shown: not trashed, not deleted, on the
    timeline or in the archive."""
    return Q(
        **{
            f"{prefix}asset__deleted_at__isnull": True,
            f"{prefix}asset__status": "active",
            f"{prefix}asset__visibility__in": ["timeline", "archive"],
        }
    )


def people_of(*, user: User, with_hidden: bool = False) -> QuerySet[Person]:
    """The user's people that have at least one visible face: shown ones first, named before unnamed, the most
    photographed first, then by name."""
    people = (
        Person.objects.filter(owner=user)
        .annotate(face_count=Count("faces", filter=visible_asset_q("faces__")))
        .filter(face_count__gt=0)
    )
    if not with_hidden:
        people = people.filter(is_hidden=False)
    unnamed = Case(When(name="", then=Value(1)), default=Value(0), output_field=IntegerField())
    return people.order_by("is_hidden", unnamed, "-face_count", "name", "created_at")


def people_counts(*, user: User) -> dict:
    """{total, hidden}: all people with visible faces (hidden ones included in total), and the hidden ones."""
    return (
        people_of(user=user, with_hidden=True)
        .order_by()
        .aggregate(total=Count("id"), hidden=Count("id", filter=Q(is_hidden=True)))
    )


def person_for(*, user: User, person_id) -> Person | None:
    return Person.objects.filter(owner=user, pk=person_id).first()


def person_statistics(*, person: Person) -> dict:
    assets = AssetFace.objects.filter(visible_asset_q(), person=person).values("asset_id").distinct().count()
    return {"assets": assets}


def asset_faces(*, asset_id) -> list[AssetFace]:
    """Every face on one asset with its person, in one query."""
    return list(AssetFace.objects.filter(asset_id=asset_id).select_related("person").order_by("x1", "y1", "id"))


def people_missing_thumbnails() -> QuerySet[Person]:
    """People with faces whose thumbnail is missing or was cut from a face that is gone; not those whose last
    attempt failed for a recorded reason (a new face, an edit or force tries them again)."""
    stale = Q(thumbnail_path="") | Q(feature_face__isnull=True)
    return Person.objects.filter(stale, faces__isnull=False, thumbnail_error="").distinct()
