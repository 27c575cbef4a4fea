from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/changed/", views.password_changed_page, name="password-changed"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("security/", views.security, name="security"),
    path("tokens/", views.tokens, name="tokens"),
]
