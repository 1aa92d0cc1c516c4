from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShowcaseConfig(AppConfig):
    name = "jixiao.showcase"
    label = "showcase"
    verbose_name = _("Showcase")

    def ready(self) -> None:
        from jixiao.selection.signals import list_published
        from jixiao.showcase.profiles import create_profiles_on_publication

        list_published.connect(create_profiles_on_publication, dispatch_uid="showcase-profiles")
