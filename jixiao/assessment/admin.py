"""Assessment reference data in the admin: veto reasons, rater groups and schemes, each change
audited. A closed period's schemes are shown only."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from jixiao.assessment.actions import record_scheme_change, scheme_snapshot, set_sanction_months
from jixiao.assessment.changes import mark_period_changed
from jixiao.assessment.models import (
    Indicator,
    PeriodState,
    RaterGroup,
    SanctionType,
    Scheme,
    SchemeRaterGroup,
    SubPeriodWeight,
    VetoReason,
)
from jixiao.assessment.schemes import scheme_problems
from jixiao.core.audit import AuditAction
from jixiao.core.audited_admin import AuditedAdmin


@admin.register(VetoReason)
class VetoReasonAdmin(AuditedAdmin):
    list_display = ["name", "code", "influence_months", "active", "sort_order"]
    list_editable = ["active", "sort_order"]


@admin.register(SanctionType)
class SanctionTypeAdmin(AuditedAdmin):
    list_display = ["name", "influence_months", "veto_reason", "sort_order"]
    list_editable = ["influence_months", "sort_order"]

    def save_model(self, request, obj, form, change):
        if not change or "influence_months" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        # The months through the action: every sanction of the type gets its new window and
        # the vetoes of open periods follow.
        months = obj.influence_months
        obj.influence_months = form.initial.get("influence_months")
        super().save_model(request, obj, form, change)
        moved = set_sanction_months(obj, months, acting_user=request.user)
        if moved:
            self.message_user(
                request,
                _(
                    "%(count)s sanctions of this type have a new influence window; open periods' vetoes follow."
                )
                % {"count": moved},
            )


@admin.register(RaterGroup)
class RaterGroupAdmin(AuditedAdmin):
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
class SchemeAdmin(AuditedAdmin):
    audit_action = AuditAction.SCHEME
    list_display = ["name", "period", "category", "unit", "roll_up", "units_may_adjust"]
    list_filter = ["period", "category"]
    search_fields = ["name"]
    inlines = [IndicatorInline, SchemeRaterGroupInline, SubPeriodWeightInline]

    def audit_snapshot(self, obj) -> dict:
        return scheme_snapshot(obj)

    def has_change_permission(self, request, obj=None):
        # A closed period's schemes are what its totals were computed by.
        if obj is not None and obj.period_id and obj.period.state == PeriodState.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        scheme = form.instance
        existing = set(scheme.sub_period_weights.values_list("number", flat=True))
        SubPeriodWeight.objects.bulk_create(
            SubPeriodWeight(scheme=scheme, number=number)
            for number in range(1, scheme.sub_period_count + 1)
            if number not in existing
        )
        # Weights are checked across the whole tree once everything is saved: a scheme is
        # built up over several saves, and scores nobody until it adds up.
        problems = scheme_problems(scheme)
        if problems:
            messages.warning(
                request,
                _("Scheme %(name)s is saved but cannot be used yet:") % {"name": scheme.name}
                + " "
                + " ".join(problems),
            )

    def _audit(self, request, obj, summary, *, before, after):
        if after is None:  # deleted: the period's totals are stale all the same
            if obj.period_id:
                mark_period_changed(obj.period)
            return super()._audit(request, obj, summary, before=before, after=after)
        record_scheme_change(obj, summary, acting_user=request.user, before=before)
