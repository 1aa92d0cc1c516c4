from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "jixiao.selection"
    label = "selection"
