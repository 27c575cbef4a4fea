from django.urls import path

from . import views

app_name = "interop"

urlpatterns = [
    path(
        "clients/<int:client_id>/record-copy.json",
        views.record_copy,
        {"fmt": "json"},
        name="record-copy-json",
    ),
    path(
        "clients/<int:client_id>/record-copy.pdf",
        views.record_copy,
        {"fmt": "pdf"},
        name="record-copy-pdf",
    ),
]
