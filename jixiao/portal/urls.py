from django.urls import path

from jixiao.portal import accounts, views

app_name = "portal"
urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
    path("periods/<str:code>/accounts/", accounts.city_accounts, name="city_accounts"),
    path("periods/<str:code>/units/<int:unit_id>/accounts/", accounts.unit_accounts, name="unit_accounts"),
]
