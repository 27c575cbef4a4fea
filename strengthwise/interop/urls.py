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
    path("settings/webhooks/", views.webhook_list, name="webhook-list"),
    path(
        "settings/webhooks/<int:endpoint_id>/active/",
        views.webhook_active,
        name="webhook-active",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/rotate/",
        views.webhook_rotate,
        name="webhook-rotate",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/remove/",
        views.webhook_remove,
        name="webhook-remove",
    ),
]
