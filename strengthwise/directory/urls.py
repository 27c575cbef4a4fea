from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("directory/", views.find, name="find"),
    path("directory/services/new/", views.service_edit, name="service-new"),
    path("directory/services/<uuid:service_id>/", views.service_detail, name="service"),
    path("directory/services/<uuid:service_id>/edit/", views.service_edit, name="service-edit"),
    path("directory/services/<uuid:service_id>/capacity/", views.capacity_set, name="capacity"),
    path("clients/<int:client_id>/find-help/", views.find_for_client, name="find-for-client"),
    path("clients/<int:client_id>/saved-services/", views.saved_list, name="saved"),
    path("clients/<int:client_id>/saved-services/add/", views.saved_add, name="saved-add"),
    path(
        "clients/<int:client_id>/saved-services/<int:saved_id>/remove/",
        views.saved_remove,
        name="saved-remove",
    ),
    path("clients/<int:client_id>/saved-services/print/", views.saved_print, name="saved-print"),
]
