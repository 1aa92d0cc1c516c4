"""Lists keep the names they showed: candidates (with their gender) and special nominations
get the name of the person's roster entry in the period. Ranking results point at the roster
entry they were computed from, and a ranking run records the peer groups it ranked."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0007_period_snapshots_and_overrides'),
        ('org', '0002_role'),
        ('selection', '0005_proposals_decisions_publicity'),
    ]

    operations = [
        migrations.AddField(
            model_name='candidate',
            name='gender',
            field=models.CharField(blank=True, choices=[('M', 'male'), ('F', 'female')], max_length=1, verbose_name='gender'),
        ),
        migrations.AddField(
            model_name='candidate',
            name='name',
            field=models.CharField(default='', max_length=50, verbose_name='name'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='rankingresult',
            name='entry',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='assessment.rosterentry'),
        ),
        migrations.AddField(
            model_name='rankingrun',
            name='peer_scope',
            field=models.CharField(choices=[('unit', 'same unit and category'), ('unit_tree', 'same top-level unit tree and category'), ('city', 'city-wide per category')], default='unit', max_length=10, verbose_name='peer group'),
        ),
        migrations.AddField(
            model_name='rankingrun',
            name='unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.unit', verbose_name='unit'),
        ),
        migrations.AddField(
            model_name='specialnomination',
            name='name',
            field=models.CharField(default='', max_length=50, verbose_name='name'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='specialnomination',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='withdrawn at'),
        ),
        migrations.AddField(
            model_name='specialnomination',
            name='withdrawn_by',
            field=models.CharField(blank=True, max_length=150, verbose_name='withdrawn by'),
        ),
        migrations.RunSQL(
            [
                "UPDATE selection_candidate SET "
                "name = COALESCE((SELECT r.name FROM assessment_rosterentry r JOIN selection_proposal pr "
                "ON pr.period_id = r.period_id WHERE pr.id = selection_candidate.proposal_id "
                "AND r.person_id = selection_candidate.person_id), "
                "(SELECT p.name FROM org_person p WHERE p.id = selection_candidate.person_id)), "
                "gender = COALESCE((SELECT p.gender FROM org_person p WHERE p.id = selection_candidate.person_id), '')",
                "UPDATE selection_specialnomination SET "
                "name = COALESCE((SELECT r.name FROM assessment_rosterentry r "
                "WHERE r.period_id = selection_specialnomination.period_id "
                "AND r.person_id = selection_specialnomination.person_id), "
                "(SELECT p.name FROM org_person p WHERE p.id = selection_specialnomination.person_id))",
                "UPDATE selection_rankingresult SET entry_id = (SELECT r.id FROM assessment_rosterentry r "
                "WHERE r.period_id = selection_rankingresult.period_id "
                "AND r.person_id = selection_rankingresult.person_id)",
            ],
            migrations.RunSQL.noop,
        ),
    ]
