"""Routes of the Items API (the same as the FastAPI and Flask examples)."""

from django.urls import path

from . import views

urlpatterns = [
    path("items/", views.create_item),
    path("items/<int:item_id>", views.item),
    path("login", views.login),
    path("me", views.me),
    path("csrf", views.csrf),
    path("boom", views.fail),
]
