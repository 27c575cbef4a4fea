from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("search/", views.search, name="client-search"),
    path("new/", views.intake, name="client-intake"),
    path("reassign/", views.caseload_reassign, name="caseload-reassign"),
    path("<int:client_id>/", views.client_detail, name="client-detail"),
    path("<int:client_id>/edit/", views.client_edit, name="client-edit"),
    path("<int:client_id>/access-log/", views.client_access_log, name="client-access-log"),
    path("<int:client_id>/household/", views.household_add, name="household-add"),
    path("<int:client_id>/transfer/", views.client_transfer, name="client-transfer"),
    path("<int:client_id>/merge/", views.client_merge, name="client-merge"),
    path("<int:client_id>/merges/<int:merge_id>/", views.merge_detail, name="merge-detail"),
    path("<int:client_id>/merges/<int:merge_id>/undo/", views.merge_undo, name="merge-undo"),
    path(
        "<int:client_id>/household/<int:member_id>/remove/",
        views.household_remove,
        name="household-remove",
    ),
]
