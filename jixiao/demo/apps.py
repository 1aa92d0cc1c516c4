from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The synthetic city of ``jixiao demo``: on top of every other app, used by none."""

    name = "jixiao.demo"
    label = "demo"
    verbose_name = _("Demo")
