"""The example's one model."""

import uuid

from django.db import models


class Policy(models.Model):
    """An insurance policy; its number is unique, so binding a number twice fails in the database."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    number = models.CharField(max_length=8, unique=True)
    insured = models.CharField(max_length=200)
    premium = models.FloatField()
