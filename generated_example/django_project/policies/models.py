"""The example's one model."""

from __future__ import annotations

import uuid

from django.db import models


class Policy(models.Model):
    """An insurance policy; its number is unique, so binding a number twice fails in the database."""

    # Field types spelt out for pyright, which has no Django plugin (mypy's would infer them).
    id: models.UUIDField[uuid.UUID, uuid.UUID] = models.UUIDField(primary_key=True, default=uuid.uuid4)
    number: models.CharField[str, str] = models.CharField(max_length=8, unique=True)
    insured: models.CharField[str, str] = models.CharField(max_length=200)
    premium: models.FloatField[float, float] = models.FloatField()
