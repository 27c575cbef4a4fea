from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("clients/<int:client_id>/plan/", views.plan_detail, name="plan"),
    path("clients/<int:client_id>/plan/start/", views.plan_start, name="plan-start"),
    path("clients/<int:client_id>/plan/goals/new/", views.goal_edit, name="goal-new"),
    path("clients/<int:client_id>/plan/goals/<int:goal_id>/", views.goal_edit, name="goal-edit"),
    path(
        "clients/<int:client_id>/plan/goals/<int:goal_id>/steps/", views.step_add, name="step-add"
    ),
    path(
        "clients/<int:client_id>/plan/steps/<int:step_id>/done/", views.step_done, name="step-done"
    ),
    path(
        "clients/<int:client_id>/plan/goals/<int:goal_id>/followups/",
        views.followup_add,
        name="followup-add",
    ),
    path("clients/<int:client_id>/plan/options/", views.options_add, name="options-add"),
    path(
        "clients/<int:client_id>/plan/options/<int:set_id>/choose/",
        views.option_choose,
        name="option-choose",
    ),
    path(
        "clients/<int:client_id>/plan/options/<int:set_id>/make-goal/",
        views.option_make_goal,
        name="option-make-goal",
    ),
    path("clients/<int:client_id>/plan/sign/<str:who>/", views.sign, name="sign"),
    path(
        "clients/<int:client_id>/plan/agreements/<str:event_id>/document/",
        views.agreement_document,
        name="agreement-document",
    ),
    path("clients/<int:client_id>/plan/versions/", views.versions, name="versions"),
    path("clients/<int:client_id>/plan/take-home/", views.take_home, name="take-home"),
    path(
        "clients/<int:client_id>/plan/take-home.pdf",
        views.take_home,
        {"fmt": "pdf"},
        name="take-home-pdf",
    ),
    path("plans/waiting/", views.waiting, name="waiting"),
]
