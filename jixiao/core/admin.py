from django.conf import settings
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import AuditEntry


def _of_the_city(text: str) -> str:
    """The city's name (``JIXIAO_CITY_NAME``) before the text, in the request's language. Set
    on the admin site rather than taken from the pages' ``site`` (org.context): Django's
    login and password views put their own ``site`` in the context."""
    return f"{settings.JIXIAO_CITY_NAME}{gettext(text)}"


# The admin keeps the city office's reference data; its pages say so, in the site's
# language, in the site's look (templates/admin/base_site.html).
admin.site.site_header = lazy(_of_the_city, str)(
    gettext_noop("Performance assessment system · reference data")
)
admin.site.site_title = lazy(_of_the_city, str)(gettext_noop("Reference data"))
admin.site.index_title = _("Reference data of the city")
# The way back to the site is in the header (templates/admin/base_site.html), named so.
admin.site.site_url = None

# Words of Django's admin and of the apps it shows whose own Chinese reads poorly (选择 单位
# 来修改, 以 类型, 无可选的, English model names): translated again in this catalogue, which
# comes first. Listed here so that makemessages keeps them.
BORROWED_WORDS = (
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Select %s"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop(" By %(filter_title)s "),
    gettext_noop("Recent actions"),
    gettext_noop("My actions"),
    gettext_noop("None available"),
    gettext_noop("Start typing to filter…"),
    gettext_noop("Action:"),
    gettext_noop("Run the selected action"),
    gettext_noop("Filter"),
    # django-axes (sign-in locks) and django-tasks-db (the task queue) have no Chinese.
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
)


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
