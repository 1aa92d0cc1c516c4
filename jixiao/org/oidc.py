"""Single sign-on through a city's unified identity platform (统一身份认证), by OpenID Connect
(mozilla-django-oidc), for cities that have one; configured from the environment
(``JIXIAO_OIDC_*``, see the README) and off without it.

The platform vouches for who someone is; what they may do stays with their account here: the
claim ``JIXIAO_OIDC_USERNAME_CLAIM`` (default ``preferred_username``) must name an existing,
active account (a staff account's user name is the staff ID), and no account is ever made
from a login. The ID token's audience must be this client, and its issuer the configured
one when ``JIXIAO_OIDC_ISSUER`` is set.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

BACKEND = "jixiao.org.oidc.PlatformBackend"
logger = logging.getLogger(__name__)


class PlatformBackend(OIDCAuthenticationBackend):
    def account_name(self, claims) -> str:
        return str(claims.get(settings.JIXIAO_OIDC_USERNAME_CLAIM) or "").strip()

    def describe_user_by_claims(self, claims) -> str:
        return f"{settings.JIXIAO_OIDC_USERNAME_CLAIM} {self.account_name(claims)!r}"

    def verify_claims(self, claims) -> bool:
        return bool(self.account_name(claims))

    def filter_users_by_claims(self, claims):
        name = self.account_name(claims)
        if not name:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(username=name, is_active=True)

    def create_user(self, claims):
        raise SuspiciousOperation("accounts are opened from the roster, never by a login")

    def verify_token(self, token, **kwargs):
        """The token's payload when it is signed by the platform, for this client, from the
        configured issuer; else None (the login fails, and the log says why)."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            logger.warning("single sign-on refused: the ID token is meant for %r", audience)
            return None
        issuer = settings.JIXIAO_OIDC_ISSUER
        if issuer and payload.get("iss") != issuer:
            logger.warning("single sign-on refused: the ID token comes from %r", payload.get("iss"))
            return None
        return payload


def _enabled(view):
    def wrapper(request, *args, **kwargs):
        if not settings.JIXIAO_OIDC_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# The library's views, answering only where single sign-on is configured.
start = _enabled(OIDCAuthenticationRequestView.as_view())
callback = _enabled(OIDCAuthenticationCallbackView.as_view())
