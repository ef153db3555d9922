"""Sharing beyond album members: partners (a user's whole timeline shared with another user)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Partner(models.Model):
    """`shared_by` shares their library with `shared_with`, who chooses whether it shows in their timeline."""

    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partners_shared")
    shared_with = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partners_from")
    in_timeline = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shared_by", "shared_with"], name="uq_partner"),
            models.CheckConstraint(condition=~models.Q(shared_by=models.F("shared_with")), name="partner_not_self"),
        ]
        indexes = [models.Index(fields=["shared_with", "shared_by"], name="partner_by_shared_with")]
