"""``jixiao audit verify|list``: check the audit log's hash chain, or show recent entries."""

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.core.audit import AuditAction, AuditEntry, verify
from jixiao.core.commands import JixiaoCommand
from jixiao.core.text import format_table


class Command(JixiaoCommand):
    help = gettext_lazy(
        "Check that the audit log is intact (every entry matches its hash and follows the one "
        "before it), or list its recent entries."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "list"], help=_("verify or list"))
        super().add_arguments(parser)
        parser.add_argument(
            "--limit", type=int, default=50, help=_("list: how many of the newest entries (default 50).")
        )
        parser.add_argument("--unit", help=_("list: only entries about this unit."))
        parser.add_argument(
            "--action",
            dest="kind",
            choices=AuditAction.values,
            help=_("list: only entries of this action."),
        )

    def handle(self, *args, **options):
        # Not named like the actions: BaseCommand.check() runs the system checks.
        getattr(self, f"{options['action']}_log")(options)

    def verify_log(self, options):
        problems = verify()
        count = AuditEntry.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                _("The audit log has been tampered with: %(problems)s problems in %(count)s entries.")
                % {"problems": len(problems), "count": count},
                returncode=2,
            )
        self.stdout.write(
            _("The audit log is intact: %(count)s entries, the hash chain is unbroken.") % {"count": count}
        )

    def list_log(self, options):
        if options["limit"] < 1:
            raise CommandError(_("--limit must be at least 1."))
        entries = AuditEntry.objects.select_related("unit", "period")
        if options["unit"]:
            from jixiao.org.models import Unit

            unit = Unit.objects.filter(name=options["unit"].strip()).first()
            if unit is None:
                raise CommandError(_("No unit is named %(name)s.") % {"name": options["unit"]})
            entries = entries.filter(unit=unit)
        if options["kind"]:
            entries = entries.filter(action=options["kind"])
        rows = [
            [
                entry.pk,
                f"{timezone.localtime(entry.at):%Y-%m-%d %H:%M:%S}",
                entry.actor,
                entry.get_action_display(),
                entry.unit.name if entry.unit else "—",
                entry.period.code if entry.period else "—",
                entry.target_label or "—",
                entry.summary.replace("\n", " ")[:80] or "—",
            ]
            for entry in entries.order_by("-id")[: options["limit"]]
        ]
        if not rows:
            self.stdout.write(_("The audit log has no such entries."))
            return
        headers = [
            _("No."),
            _("Time"),
            _("By"),
            _("Action"),
            _("Unit"),
            _("Period"),
            _("Target"),
            _("Summary"),
        ]
        self.stdout.write(format_table(headers, rows))
