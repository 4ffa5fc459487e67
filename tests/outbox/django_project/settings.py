"""A Django project with the outbox installed, for the outbox's tests (run in subprocesses).

The database is SQLite at ``$OUTBOX_SQLITE`` or PostgreSQL at ``$OUTBOX_PG``
(``host=... port=... user=... dbname=...``); ``$EVENTS_API_URL`` is the API.
"""

from __future__ import annotations

import os

SECRET_KEY = "outbox-tests"
USE_TZ = True
INSTALLED_APPS = ["bc_events.django"]


def _database() -> dict[str, object]:
    dsn = os.environ.get("OUTBOX_PG")
    if dsn:
        parts = dict(part.split("=", 1) for part in dsn.split())
        return {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": parts["host"],
            "PORT": parts["port"],
            "USER": parts["user"],
            "NAME": parts["dbname"],
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("OUTBOX_SQLITE", "/tmp/bc-events-outbox.sqlite3"),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }


DATABASES = {"default": _database()}
BC_EVENTS = {
    "API_URL": os.environ.get("EVENTS_API_URL"),
    "OUTBOX": {"INTERVAL": 0.05, "METRICS_EVERY": None, "RETENTION": None},
}
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"bc.events": {"handlers": ["console"], "level": "INFO"}},
}
