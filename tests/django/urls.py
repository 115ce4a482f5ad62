from django.urls import path, re_path

from tests.django import views

urlpatterns = [
    path("raise", views.explode),
    path("async/raise", views.async_explode),
    path("async/items", views.async_reference),
    path("stream", views.stream),
    path("group/view-open", views.group_view_open),
    path("group/view-closed", views.group_view_closed),
    path("group/view-none", views.group_view),
    re_path(r"^.*$", views.reference),  # every other path: the reference application
]
