from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from jixiao.core.health import healthz
from jixiao.core.language import choose_language
from jixiao.imports.sanction_pages import register as sanctions_register
from jixiao.org import oidc
from jixiao.org.access import public, signed_in
from jixiao.portal.views import ChangePassword, home, my_results

urlpatterns = [
    path("healthz", public(healthz), name="healthz"),
    path("", home, name="home"),
    path("", include("jixiao.portal.urls")),
    path("periods/", include("jixiao.selection.urls")),
    path("periods/", include("jixiao.assessment.urls")),
    path("periods/", include("jixiao.imports.urls")),
    path("periods/", include("jixiao.rating.office_urls")),
    path("rate/", include("jixiao.rating.rater_urls")),
    path("me/", my_results, name="my_results"),
    path("sanctions/", sanctions_register, name="sanctions"),
    path("", include("jixiao.showcase.urls")),
    path("reports/", include("jixiao.reports.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/sso/", public(oidc.start), name="oidc_start"),
    path("accounts/sso/callback/", public(oidc.callback), name="oidc_callback"),
    path("accounts/password/", signed_in(ChangePassword.as_view()), name="password_change"),
    path(
        "accounts/password/done/",
        signed_in(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    # Visitors of the public pages and the sign-in page choose their language too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("language/", public(choose_language), name="choose_language"),
    path("admin/", admin.site.urls),
]
