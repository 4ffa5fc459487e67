"""``"bc_events.django"`` in INSTALLED_APPS: the outbox's model and migrations, app label ``bc_events``."""

from __future__ import annotations

from django.apps import AppConfig


class BcEventsConfig(AppConfig):
    name = "bc_events.django"
    label = "bc_events"  # manage.py migrate bc_events
    verbose_name = "bc-events"
    default_auto_field = "django.db.models.BigAutoField"
