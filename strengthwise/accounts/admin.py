"""The Django admin. The installation's superuser sees everything; an agency admin (role
admin, staff) manages their own agency's programs, teams and staff here — nothing of another
agency, never superuser or staff rights, never a client record (those live in the app)."""

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from strengthwise.core.errors import DomainError

from .access import may_administer
from .models import Agency, ApiToken, Membership, Program, Team, User
from .second_factor import second_factor_reset


def _agency_admin(request: HttpRequest) -> bool:
    user = request.user
    return not user.is_superuser and user.is_staff and may_administer(user)


def _agency_of(request: HttpRequest) -> int | None:
    """The signed-in user's agency id (None for the superuser and anyone without one)."""
    return getattr(request.user, "agency_id", None)


class AgencyScopedAdmin(admin.ModelAdmin):
    """For models with an `agency`: an agency admin sees, adds and changes only their
    agency's rows (the agency is set for them); nobody but the superuser deletes here."""

    agency_field = "agency"

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or _agency_admin(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and self._own(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and self._own(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def _own(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return getattr(obj, f"{self.agency_field}_id", None) == _agency_of(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(**{self.agency_field: _agency_of(request)})

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_exclude(request, obj)
        return [*(super().get_exclude(request, obj) or ()), self.agency_field]

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [f for f in filters if f != self.agency_field]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser and db_field.related_model in (Program, Team, User):
            kwargs["queryset"] = db_field.related_model.objects.filter(
                agency_id=_agency_of(request)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            setattr(obj, f"{self.agency_field}_id", _agency_of(request))
        super().save_model(request, obj, form, change)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone")


@admin.register(Program)
class ProgramAdmin(AgencyScopedAdmin):
    list_display = (
        "name",
        "agency",
        "requires_plan_approval",
        "reassessment_days",
        "referral_follow_up_days",
        "retention_years",
    )
    list_filter = ("agency",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    exclude = ("agency",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser and db_field.related_model is User:
            kwargs["queryset"] = User.objects.filter(agency_id=_agency_of(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser or _agency_admin(request)

    has_change_permission = has_add_permission = has_view_permission  # type: ignore[assignment]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser or _agency_admin(request)  # leaving a team


@admin.register(Team)
class TeamAdmin(AgencyScopedAdmin):
    list_display = ("name", "agency", "program")
    list_filter = ("agency",)
    inlines = [MembershipInline]


@admin.register(User)
class UserAdmin(AgencyScopedAdmin, BaseUserAdmin):  # type: ignore[misc]
    list_display = ("username", "display_name", "agency", "role", "is_active")
    list_filter = ("agency", "role", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Strengthwise", {"fields": ("agency", "role", "display_name", "edits_directory")}),
    )
    # What an agency admin may set on their staff: never superuser, staff or permission rights
    # (no one raises themselves or anyone else above the agency admin role).
    agency_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "display_name", "email")}),
        ("Strengthwise", {"fields": ("role", "edits_directory", "is_active")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if obj is None:
            return ((None, {"fields": ("username", "password1", "password2")}),)
        return self.agency_fieldsets

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return None  # the fieldsets above already say what an agency admin sees

    def get_form(  # type: ignore[override]
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if not request.user.is_superuser:
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset the second factor (a lost or new phone)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """The person sets up a new authenticator at their next sign-in; their sessions end."""
        done = 0
        acting = cast(User, request.user)  # the admin site lets only signed-in staff this far
        for person in queryset:  # already limited to the admin's agency (get_queryset)
            try:
                second_factor_reset(acting_user=acting, user=person, request=request)
            except DomainError as error:
                self.message_user(request, error.message, level=messages.ERROR)
            else:
                done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d person will set up their second factor again at their next sign-in.",
                "%(count)d people will set up their second factor again at their next sign-in.",
                done,
            )
            % {"count": done},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


# Staff authenticators are accounts.StaffAuthenticator (key sealed at rest); django-otp's own
# TOTP device, whose admin would let someone type a key in clear, is not used: not offered.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
