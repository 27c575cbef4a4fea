from django.urls import path

from . import views

app_name = "notes"

urlpatterns = [
    path("clients/<int:client_id>/notes/", views.note_list, name="list"),
    path("clients/<int:client_id>/notes/new/", views.note_start, name="start"),
    path("clients/<int:client_id>/notes/<int:note_id>/", views.note_detail, name="note"),
    path(
        "clients/<int:client_id>/notes/<int:note_id>/autosave/",
        views.note_autosave,
        name="autosave",
    ),
    path(
        "clients/<int:client_id>/notes/<int:note_id>/discard/",
        views.note_discard,
        name="discard",
    ),
    path(
        "clients/<int:client_id>/notes/<int:note_id>/addenda/",
        views.addendum_add,
        name="addendum",
    ),
    path("clients/<int:client_id>/own-words/", views.client_terms, name="client-terms"),
    path(
        "clients/<int:client_id>/goals/<int:goal_id>/progress/",
        views.goal_progress,
        name="goal-progress",
    ),
    path("notes/search/", views.search, name="search"),
    path("settings/language/", views.language_list, name="language"),
]
