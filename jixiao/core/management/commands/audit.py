"""``jixiao audit verify|head|list``: check the audit log's keyed hash chain (and, with
``--head COUNT:HASH``, that it still reaches the head recorded earlier), print its head to
be kept outside the database, or show recent entries."""

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.core.audit import AuditAction, AuditEntry, format_head, head, parse_head, verify
from jixiao.core.commands import JixiaoCommand
from jixiao.core.text import format_table


class Command(JixiaoCommand):
    help = gettext_lazy(
        "Check that the audit log is intact (every entry matches its hash and follows the one "
        "before it, and with --head it still reaches the head recorded earlier), print its head "
        "(COUNT:HASH, to be written into the minutes or another system), or list its recent entries."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head", "list"], help=_("verify, head or list"))
        super().add_arguments(parser)
        parser.add_argument(
            "--head",
            metavar="COUNT:HASH",
            help=_(
                "verify: the head printed earlier by `jixiao audit head`; entry COUNT must still"
                " exist with that hash (finds the newest entries deleted, or the log rewritten)."
            ),
        )
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
        recorded = None
        if options["head"] is not None:
            try:
                recorded = parse_head(options["head"])
            except ValueError as error:
                raise CommandError(str(error)) from None
        problems = verify(head=recorded)
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
        if recorded is not None and recorded[0]:
            self.stdout.write(
                _("Entry %(number)s matches the recorded head: no entry up to it was deleted or rewritten.")
                % {"number": recorded[0]}
            )

    def head_log(self, options):
        value = format_head(head())
        self.stdout.write(value)
        self.stderr.write(
            _(
                "This is the audit log's head (number of entries and hash of the newest one). Write"
                " it into the minutes or another system outside this database; `jixiao audit verify"
                " --head %(head)s` then finds entries deleted or rewritten since."
            )
            % {"head": value}
        )

    def list_log(self, options):
        if options["limit"] < 1:
            raise CommandError(_("--limit must be at least 1."))
        entries = AuditEntry.objects.select_related("unit", "period")
        if options["unit"]:
            # The log sits below the apps it records: it reaches units through its own key.
            units = AuditEntry._meta.get_field("unit").related_model.objects
            unit = units.filter(name=options["unit"].strip()).first()
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
