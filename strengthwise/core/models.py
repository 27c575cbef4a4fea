"""Abstract building blocks for domain models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class StoredDocument(models.Model):
    """An uploaded file kept in the database beside the record it belongs to (no public media
    folder): only people who may see the record download it, and each download is audited.
    Checked before it is stored (`plans.signatures`)."""

    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.filename


class Categorised(models.Model):
    """A piece of information that can leave the agency, with the protected categories it falls
    in (core/sensitivity.py): suggested from its words when it is written, confirmed or
    corrected by the worker. The consent gate shares it only under a consent naming them all."""

    categories = models.JSONField(_("protected information"), default=list, blank=True)
    categories_confirmed = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @property
    def category_labels(self) -> list[str]:
        from .sensitivity import labels

        return labels(self.categories)

    @property
    def part2(self) -> bool:
        from .sensitivity import PART2

        return PART2 in self.categories
