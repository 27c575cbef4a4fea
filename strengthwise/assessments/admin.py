from django.contrib import admin

from .models import AgencyDomain, AssessmentTemplate


@admin.register(AgencyDomain)
class AgencyDomainAdmin(admin.ModelAdmin):
    """Agency admins add their own life domains to the strengths assessment or the matrix; a
    new template version is recorded on next use and old assessments keep theirs."""

    list_display = ("label", "label_es", "key", "kind", "agency", "active")
    list_filter = ("agency", "kind", "active")


@admin.register(AssessmentTemplate)
class AssessmentTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "agency", "created_at")
    list_filter = ("agency", "kind")
    readonly_fields = ("agency", "kind", "version", "content", "content_hash", "created_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
