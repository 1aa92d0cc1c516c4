"""The Django admin as one more way to act: every change made there writes its audit entry in
the admin's own transaction, like the actions do.

The admin keeps the city's reference data (units, categories, veto reasons, rater groups,
schemes, accounts and roles). What an action owns (periods, rules, people's names, scores,
lists) it shows read-only (``ReadOnlyAdmin``).
"""

import datetime
import decimal

from django.contrib import admin
from django.db import router, transaction
from django.forms.models import model_to_dict

from jixiao.core.audit import AuditAction, record

# Never copied into the audit log.
SECRET_FIELDS = {"password"}


def admin_snapshot(obj) -> dict:
    """An object's own fields (and many-to-many ids) as the audit log keeps them."""
    data = model_to_dict(obj)
    for name in SECRET_FIELDS & set(data):
        data[name] = "********"
    for name, value in data.items():
        if isinstance(value, list):
            data[name] = sorted(getattr(item, "pk", item) for item in value)
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif not isinstance(value, str | int | float | bool | decimal.Decimal | datetime.date | type(None)):
            data[name] = str(value)
    return data


class AuditedAdmin(admin.ModelAdmin):
    """A model admin whose every addition, change and deletion is audited (``audit_action``).

    Django's admin runs each save, change and deletion in one transaction and then logs it
    (``log_addition``, ``log_change``, ``log_deletions``); the audit entry is written there,
    with the object as it was before (read in ``save_model``) and after, inlines included."""

    audit_action = AuditAction.REFERENCE

    def audit_snapshot(self, obj) -> dict:
        """What the entry keeps of the object; subclasses add what their inlines edit."""
        return admin_snapshot(obj)

    def audit_scope(self, obj) -> dict:
        """The unit and period the entry is about, where the object has them."""
        return {"unit": getattr(obj, "unit", None), "period": getattr(obj, "period", None)}

    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            obj._audit_before = self.audit_snapshot(stored) if stored is not None else None
        super().save_model(request, obj, form, change)

    def _audit(self, request, obj, summary: str, *, before, after) -> None:
        record(
            actor=request.user.get_username(),
            action=self.audit_action,
            target=obj,
            summary=summary,
            before=before,
            after=after,
            **self.audit_scope(obj),
        )

    def log_addition(self, request, obj, message):
        self._audit(
            request,
            obj,
            f"{obj._meta.verbose_name} {obj} +",
            before=None,
            after=self.audit_snapshot(obj),
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(
            request,
            obj,
            f"{obj._meta.verbose_name} {obj} ~",
            before=getattr(obj, "_audit_before", None),
            after=self.audit_snapshot(obj),
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(
                request, obj, f"{obj._meta.verbose_name} {obj} −", before=self.audit_snapshot(obj), after=None
            )
        return super().log_deletions(request, queryset)

    def delete_queryset(self, request, queryset):
        # The bulk delete action is not atomic by itself: the entries and the rows go together.
        with transaction.atomic(using=router.db_for_write(self.model)):
            super().delete_queryset(request, queryset)

    def response_action(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().response_action(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: an action owns it (the pages and the ``jixiao`` command)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
