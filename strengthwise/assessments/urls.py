from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("strengths/", views.strengths, name="strengths"),
    path("strengths/versions/", views.strengths_versions, name="strengths-versions"),
    path("factors/", views.factors, name="factors"),
    path("factors/<int:factor_id>/set-aside/", views.factor_set_aside, name="factor-set-aside"),
    path("factors/<int:factor_id>/categories/", views.factor_categories, name="factor-categories"),
    path("motivation/", views.motivation, name="motivation"),
    path("matrix/", views.ssm, name="ssm"),
    path("matrix/new/", views.ssm_new, name="ssm-new"),
    path("ecomap/", views.ecomap, name="ecomap"),
    path("ecomap/nodes/<int:node_id>/", views.ecomap_tie, name="ecomap-tie"),
    path("ecomap/nodes/<int:node_id>/remove/", views.ecomap_node_remove, name="ecomap-node-remove"),
    path("ecomap/snapshots/", views.ecomap_snapshot, name="ecomap-snapshot"),
    path("ecomap/compare/", views.ecomap_compare, name="ecomap-compare"),
    path("screening/", views.screening, name="screening"),
]
