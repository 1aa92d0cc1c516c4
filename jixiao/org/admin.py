from django.contrib import admin

from jixiao.org.models import Category, Person, Unit


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
