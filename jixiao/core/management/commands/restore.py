"""``jixiao restore FILE [--force]``: the database from a backup, checked before and after."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from jixiao.core.backup import BackupRefused, restore_backup
from jixiao.core.commands import JixiaoCommand


class Command(JixiaoCommand):
    help = _(
        "Restore the database from a backup made by `jixiao backup`. A damaged backup is refused "
        "and nothing is written; a database holding data is replaced only with --force. Stop the "
        "server first."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help=_("The backup file."))
        parser.add_argument(
            "--force", action="store_true", help=_("Replace a database that holds data (all of it).")
        )

    def handle(self, *args, file: Path, force: bool, **options):
        try:
            manifest = restore_backup(
                file,
                actor=self.actor(options),
                force=force,
                progress=lambda step: self.stderr.write(f"… {step}"),
            )
        except BackupRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            _(
                "Restored %(path)s (made %(created)s): %(rows)s rows in %(tables)s tables, the audit "
                "log verified up to %(head)s."
            )
            % {
                "path": file,
                "created": manifest.created,
                **manifest.figures(),
            }
        )
