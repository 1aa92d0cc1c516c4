"""Periods and their rules in the admin, shown only: they change through the period pages
(``selection.actions.change_rules``, ``assessment.actions.set_period_state``), audited."""

from django.contrib import admin

from jixiao.assessment.models import Period
from jixiao.core.audited_admin import ReadOnlyAdmin
from jixiao.selection.models import SelectionRules


class SelectionRulesInline(admin.StackedInline):
    model = SelectionRules
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["code", "start", "end", "state"]
    inlines = [SelectionRulesInline]
