"""The rater groups most schemes use (评价主体); the city adds its own in the admin."""

from django.db import migrations

DEFAULT_RATER_GROUPS = ["领导评价", "同事互评", "服务对象评价"]


def add_groups(apps, schema_editor):
    RaterGroup = apps.get_model("assessment", "RaterGroup")
    for order, name in enumerate(DEFAULT_RATER_GROUPS, start=1):
        RaterGroup.objects.get_or_create(name=name, defaults={"sort_order": order})


def remove_groups(apps, schema_editor):
    apps.get_model("assessment", "RaterGroup").objects.filter(name__in=DEFAULT_RATER_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0004_schemes")]
    operations = [migrations.RunPython(add_groups, remove_groups)]
