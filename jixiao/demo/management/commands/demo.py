"""``jixiao demo``: a fresh database with a synthetic city, ranked, then served."""

import datetime
import importlib
import random
import secrets
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from jixiao.assessment.actions import get_or_create_period
from jixiao.assessment.models import (
    Adjustment,
    DirectScore,
    Period,
    RaterScore,
    RosterEntry,
    VetoItem,
    VetoReason,
)
from jixiao.assessment.schemes import applicable_scheme
from jixiao.core.bulk import insert_rows
from jixiao.core.commands import JixiaoCommand
from jixiao.core.refusals import Refused
from jixiao.core.server import parse_address, queue_workers, serve
from jixiao.demo.city import CATEGORY_ORDER, SPECIAL_REASONS, demo_people, demo_units
from jixiao.demo.rating import open_demo_round
from jixiao.demo.scoring import DemoEntry, define_demo_schemes, demo_raw_scores
from jixiao.demo.showcase import published_count, write_demo_profiles
from jixiao.demo.workflow import ACTOR, advance_units, create_accounts, units_with_candidates
from jixiao.imports.actions import import_file, import_sanctions
from jixiao.imports.roster import ROSTER_COLUMNS
from jixiao.imports.sanctions import SANCTION_COLUMNS
from jixiao.imports.source import open_source
from jixiao.imports.workbooks import write_template
from jixiao.org.models import Category, Person, Unit
from jixiao.rating.codes import shown as shown_code
from jixiao.selection.actions import nominate, rank
from jixiao.selection.models import Outcome, RankingResult
from jixiao.selection.ranking import summarize
from jixiao.selection.workflow import stage_label

DEMO_PERIOD = "2023H1"


