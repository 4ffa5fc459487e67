"""The outbox's tables as Django models (the relay writes them with the SQL of ``bc_events.outbox.sql``)."""

from __future__ import annotations

from django.db import models

from bc_events.outbox.store import DELIVERED, LEASE_TABLE, PENDING, REJECTED, TABLE


class OutboxEvent(models.Model):
    """One event written in the caller's transaction, delivered by ``manage.py bc_events_relay``."""

    id: models.BigAutoField[int, int] = models.BigAutoField(primary_key=True)
    job_id: models.CharField[str, str] = models.CharField(max_length=255)
    topic: models.CharField[str, str] = models.CharField(max_length=255)
    body: models.BinaryField[bytes, bytes] = models.BinaryField(
        help_text="the validated JSON envelope, as sent to the Events API"
    )
    created_at: models.FloatField[float, float] = models.FloatField(help_text="seconds since the epoch (UTC)")
    attempts: models.IntegerField[int, int] = models.IntegerField(default=0)
    state: models.CharField[str, str] = models.CharField(
        max_length=16,
        default=PENDING,
        choices=[(PENDING, "pending"), (DELIVERED, "delivered"), (REJECTED, "rejected")],
    )
    last_error: models.TextField[str | None, str | None] = models.TextField(null=True, blank=True)
    settled_at: models.FloatField[float | None, float | None] = models.FloatField(
        null=True, blank=True, help_text="when last delivered, rejected or released"
    )

    class Meta:
        app_label = "bc_events"
        db_table = TABLE
        indexes = [  # noqa: RUF012 (Django reads Meta attributes as plain lists)
            models.Index(fields=["state", "id"], name="bc_events_outbox_state_id"),
            models.Index(fields=["job_id", "id"], name="bc_events_outbox_job_id"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} (job {self.job_id}): {self.state}"


class OutboxLease(models.Model):
    """On SQLite, the relay holding this lease is the only one delivering."""

    name: models.CharField[str, str] = models.CharField(max_length=64, primary_key=True)
    holder: models.CharField[str, str] = models.CharField(max_length=255)
    expires_at: models.FloatField[float, float] = models.FloatField()

    class Meta:
        app_label = "bc_events"
        db_table = LEASE_TABLE

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"
