"""The outbox test project serving requests: ATOMIC_REQUESTS, EventsMiddleware in outbox mode, a model.

``$OUTBOX_TOPICS`` (comma-separated topic names) routes only those topics to the outbox;
``$OUTBOX_OTHER`` (an SQLite file) adds a second database, ``other``, that holds the outbox.
"""

from __future__ import annotations

import os

from tests.outbox.django_project.settings import DATABASES, LOGGING, SECRET_KEY, USE_TZ

__all__ = ["DATABASES", "LOGGING", "SECRET_KEY", "USE_TZ"]

INSTALLED_APPS = ["django.contrib.contenttypes", "bc_events.django"]  # ContentType: the view's model
DATABASES["default"]["ATOMIC_REQUESTS"] = True
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "tests.outbox.django_project.web"
MIDDLEWARE = ["bc_events.django.EventsMiddleware"]
_ONLY = os.environ.get("OUTBOX_TOPICS")
_OTHER = os.environ.get("OUTBOX_OTHER")
if _OTHER:
    DATABASES["other"] = {**DATABASES["default"], "NAME": _OTHER, "ATOMIC_REQUESTS": False}
BC_EVENTS = {
    "API_URL": os.environ.get("EVENTS_API_URL", "http://127.0.0.1:9"),
    "SERVICE_NAME": "PolicyService",
    "SYNC": True,
    "TOPICS": {
        "DefaultCategory": "testing",
        "Topics": [
            {"Action": action, "Entity": "Test", "Schema": {"type": "object"}}
            for action in ("Created", "Deleted")
        ],
    },
    "OUTBOX": {"INTERVAL": 0.05, "METRICS_EVERY": None, "RETENTION": None}
    | ({"TOPICS": _ONLY.split(",")} if _ONLY else {})
    | ({"DATABASE": "other"} if _OTHER else {}),
}
