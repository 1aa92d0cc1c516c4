from django.urls import path

from jixiao.assessment import views

app_name = "assessment"
urlpatterns = [
    path("<str:code>/people/<str:staff_id>/", views.person_breakdown, name="breakdown"),
]
