"""The example project's URLs and the test views."""

from __future__ import annotations

import flush_views
from django.urls import include, path

urlpatterns = [
    path("", include("policy_service.urls")),
    *(path(f"t/{name}/", view) for name, view in flush_views.VIEWS.items()),
]
