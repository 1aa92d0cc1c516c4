from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from jixiao.org.models import Category, Person, Role, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    ordering = ["sort_order", "id"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
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
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "unit", "person"]
    list_filter = ["kind"]
    search_fields = ["user__username", "unit__name", "person__name", "person__staff_id"]
    autocomplete_fields = ["user", "unit", "person"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithRolesAdmin(UserAdmin):
    inlines = [RoleInline]
