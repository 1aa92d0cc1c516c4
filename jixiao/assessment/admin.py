from django.contrib import admin, messages
from django.utils.translation import gettext as _

from jixiao.assessment.models import (
    Indicator,
    Period,
    RaterGroup,
    Scheme,
    SchemeRaterGroup,
    SubPeriodWeight,
    VetoReason,
)
from jixiao.assessment.schemes import scheme_problems
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


@admin.register(RaterGroup)
class RaterGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["name", "parent", "weight", "full_marks", "method", "sort_order"]
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A parent is another indicator of the same scheme.
        if db_field.name == "parent":
            scheme_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = (
                Indicator.objects.filter(scheme_id=scheme_id) if scheme_id else Indicator.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SchemeRaterGroupInline(admin.TabularInline):
    model = SchemeRaterGroup
    extra = 1


class SubPeriodWeightInline(admin.TabularInline):
    model = SubPeriodWeight
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "period", "category", "unit", "roll_up", "units_may_adjust"]
    list_filter = ["period", "category"]
    search_fields = ["name"]
    inlines = [IndicatorInline, SchemeRaterGroupInline, SubPeriodWeightInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        scheme = form.instance
        existing = set(scheme.sub_period_weights.values_list("number", flat=True))
        SubPeriodWeight.objects.bulk_create(
            SubPeriodWeight(scheme=scheme, number=number)
            for number in range(1, scheme.sub_period_count + 1)
            if number not in existing
        )
        # Weights are checked across the whole tree once everything is saved.
        problems = scheme_problems(scheme)
        if problems:
            messages.error(
                request,
                _("Scheme %(name)s cannot be used:") % {"name": scheme.name} + " " + " ".join(problems),
            )
