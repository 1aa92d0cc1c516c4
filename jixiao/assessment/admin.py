from django.contrib import admin

from jixiao.assessment.models import Period, VetoReason
from jixiao.selection.models import SelectionRules


class SelectionRulesInline(admin.StackedInline):
    model = SelectionRules
    can_delete = False


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "start", "end", "state"]
    inlines = [SelectionRulesInline]


@admin.register(VetoReason)
class VetoReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "influence_months", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
