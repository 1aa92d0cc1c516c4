from django.urls import path

from jixiao.imports import scheme_pages, views

app_name = "imports"
urlpatterns = [
    path("<str:code>/import/", views.city_import, name="city_import"),
    path("<str:code>/roster.xlsx", views.city_roster_file, name="city_roster_file"),
    path("<str:code>/units/<int:unit_id>/roster.xlsx", views.unit_roster_file, name="unit_roster_file"),
    path("<str:code>/units/<int:unit_id>/import/", views.unit_import, name="unit_import"),
    path(
        "<str:code>/units/<int:unit_id>/categories/<int:category_id>/templates/<str:kind>.xlsx",
        views.score_template,
        name="template",
    ),
    # The city office's schemes as workbooks (issue 15).
    path("<str:code>/schemes/", scheme_pages.schemes_page, name="schemes"),
    path("<str:code>/schemes/<int:category_id>.xlsx", scheme_pages.scheme_file, name="scheme_file"),
]
