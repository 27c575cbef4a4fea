from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("portal/", views.sign_in, name="sign-in"),
    path("portal/start/", views.start, name="start"),
    path("portal/code/", views.code, name="code"),
    path("portal/security/", views.security, name="security"),
    path("portal/sign-out/", views.sign_out, name="sign-out"),
    path("portal/home/", views.home, name="home"),
    path("portal/plan/", views.plan, name="plan"),
    path("portal/plan/agree/", views.plan_agree, name="plan-agree"),
    path("portal/goals/<int:goal_id>/words/", views.goal_words, name="goal-words"),
    path("portal/words/dream/", views.dream_words, name="dream-words"),
    path("portal/words/priorities/", views.priorities_words, name="priorities-words"),
    path(
        "portal/closures/<int:closure_id>/what-helped/",
        views.what_helped_words,
        name="what-helped-words",
    ),
    path("portal/messages/", views.messages, name="messages"),
    path("portal/goals/<int:goal_id>/check-in/", views.check_in, name="check-in"),
    path("portal/steps/<int:step_id>/done/", views.step_done, name="step-done"),
    path("portal/help/", views.help_page, name="help"),
    path("portal/referrals/<int:referral_id>/rate/", views.referral_rate, name="referral-rate"),
    path("portal/privacy/", views.privacy, name="privacy"),
    path("portal/my-record.json", views.my_record, {"fmt": "json"}, name="my-record-json"),
    path("portal/my-record.pdf", views.my_record, {"fmt": "pdf"}, name="my-record-pdf"),
    path("portal/consents/<int:consent_id>/answer/", views.consent_answer, name="consent-answer"),
    path(
        "portal/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("clients/<int:client_id>/portal-invitation/", views.invite, name="invite"),
    path("clients/<int:client_id>/portal-messages/", views.client_messages, name="client-messages"),
]
