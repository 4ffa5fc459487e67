"""Settings of the example policy service; what matters for bc_events: MIDDLEWARE and BC_EVENTS."""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# The typed client is the example's generated module, generated_example/events_gen.py
# (a real service keeps its own events_gen.py inside its package).
sys.path.insert(0, str(BASE_DIR.parent))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "policy_service.urls"
USE_TZ = True
INSTALLED_APPS = ["policies"]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "bc_events.django.EventsMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("POLICY_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

BC_EVENTS = {
    "API_URL": os.environ.get("EVENTS_API_URL"),
    # Without EVENTS_API_URL (local development) events are only logged; asked for, never implied.
    "LOG_ONLY": "EVENTS_API_URL" not in os.environ,
    "SERVICE_NAME": "PolicyService",
    "CLIENT": "events_gen.EventClient",
}
