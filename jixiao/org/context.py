"""What every page's frame shows: who runs the system (the settings' city, organisation
department and assessment office) and whether the user works in an office (the audit log
is theirs, not a staff member's)."""

from django.conf import settings
from django.urls import reverse

from jixiao.org.access import UNIT_OFFICE, is_city_admin, unit_ids_for


def site(request) -> dict:
    user = getattr(request, "user", None)

    def office_user() -> bool:  # called by the template only where it asks
        return bool(
            user is not None
            and user.is_authenticated
            and (is_city_admin(user) or unit_ids_for(user, *UNIT_OFFICE))
        )

    return {
        "site": {
            "city": settings.JIXIAO_CITY_NAME,
            "organisation": settings.JIXIAO_ORGANISATION,
            "office": settings.JIXIAO_ASSESSMENT_OFFICE,
            "support": settings.JIXIAO_SUPPORT_CONTACT,
        },
        "office_user": office_user,
        "oidc_login": reverse("oidc_start") if settings.JIXIAO_OIDC_ENABLED else "",
    }
