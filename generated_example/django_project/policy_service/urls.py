"""URLs of the example policy service."""

from django.urls import path
from policies import views

urlpatterns = [
    path("policies/", views.bind_policy),
    path("policies/import/", views.import_policies),
]
