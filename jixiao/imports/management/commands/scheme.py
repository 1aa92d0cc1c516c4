"""``jixiao scheme list|check|copy|import|export``: the period's assessment schemes.

``jixiao scheme import FILE --period P [--unit NAME] [--dry-run]`` loads a scheme workbook
(sheets 方案, 指标, 评价主体: see ``jixiao.imports.scheme_workbooks``) as the period's scheme
of the category it names, or as the unit's own adjustment of the city's; ``jixiao scheme
export --period P --category C [--unit NAME] -o FILE.xlsx`` writes one.
"""

import os
from pathlib import Path

from django.core.management.base import CommandError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jixiao.assessment.actions import copy_scheme
from jixiao.assessment.commands import PeriodCommand
from jixiao.assessment.models import Period, Scheme
from jixiao.assessment.schemes import SchemeError, leaves, scheme_problems
from jixiao.core.text import format_table, plain_decimal
from jixiao.imports.limits import MAX_FILE_BYTES, MB
from jixiao.imports.problems import ImportRefused
from jixiao.imports.scheme_workbooks import describe_changes, import_scheme_file, write_scheme_workbook

ACTIONS = ["list", "check", "copy", "import", "export"]


class Command(PeriodCommand):
    help = gettext_lazy(
        "List or check a period's schemes, copy schemes from another period or a city template, or "
        "import and export a scheme as a workbook (sheets 方案, 指标, 评价主体). In the 指标 sheet a row "
        "with 二级指标 empty is a top-level indicator, a row with one a sub-indicator of its 一级指标; "
        "the 分值 of an indicator with sub-indicators is the sum of theirs (its own row may be left out)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action", choices=ACTIONS, help=_("list, check, copy, import (a workbook) or export (a workbook)")
        )
        parser.add_argument("file", nargs="?", help=_("import: the scheme workbook (.xlsx or .xls)."))
        super().add_arguments(parser)
        parser.add_argument("--from-period", help=_("copy: the period to copy schemes from."))
        parser.add_argument("--template", help=_("copy: the name of a city-wide template to copy."))
        parser.add_argument(
            "--category",
            help=_(
                "copy: only this category (for a template: the category it is for); export: the "
                "category whose scheme is written."
            ),
        )
        parser.add_argument(
            "--unit",
            help=_(
                "copy, import: make the unit's own adjustment of the city scheme; export: write the "
                "unit's adjustment."
            ),
        )
        parser.add_argument("-o", "--output", help=_("export: FILE.xlsx"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("import: check the file and show what would change; write nothing."),
        )

    def handle(self, *args, **options):
        if options["file"] and options["action"] != "import":
            raise CommandError(
                _("Only import takes a file: jixiao scheme import FILE --period %(period)s")
                % {"period": options["period"]}
            )
        if options["action"] == "export":
            # Writes nothing: a period that does not exist is not created for it.
            code = options["period"].strip().upper()
            period = Period.objects.filter(code=code).first()
            if period is None:
                raise CommandError(_("No period has the code %(code)s.") % {"code": options["period"]})
        else:
            period = self.period(options)
        # Not named like the actions: BaseCommand.check() runs the system checks.
        getattr(self, f"{options['action']}_schemes")(period, options)

    def list_schemes(self, period, options):
        rows = []
        schemes = Scheme.objects.filter(period=period).select_related("category", "unit")
        # A city scheme first, then the units' adjustments of it, on either engine.
        schemes = schemes.order_by(
            "category__sort_order", "category_id", F("unit__sort_order").asc(nulls_first=True), "unit_id"
        )
        for scheme in schemes:
            indicators = leaves(scheme.indicators.all())
            rows.append(
                [
                    scheme.name,
                    scheme.category.name if scheme.category else "—",
                    scheme.unit.name if scheme.unit else _("city"),
                    len(indicators),
                    "、".join(
                        f"{g.group.name} {plain_decimal(g.weight)}"
                        for g in scheme.rater_groups.select_related("group")
                    ),
                    scheme.get_roll_up_display(),
                    _("ok") if not scheme_problems(scheme) else _("has problems"),
                ]
            )
        if not rows:
            self.stdout.write(_("%(period)s has no assessment schemes.") % {"period": period.code})
            return
        headers = [
            _("Scheme"),
            _("Category"),
            _("For"),
            _("Indicators"),
            _("Rater groups"),
            _("Rhythm"),
            _("Check"),
        ]
        self.stdout.write(format_table(headers, rows))

    def check_schemes(self, period, options):
        failing = 0
        for scheme in Scheme.objects.filter(period=period):
            problems = scheme_problems(scheme)
            if problems:
                failing += 1
                self.stderr.write(_("Scheme %(name)s cannot be used:") % {"name": scheme.name})
                for problem in problems:
                    self.stderr.write("  " + problem)
        if failing:
            raise CommandError(_("%(count)s schemes have problems.") % {"count": failing})
        self.stdout.write(_("Every scheme of %(period)s adds up.") % {"period": period.code})

    def copy_schemes(self, period, options):
        category = self.category(options["category"]) if options["category"] else None
        unit = self.unit(options["unit"]) if options["unit"] else None
        if options["template"]:
            source = Scheme.objects.filter(period__isnull=True, name=options["template"]).first()
            if source is None:
                raise CommandError(_("No city template is named %(name)s.") % {"name": options["template"]})
            sources = [source]
            if category is None and source.category is None:
                raise CommandError(_("Say which category the template is for (--category)."))
        elif options["from_period"] or unit:
            origin = period
            if options["from_period"]:
                origin = Period.objects.filter(code=options["from_period"].strip().upper()).first()
                if origin is None:
                    raise CommandError(
                        _("No period has the code %(code)s.") % {"code": options["from_period"]}
                    )
            sources = list(Scheme.objects.filter(period=origin, unit__isnull=True))
            if category:
                sources = [s for s in sources if s.category_id == category.pk]
            if not sources:
                raise CommandError(_("There is no scheme to copy."))
        else:
            raise CommandError(
                _("Say what to copy: --from-period, --template, or --unit for a unit's adjustment.")
            )
        for source in sources:
            copy = copy_scheme(
                source, period=period, category=category, unit=unit, acting_user=self.acting_user(options)
            )
            self.stdout.write(
                _("Copied %(source)s as %(copy)s.")
                % {"source": source.name, "copy": f"{period.code} {copy.name}"}
            )

    def import_schemes(self, period, options):
        if not options["file"]:
            raise CommandError(
                _("Say which workbook to import: jixiao scheme import FILE --period %(period)s")
                % {"period": period.code}
            )
        path = Path(options["file"])
        unit = self.unit(options["unit"]) if options["unit"] else None
        data = read_file(path)
        try:
            result = import_scheme_file(
                period,
                data,
                path.name,
                acting_user=self.acting_user(options),
                unit=unit,
                dry_run=options["dry_run"],
            )
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                ngettext(
                    "%(file)s was not imported: %(count)s problem, nothing was written.",
                    "%(file)s was not imported: %(count)s problems, nothing was written.",
                    len(refused.problems),
                )
                % {"file": path.name, "count": len(refused.problems)}
            ) from None
        if options["dry_run"]:
            self.roll_back()
            self.stdout.write(
                _("Checked %(file)s: no problems found; nothing was written.") % {"file": path.name}
            )
        else:
            self.stdout.write(
                _("Imported %(file)s into %(period)s: scheme %(name)s.")
                % {"file": path.name, "period": period.code, "name": result.definition.name}
            )
        for line in describe_changes(result.changes, result.definition, period=period, unit=unit):
            self.stdout.write("  " + line)

    def export_schemes(self, period, options):
        if not options["category"]:
            raise CommandError(_("Say which category's scheme to export (--category)."))
        if not options["output"]:
            raise CommandError(_("Say where to write the workbook (-o FILE.xlsx)."))
        category = self.category(options["category"])
        unit = self.unit(options["unit"]) if options["unit"] else None
        path = Path(options["output"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx: %(path)s") % {"path": path})
        if not path.parent.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        scheme = (
            Scheme.objects.select_related("period", "category", "unit")
            .filter(period=period, category=category, unit=unit)
            .first()
        )
        if scheme is None:
            raise CommandError(
                _("%(period)s has no scheme for %(category)s%(unit)s.")
                % {"period": period.code, "category": category.name, "unit": f" {unit.name}" if unit else ""}
            )
        # Written beside its destination, then moved into place: never half a file.
        partial = path.with_name(f".{path.name}.partial")
        try:
            write_scheme_workbook(partial, scheme)
            os.replace(partial, path)
        except SchemeError as error:
            raise CommandError("\n".join(error.problems)) from None
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": error.strerror or error}
            ) from None
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            _("Wrote %(path)s: scheme %(name)s, %(indicators)s indicators.")
            % {"path": path, "name": scheme.name, "indicators": scheme.indicators.count()}
        )


def read_file(path: Path) -> bytes:
    """The file's bytes, or a ``CommandError`` saying why it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CommandError(
                _(
                    "%(name)s is %(size)s MB, more than the %(limit)s MB an import file may be: "
                    "split it into several files (by unit, say)."
                )
                % {"name": path.name, "size": f"{size / MB:,.0f}", "limit": MAX_FILE_BYTES // MB}
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise CommandError(_("File not found: %(path)s") % {"path": path}) from None
    except IsADirectoryError:
        raise CommandError(_("Not a file: %(path)s") % {"path": path}) from None
    except OSError as error:
        raise CommandError(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
        ) from None
