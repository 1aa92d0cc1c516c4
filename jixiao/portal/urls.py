from django.urls import path

from jixiao.portal import views

app_name = "portal"
urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]
