"""Why an action refuses its actor."""

from django.utils.translation import gettext_lazy as _

from jixiao.core.refusals import RefusalCode


class OrgRefusal(RefusalCode):
    NOT_CITY_ADMIN = "not_city_admin", _("Only the city's assessment office may do this.")
    NO_UNIT_ROLE = "no_unit_role", _("You hold no role in %(unit)s that allows this.")
    NOT_IN_UNIT = "not_in_unit", _("%(person)s is not one of %(unit)s's people.")
    NO_STAFF_ACCOUNT = "no_staff_account", _("%(person)s has no account yet.")
