from django.urls import path

from . import views

app_name = "questionnaires"

urlpatterns = [
    path("questionnaires/", views.editor_list, name="list"),
    path("questionnaires/new/", views.editor_new, name="new"),
    path("questionnaires/import/", views.editor_import, name="import"),
    path("questionnaires/<int:questionnaire_id>/", views.editor, name="edit"),
    path("questionnaires/<int:questionnaire_id>/import/", views.editor_import, name="import-into"),
    path("questionnaires/<int:questionnaire_id>/items/new/", views.item_edit, name="item-new"),
    path(
        "questionnaires/<int:questionnaire_id>/items/<str:link_id>/",
        views.item_edit,
        name="item-edit",
    ),
    path(
        "questionnaires/<int:questionnaire_id>/items/<str:link_id>/change/",
        views.item_change,
        name="item-change",
    ),
    path("questionnaires/<int:questionnaire_id>/publish/", views.publish, name="publish"),
    path("questionnaires/<int:questionnaire_id>/retire/", views.retire, name="retire"),
    path("questionnaires/<int:questionnaire_id>/preview/", views.preview, name="preview"),
    path("questionnaires/<int:questionnaire_id>/export/", views.export, name="export"),
    path(
        "questionnaires/<int:questionnaire_id>/versions/<int:number>/export/",
        views.export,
        name="version-export",
    ),
    path("clients/<int:client_id>/questionnaires/", views.client_list, name="client"),
    path(
        "clients/<int:client_id>/questionnaires/<int:questionnaire_id>/new/",
        views.client_fill,
        name="client-fill",
    ),
    path(
        "clients/<int:client_id>/questionnaires/answers/<int:response_id>/",
        views.client_response,
        name="client-response",
    ),
]
