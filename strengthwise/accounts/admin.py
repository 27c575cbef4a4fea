from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Agency, ApiToken, Membership, Program, Team, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "agency",
        "requires_plan_approval",
        "reassessment_days",
        "referral_follow_up_days",
    )
    list_filter = ("agency",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "program")
    list_filter = ("agency",)
    inlines = [MembershipInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "agency", "role", "is_active")
    list_filter = ("agency", "role", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Strengthwise", {"fields": ("agency", "role", "display_name", "edits_directory")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
