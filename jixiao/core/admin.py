from django.contrib import admin

from jixiao.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is appended to by the services, never edited."""

    list_display = ["id", "at", "actor", "action", "unit", "period", "target_label", "summary"]
    list_filter = ["action", "period"]
    search_fields = ["actor", "target_label", "summary"]
    list_select_related = ["unit", "period"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
