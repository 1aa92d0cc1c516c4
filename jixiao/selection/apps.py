from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "jixiao.selection"
    label = "selection"
    verbose_name = _("Selection")

    def ready(self) -> None:
        from jixiao.assessment.signals import period_created
        from jixiao.selection.actions import create_default_rules

        period_created.connect(create_default_rules, dispatch_uid="selection-default-rules")
