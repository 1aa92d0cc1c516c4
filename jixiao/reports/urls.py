from django.urls import path

from jixiao.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    # Before <code>/: "trends" is no period code.
    path("trends/", views.trends, name="trends"),
    path("trends/<str:listing>.xlsx", views.trend_table, name="trend_table"),
    path("units/<int:unit_id>/", views.unit_history, name="unit_history"),
    path("<str:code>/units/<int:unit_id>/<str:table>.xlsx", views.unit_table, name="unit_table"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/summary.docx", views.summary, name="summary"),
    path("<str:code>/<str:table>.xlsx", views.period_table, name="table"),
]
