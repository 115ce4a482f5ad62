"""A URLconf whose route ends with a slash, for CommonMiddleware's APPEND_SLASH redirect."""

from django.urls import path

from tests.django import views

urlpatterns = [path("todos/", views.reference)]
