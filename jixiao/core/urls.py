from django.urls import path

from jixiao.core.views import audit_log

app_name = "core"
urlpatterns = [
    path("audit/", audit_log, name="audit"),
]
