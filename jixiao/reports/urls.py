from django.urls import path

from jixiao.reports import quality_views, views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    # Before <code>/: "trends" is no period code.
    path("trends/", views.trends, name="trends"),
    path("trends/<str:listing>.xlsx", views.trend_table, name="trend_table"),
    path("units/<int:unit_id>/", views.unit_history, name="unit_history"),
    # Rater quality (评分质量), before the generic <code>/… routes.
    path("<str:code>/rater-quality/", quality_views.city, name="rater_quality"),
    path("<str:code>/rater-quality/line/", quality_views.dashboard_line, name="rater_quality_line"),
    path("<str:code>/rater-quality/units.xlsx", quality_views.city_units, name="rater_quality_units"),
    path("<str:code>/rater-quality/raters.xlsx", quality_views.city_raters, name="rater_quality_raters"),
    path("<str:code>/units/<int:unit_id>/rater-quality/", quality_views.unit_page, name="rater_quality_unit"),
    path(
        "<str:code>/units/<int:unit_id>/rater-quality/line/",
        quality_views.unit_line,
        name="rater_quality_unit_line",
    ),
    path(
        "<str:code>/units/<int:unit_id>/rater-quality/raters.xlsx",
        quality_views.unit_raters,
        name="rater_quality_unit_raters",
    ),
    path(
        "<str:code>/units/<int:unit_id>/rater-quality/groups.xlsx",
        quality_views.unit_groups,
        name="rater_quality_unit_groups",
    ),
    path("<str:code>/units/<int:unit_id>/<str:table>.xlsx", views.unit_table, name="unit_table"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/summary.docx", views.summary, name="summary"),
    path("<str:code>/<str:table>.xlsx", views.period_table, name="table"),
]