class Command(JixiaoCommand):
    upgrades_schema = True
    help = gettext_lazy(
        "Create a synthetic city (about 120 units, 8,000 people), rank 2023H1 and serve it on http://127.0.0.1:8000."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--reset", action="store_true", help=_("Empty the database first if it holds data.")
        )
        parser.add_argument(
            "--people", type=int, default=8000, help=_("About how many people (default 8000).")
        )
        parser.add_argument(
            "--seed", type=int, default=2023, help=_("Random seed; the same seed gives the same city.")
        )
        parser.add_argument(
            "--no-serve", action="store_true", help=_("Only create the data; do not start the server.")
        )
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help=_("Address to serve on (default 127.0.0.1:8000).")
        )

    def handle(self, *args, **options):
        if options["people"] < 100:
            raise CommandError(_("A demo city needs at least 100 people."))
        if Person.objects.exists() or Period.objects.exists():
            if not options["reset"]:
                raise CommandError(
                    _(
                        "The database already holds data. Run `jixiao demo --reset` to empty it and create the demo city."
                    )
                )
            self.stdout.write(_("Emptying the database…"))
            empty_database()

        rng = random.Random(options["seed"])
        units = demo_units(rng, options["people"])
        veto_names = list(VetoReason.objects.values_list("name", flat=True))
        people = demo_people(rng, units, veto_names)
        folder = Path(settings.DATA_DIR) / "demo"
        folder.mkdir(parents=True, exist_ok=True)
        roster_file = folder / f"roster-{DEMO_PERIOD}.xlsx"
        write_sheet(
            roster_file,
            ["工号", "姓名", "性别", "单位", "人员类别", "职务"],
            [(p.staff_id, p.name, p.gender, p.unit, p.category, p.post) for p in people],
        )

        period, _created = get_or_create_period(DEMO_PERIOD, acting_user=ACTOR)
        self.stdout.write(_("Importing %(file)s…") % {"file": roster_file})
        import_file("roster", period, open_source(roster_file, ROSTER_COLUMNS), acting_user=ACTOR)
        sanctions_file = folder / "sanctions.xlsx"
        write_sheet(sanctions_file, [c.header for c in SANCTION_COLUMNS], demo_sanctions(rng, people))
        import_sanctions(open_source(sanctions_file, SANCTION_COLUMNS), acting_user=ACTOR)
        arrange_units(units)
        self.stdout.write(_("Scoring %(period)s through the assessment schemes…") % {"period": DEMO_PERIOD})
        score_through_schemes(period, people, rng)
        write_example_template(period, folder)
        self.stdout.write(_("Ranking %(period)s…") % {"period": DEMO_PERIOD})
        rank(period, acting_user=ACTOR)
        nominated = nominate_some(period, rng)
        unit_summaries, city = summarize(period)

        password = secrets.token_urlsafe(9)
        create_admin(password)
        self.stdout.write(_("Taking units through proposal, decision, publicity and publication…"))
        workflow_units = units_with_candidates(period)
        stages = advance_units(period, workflow_units, rng)
        # A city too small for anyone to pass gives the accounts its first unit.
        accounts_unit = (
            workflow_units[0] if workflow_units else Unit.objects.order_by("sort_order", "pk").first()
        )
        accounts = create_accounts(accounts_unit, period, password)
        rating = open_demo_round(period, accounts_unit, rng)
        self.stdout.write(_("Writing exemplar profiles with generated placeholder portraits…"))
        profiles_written = write_demo_profiles(period, rng)
        self.stdout.write("")
        self.stdout.write(
            _(
                "Demo city ready: %(units)s units, %(people)s people; %(period)s ranked: "
                "%(by_rank)s eligible by rank, %(special)s special nominations, %(vetoed)s vetoed."
            )
            % {
                "units": len(unit_summaries),
                "people": city.headcount,
                "period": DEMO_PERIOD,
                "by_rank": city.by_rank,
                "special": nominated,
                "vetoed": city.vetoed,
            }
        )
        self.stdout.write(
            _("Units by stage: %(stages)s")
            % {"stages": "，".join(f"{stage_name(stage)} {count}" for stage, count in stages.items())}
        )
        self.stdout.write(
            _("%(published)s exemplars published; %(profiles)s profiles written.")
            % {"published": published_count(period), "profiles": profiles_written}
        )
        self.stdout.write(
            _("Public pages: http://%(addr)s/exemplars/ · big screen: http://%(addr)s/screen/%(period)s/")
            % {"addr": options["addr"], "period": DEMO_PERIOD}
        )
        self.stdout.write(
            _("Admin login: user %(user)s, password %(password)s") % {"user": "admin", "password": password}
        )
        self.stdout.write(_("Accounts per role (same password):"))
        for account in accounts:
            self.stdout.write(f"  {account.username:<10} {account.role}（{account.where}）")
        if rating is not None:
            self.stdout.write(
                _(
                    "Online rating %(name)s: %(issued)s codes issued, %(submitted)s submitted. "
                    "Score on a phone with one of these:"
                )
                % {"name": rating.round.name, "issued": rating.issued, "submitted": rating.submitted}
            )
            for code in rating.unused:
                self.stdout.write(
                    f"  http://{options['addr']}/rate/{rating.round.key}/?code={shown_code(code)}"
                )
        self.stdout.write(_("The files imported are in %(folder)s.") % {"folder": folder})
        if options["no_serve"]:
            return
        self.stdout.write(
            _("Open http://%(addr)s/ in a browser (Ctrl+C stops the server).") % {"addr": options["addr"]}
        )
        try:
            host, port = parse_address(options["addr"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        # The same server as production (gunicorn, static files by WhiteNoise), over plain HTTP,
        # and a worker making the posters and articles its pages queue.
        with queue_workers(1):
            serve(host, port, workers=2, threads=4)


def stage_name(stage: str) -> str:
    if stage == "objection":
        return _("published after an upheld objection")
    return stage_label(stage)


def empty_database() -> None:
    """Delete every row, then put back the reference data the migrations seed."""
    call_command("flush", interactive=False, verbosity=0)
    importlib.import_module("jixiao.assessment.migrations.0002_default_veto_reasons").add_reasons(apps, None)
    importlib.import_module("jixiao.assessment.migrations.0005_default_rater_groups").add_groups(apps, None)
    importlib.import_module("jixiao.assessment.migrations.0008_sanctions_register").add_types(apps, None)


def score_through_schemes(period, people, rng: random.Random) -> None:
    """Schemes for every category, and the raw scores every total is computed from."""
    schemes = define_demo_schemes(period, acting_user=ACTOR)
    by_staff_id = {p.staff_id: p for p in people}
    entries, leaders = [], {}
    # A fixed order, so the same seed gives the same scores on every engine.
    rows = (
        RosterEntry.objects.filter(period=period)
        .order_by("person__staff_id")
        .values_list("id", "person__staff_id", "unit__name", "category_id", "category__name")
    )
    for entry_id, staff_id, unit, category_id, category in rows:
        person = by_staff_id[staff_id]
        entries.append(DemoEntry(entry_id, staff_id, unit, category_id, float(person.total), person.veto))
        if category == "领导班子成员":
            leaders.setdefault(unit, []).append(staff_id)
    raw = demo_raw_scores(rng, entries, schemes, leaders)
    with transaction.atomic():
        insert_rows(
            RaterScore._meta.db_table,
            ("entry_id", "indicator_id", "sub_period", "group_id", "rater", "score_cents"),
            raw.rater,
        )
        insert_rows(
            DirectScore._meta.db_table, ("entry_id", "indicator_id", "sub_period", "score_cents"), raw.direct
        )
        Adjustment.objects.bulk_create(
            Adjustment(entry_id=e, kind=k, points=Decimal(str(p)), reason=r, recorded_by=ACTOR.name)
            for e, k, p, r in raw.adjustments
        )
        reasons = dict(VetoReason.objects.values_list("name", "id"))
        VetoItem.objects.bulk_create(
            VetoItem(entry_id=e, text=t, reason_id=reasons.get(t), recorded_by=ACTOR.name)
            for e, t in raw.vetoes
        )


def write_example_template(period, folder: Path) -> None:
    """A filled-in-ready rater-score template of one school, to try the import with."""
    entry = (
        RosterEntry.objects.filter(period=period, unit__kind="school")
        .select_related("unit", "category")
        .first()
    )
    if entry is None:
        return
    scheme = applicable_scheme(period, entry.unit_id, entry.category_id)
    people = list(
        RosterEntry.objects.filter(period=period, unit=entry.unit, category=entry.category)
        .order_by("person__staff_id")
        .values_list("person__staff_id", "name")
    )
    write_template(
        folder / f"template-rater-scores-{entry.unit.name}.xlsx", "rater-scores", period, scheme, people
    )


# A few entries of the sanctions register: (type, decision date, lifting date, grounds).
DEMO_SANCTIONS = [
    ("警告", datetime.date(2022, 9, 20), None, "违反工作纪律"),
    ("记过", datetime.date(2022, 4, 11), None, "失职失责"),
    ("诫勉", datetime.date(2023, 3, 2), None, "履职不力"),
    ("党内警告", datetime.date(2022, 11, 8), None, "违反中央八项规定精神"),
    ("立案审查调查", datetime.date(2023, 2, 16), None, "涉嫌违纪"),
    ("立案审查调查", datetime.date(2022, 3, 1), datetime.date(2022, 10, 31), "经审查予以了结"),
    ("记大过", datetime.date(2021, 6, 30), None, "严重失职"),
]


def demo_sanctions(rng: random.Random, people) -> list[tuple]:
    """The register's rows for a few people: most still vetoing in the demo period, one
    investigation closed before it and one sanction whose window has run out."""
    chosen = rng.sample(people, min(len(DEMO_SANCTIONS), len(people)))
    return [
        (person.staff_id, person.name, kind, decided, lifted, grounds)
        for person, (kind, decided, lifted, grounds) in zip(chosen, DEMO_SANCTIONS, strict=False)
    ]


def write_sheet(path: Path, headers: list[str], rows: list[tuple]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def arrange_units(units) -> None:
    """Kinds, order and the unit tree (schools under education, hospitals under health)."""
    by_name = {u.name: u for u in Unit.objects.all()}
    with transaction.atomic():
        for order, demo in enumerate(units, start=1):
            unit = by_name[demo.name]
            unit.kind = demo.kind
            unit.sort_order = order
            unit.parent = by_name[demo.parent] if demo.parent else None
            unit.save()
        for order, name in enumerate(CATEGORY_ORDER, start=1):
            Category.objects.filter(name=name).update(sort_order=order)


def nominate_some(period, rng: random.Random) -> int:
    """In about half the units that may nominate, the best-placed person not selected."""
    count = 0
    for unit in Unit.objects.all():
        if rng.random() < 0.5:
            continue
        candidate = (
            RankingResult.objects.filter(period=period, unit=unit, outcome=Outcome.NOT_SELECTED)
            .select_related("person")
            .order_by("rank")
            .first()
        )
        if candidate is None:
            continue
        try:
            nominate(period, candidate.person.staff_id, rng.choice(SPECIAL_REASONS), acting_user=ACTOR)
            count += 1
        except Refused:
            continue  # the unit's cap is 0: too small to nominate anyone
    return count


def create_admin(password: str) -> None:
    User = get_user_model()
    user, _created = User.objects.get_or_create(username="admin")
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
