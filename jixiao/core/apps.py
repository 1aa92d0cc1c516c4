from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class CoreConfig(AppConfig):
    name = "jixiao.core"
    label = "core"
    verbose_name = _("Core")


# Django's forms end each label with gettext(":"); Chinese writes the full-width colon, which
# this catalogue gives (listed here so that makemessages keeps it).
gettext_noop(":")
