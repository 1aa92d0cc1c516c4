"""The city's reference data in the admin: units, personnel categories, accounts and roles,
each change audited. People are shown only: a person's name is the rosters' and the rename
action's (``jixiao rename``), so that no period's record changes behind anyone's back."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import router, transaction

from jixiao.core.audit import AuditAction
from jixiao.core.audited_admin import AuditedAdmin, ReadOnlyAdmin, admin_snapshot
from jixiao.org.models import Category, Person, Role, Unit


class UsedNameReadOnly:
    """Once a unit or category is on a roster its name is what the periods showed: a renamed
    unit is imported as a new one, so earlier periods keep theirs."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk is not None and self.name_in_use(obj):
            fields.append("name")
        return fields


@admin.register(Unit)
class UnitAdmin(UsedNameReadOnly, AuditedAdmin):
    list_display = ["name", "kind", "parent", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    ordering = ["sort_order", "id"]

    def name_in_use(self, unit) -> bool:
        return unit.roster_entries.exists()

    def audit_scope(self, obj) -> dict:
        return {"unit": obj if obj.pk else None, "period": None}


@admin.register(Category)
class CategoryAdmin(UsedNameReadOnly, AuditedAdmin):
    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]

    def name_in_use(self, category) -> bool:
        return category.roster_entries.exists()


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["staff_id", "name", "gender"]
    search_fields = ["staff_id", "name"]
    show_full_result_count = False


class RoleInline(admin.TabularInline):
    """A user's roles, edited with the account: city administrator, or assessor, committee
    secretary or staff member of a unit."""

    model = Role
    extra = 1
    autocomplete_fields = ["unit", "person"]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    audit_action = AuditAction.ROLE
    list_display = ["user", "kind", "unit", "person"]
    list_filter = ["kind"]
    search_fields = ["user__username", "unit__name", "person__name", "person__staff_id"]
    autocomplete_fields = ["user", "unit", "person"]

    def audit_scope(self, obj) -> dict:
        return {"unit": obj.unit, "period": None}


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    """Groups of admin permissions (the city office's): only a superuser may change them, as
    they give what a city administrator may do in the admin."""

    audit_action = AuditAction.ACCOUNT

    def audit_scope(self, obj) -> dict:
        return {"unit": None, "period": None}


# What only a superuser may give or take: together they are every permission there is.
PRIVILEGE_FIELDS = ("is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserWithRolesAdmin(AuditedAdmin, UserAdmin):
    audit_action = AuditAction.ACCOUNT
    inlines = [RoleInline]

    def audit_snapshot(self, obj) -> dict:
        data = admin_snapshot(obj)
        for name in ("last_login", "date_joined"):
            data.pop(name, None)
        data["roles"] = sorted(
            [kind, unit_id, person_id]
            for kind, unit_id, person_id in obj.roles.values_list("kind", "unit_id", "person_id")
        )
        return data

    def audit_scope(self, obj) -> dict:
        return {"unit": None, "period": None}

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # A city administrator keeps accounts and roles, but cannot raise anyone's
            # privileges (their own least of all) above what the roles give.
            fields += [name for name in PRIVILEGE_FIELDS if name not in fields]
        return fields

    def has_change_permission(self, request, obj=None):
        # Only a superuser changes a superuser (their password above all).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Django saves the new password, then logs it: one transaction, like every change.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().user_change_password(request, id, form_url)
