"""Django for the tests in this directory only: the example project's settings, a file SQLite database.

Settings are configured when pytest collects this directory, so test
directories that do not need Django never load it.  The test views
(``flush_views``) are mounted next to the example's own URLs.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import django
import pytest
from django.conf import settings

EXAMPLE = Path(__file__).resolve().parents[2] / "generated_example" / "django_project"
sys.path[:0] = [str(EXAMPLE), str(EXAMPLE.parent)]

import policy_service.settings as example_settings  # noqa: E402

_DB_DIR = tempfile.mkdtemp(prefix="bc-events-django-")
atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)


def _database(name: str) -> dict[str, Any]:
    # A file (not :memory:) so that threads share it; IMMEDIATE transactions and a long
    # timeout so that concurrent writers wait for each other instead of failing.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": f"{_DB_DIR}/{name}.sqlite3",
        "TEST": {"NAME": f"{_DB_DIR}/test_{name}.sqlite3"},
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 60},
    }


if not settings.configured:
    options = {name: getattr(example_settings, name) for name in dir(example_settings) if name.isupper()}
    options.update(
        ROOT_URLCONF="flush_urls",
        DATABASES={"default": _database("default"), "other": _database("other")},
        DEBUG_PROPAGATE_EXCEPTIONS=False,
    )
    settings.configure(**options)
    django.setup()


@pytest.fixture
def events_settings(settings: Any, events_api: Any) -> dict[str, Any]:
    """BC_EVENTS pointed at this test's Events API (the middleware's client is rebuilt for it)."""
    config = {"API_URL": events_api.url, "SERVICE_NAME": "PolicyService", "CLIENT": "events_gen.EventClient"}
    settings.BC_EVENTS = config
    return config
