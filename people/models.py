"""People (one per owner and name) and the faces tagged on assets, as boxes in the displayed image."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=255, blank=True, default="")
    # The face the thumbnail is cut from; None until chosen (the largest face) or after that face went away.
    feature_face = models.ForeignKey("AssetFace", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # "" means missing: set when the file is written, cleared whenever the feature face changes.
    thumbnail_path = models.TextField(blank=True, default="")
    thumbnail_error = models.TextField(blank=True, default="")
    is_hidden = models.BooleanField(default=False)
    birth_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], condition=~Q(name=""), name="uq_person_owner_name"),
        ]
        indexes = [models.Index(fields=["owner", "is_hidden"], name="person_owner_hidden")]

    def __str__(self) -> str:
        return self.name or f"unnamed person {self.id}"


class FaceSource(models.TextChoices):
    MWG = "mwg-rs", "MWG regions (Lightroom, digiKam, Picasa)"
    MP = "mp", "Microsoft People Tags"


class AssetFace(models.Model):
    """One tagged face: a normalised box (0..1) in the displayed, oriented image. `tag_name` is the name the file
    gave the region, so a re-import keeps the face (and a renamed person) when the file's tag did not change."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="faces")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="faces")
    tag_name = models.CharField(max_length=255, blank=True, default="")
    x1 = models.FloatField()
    y1 = models.FloatField()
    x2 = models.FloatField()
    y2 = models.FloatField()
    image_width = models.IntegerField()  # the displayed image the box was read for
    image_height = models.IntegerField()
    source = models.CharField(max_length=8, choices=FaceSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "person", "x1", "y1", "x2", "y2"],
                condition=Q(person__isnull=False),
                name="uq_asset_face_person_box",
            ),
            models.UniqueConstraint(
                fields=["asset", "x1", "y1", "x2", "y2"],
                condition=Q(person__isnull=True),
                name="uq_asset_face_unnamed_box",
            ),
            models.CheckConstraint(
                condition=Q(x1__gte=0, y1__gte=0, x2__lte=1, y2__lte=1, x1__lt=F("x2"), y1__lt=F("y2")),
                name="ck_asset_face_box_inside",
            ),
        ]
        indexes = [models.Index(fields=["person", "asset"], name="asset_face_person_asset")]

    def __str__(self) -> str:
        return f"face of {self.person or 'nobody'} on {self.asset_id}"

    @property
    def area(self) -> float:
        return (self.x2 - self.x1) * (self.y2 - self.y1)
