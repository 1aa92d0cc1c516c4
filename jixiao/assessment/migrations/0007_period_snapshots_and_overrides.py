"""A period keeps what it showed: each roster entry gets the name and gender of the person
in that period (copied from the person for the periods so far). Scores keep the veto
imported with them apart from their veto items, so that recomputing the schemes keeps it.
Units' ranking inputs are marked changed per unit."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0006_rater_group_order'),
        ('org', '0002_role'),
    ]

    operations = [
        migrations.AddField(
            model_name='rosterentry',
            name='gender',
            field=models.CharField(blank=True, choices=[('M', 'male'), ('F', 'female')], max_length=1, verbose_name='gender'),
        ),
        migrations.AddField(
            model_name='rosterentry',
            name='name',
            field=models.CharField(default='', max_length=50, verbose_name='name'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='score',
            name='imported_veto',
            field=models.CharField(blank=True, max_length=200, verbose_name='imported veto reason'),
        ),
        migrations.AddField(
            model_name='score',
            name='imported_veto_reason',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='assessment.vetoreason'),
        ),
        migrations.CreateModel(
            name='UnitDataChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('changed_at', models.DateTimeField(verbose_name='ranking inputs last changed')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='unit_changes', to='assessment.period')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.unit')),
            ],
            options={
                'verbose_name': "change of a unit's ranking inputs",
                'verbose_name_plural': "changes of units' ranking inputs",
                'constraints': [models.UniqueConstraint(fields=('period', 'unit'), name='one_change_mark_per_unit')],
            },
        ),
        migrations.AlterField(
            model_name='rosterentry',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='roster_entries', to='org.category'),
        ),
        migrations.RunSQL(
            [
                "UPDATE assessment_rosterentry SET "
                "name = (SELECT p.name FROM org_person p WHERE p.id = assessment_rosterentry.person_id), "
                "gender = (SELECT p.gender FROM org_person p WHERE p.id = assessment_rosterentry.person_id)",
                "UPDATE assessment_score SET imported_veto = veto_text, imported_veto_reason_id = veto_reason_id "
                "WHERE source = 'import'",
            ],
            migrations.RunSQL.noop,
        ),
    ]
