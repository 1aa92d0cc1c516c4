from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The pages that bring the domain apps together: the start page, a staff member's own
    results and the audit log."""

    name = "jixiao.portal"
    label = "portal"
    verbose_name = _("Portal")
