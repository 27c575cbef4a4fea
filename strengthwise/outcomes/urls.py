from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("reports/", views.report_page, name="reports"),
    path("reports/advocacy/", views.report_advocacy, name="advocacy"),
    path("reports/data-quality/<str:check>/", views.report_data_quality, name="data-quality"),
    path("reports/export.<str:fmt>", views.report_export, name="export"),
    path("clients/<int:client_id>/closures/", views.client_closures, name="client-closures"),
    path(
        "clients/<int:client_id>/episodes/<int:episode_id>/close/",
        views.closure,
        name="closure",
    ),
    path(
        "clients/<int:client_id>/episodes/<int:episode_id>/close/gas/",
        views.closure_gas,
        name="closure-gas",
    ),
    path(
        "clients/<int:client_id>/episodes/<int:episode_id>/close/review/",
        views.closure_review,
        name="closure-review",
    ),
    path("clients/<int:client_id>/reopen/", views.reopen, name="reopen"),
    path("closures/waiting/", views.waiting, name="waiting"),
]
