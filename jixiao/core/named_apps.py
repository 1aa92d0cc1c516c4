"""Apps of other projects that the admin lists, named in the site's language: their own names
("Axes", "Tasks Database Backend") are not translatable. INSTALLED_APPS names these configs;
labels and everything else stay the apps' own."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class SignInLocksConfig(AxesAppConfig):
    """django-axes: wrong passwords and the locks they cause."""

    verbose_name = _("Sign-in locks")


class TaskQueueConfig(TasksAppConfig):
    """django-tasks-db: the queue the workers take documents, rankings and imports from."""

    verbose_name = _("Task queue")
