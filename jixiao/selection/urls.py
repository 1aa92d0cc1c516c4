from django.urls import path

from jixiao.selection import views

app_name = "selection"
urlpatterns = [
    path("<str:code>/", views.period_overview, name="period"),
    path("<str:code>/units/<int:unit_id>/", views.unit_ranking, name="unit"),
]
