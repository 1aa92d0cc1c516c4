"""The veto catalogue as the assessment rules in force define it (DESIGN.md rule 4).

Catalogue entries are reference data the city edits in the admin; these are its defaults.
"""

from django.db import migrations

DEFAULT_VETO_REASONS = [
    ("sanction-warning", "受警告处分影响期内", 6),
    ("sanction-demerit", "受记过处分影响期内", 12),
    ("sanction-major-demerit", "受记大过处分影响期内", 18),
    ("sanction-demotion-dismissal", "受降级、撤职处分影响期内", 24),
    ("party-sanction", "受党内警告及以上处分影响期内", None),
    ("under-investigation", "被立案审查调查且尚未结案", None),
    ("admonition", "受诫勉或组织处理", None),
    ("poor-grade", "考核等次为较差或不合格", None),
    ("long-leave", "病假、事假累计超过考核期一半", None),
    ("probation", "处于试用期", None),
]


def add_reasons(apps, schema_editor):
    VetoReason = apps.get_model("assessment", "VetoReason")
    for order, (code, name, months) in enumerate(DEFAULT_VETO_REASONS, start=1):
        VetoReason.objects.get_or_create(
            code=code, defaults={"name": name, "influence_months": months, "sort_order": order}
        )


def remove_reasons(apps, schema_editor):
    VetoReason = apps.get_model("assessment", "VetoReason")
    VetoReason.objects.filter(code__in=[code for code, _name, _months in DEFAULT_VETO_REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(add_reasons, remove_reasons)]
