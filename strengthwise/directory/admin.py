"""The directory in the Django admin (the pages under /directory/ are the everyday editor)."""

from django.contrib import admin

from .models import Organization, Program, Service, Taxonomy, TaxonomyTerm


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "website")
    search_fields = ("name", "alternate_name")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "organization")
    search_fields = ("name",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "status", "capacity", "last_modified")
    list_filter = ("status", "capacity")
    search_fields = ("name", "search_text")
    readonly_fields = ("search_text", "last_modified")


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("name", "version")


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "taxonomy", "parent")
    list_filter = ("taxonomy",)
    search_fields = ("name", "code")
