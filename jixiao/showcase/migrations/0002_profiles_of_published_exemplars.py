"""Exemplars published before the showcase existed get their profiles (post from the list,
a special nomination's reason as the first draft of the 事迹)."""

from django.db import migrations

from jixiao.showcase.models import new_public_key


def add_profiles(apps, schema_editor):
    Candidate = apps.get_model("selection", "Candidate")
    Profile = apps.get_model("showcase", "Profile")
    have = set(Profile.objects.values_list("period_id", "person_id"))
    exemplars = Candidate.objects.filter(
        proposal__state="published", verdict="approved", removed_at__isnull=True
    ).values_list("proposal__period_id", "person_id", "proposal__unit_id", "post", "route", "reason")
    Profile.objects.bulk_create(
        Profile(
            period_id=period_id,
            person_id=person_id,
            unit_id=unit_id,
            post=post,
            achievements=reason.strip() if route == "special" else "",
            public_key=new_public_key(),
        )
        for period_id, person_id, unit_id, post, route, reason in exemplars
        if (period_id, person_id) not in have
    )


class Migration(migrations.Migration):
    dependencies = [
        ("showcase", "0001_initial"),
        ("selection", "0005_proposals_decisions_publicity"),
    ]

    operations = [migrations.RunPython(add_profiles, migrations.RunPython.noop)]
