from django.urls import path

from jixiao.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.periods, name="periods"),
    path("<str:code>/settings/", views.period_settings, name="period_settings"),
    path("<str:code>/state/", views.period_state, name="period_state"),
    path("<str:code>/units/<int:unit_id>/roster/", views.roster, name="roster"),
    path("<str:code>/people/<str:staff_id>/", views.person_breakdown, name="breakdown"),
    path(
        "<str:code>/units/<int:unit_id>/categories/<int:category_id>/templates/<str:kind>.xlsx",
        views.score_template,
        name="template",
    ),
]
