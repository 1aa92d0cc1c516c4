"""An account opened with a one-time password goes nowhere but the password page until its
holder has chosen their own (``org.actions``)."""

from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from jixiao.org import oidc
from jixiao.org.models import PasswordToChange

# What a holder of a one-time password may still reach: changing it, leaving, the language.
ALLOWED = ("password_change", "password_change_done", "logout", "set_language", "choose_language")


class PasswordToChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.resolver_match.url_name in ALLOWED:
            return None
        if request.session.get(BACKEND_SESSION_KEY) == oidc.BACKEND:
            return None  # signed in by the city's platform: no password of ours is used
        if not PasswordToChange.objects.filter(user_id=user.pk).exists():
            return None
        messages.warning(
            request, _("Your password was given to you by your office: choose your own before you go on.")
        )
        target = reverse("password_change")
        if request.htmx:
            # A redirect would be followed inside the fragment's request: htmx leads the page.
            return HttpResponseClientRedirect(target)
        return redirect(target)
