from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("today/tasks/<int:task_id>/done/", views.task_done, name="done"),
    path("team/", views.team, name="team"),
]
