"""``jixiao backup -o FILE``: a consistent backup of the whole database while the server runs."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from jixiao.core.backup import BackupRefused, write_backup
from jixiao.core.commands import JixiaoCommand


class Command(JixiaoCommand):
    help = _(
        "Back up the whole database into one file, consistent while the server runs, with a "
        "checksum. Keep the audit key apart: it is not in the backup."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("-o", "--output", required=True, type=Path, help=_("The backup file to write."))

    def handle(self, *args, output: Path, **options):
        if output.is_dir():
            raise CommandError(_("%(path)s is a folder: name the backup file.") % {"path": output})
        if not output.parent.is_dir():
            raise CommandError(_("The folder %(path)s does not exist.") % {"path": output.parent})
        try:
            manifest = write_backup(output, progress=lambda step: self.stderr.write(f"… {step}"))
        except BackupRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            _(
                "Backed up to %(path)s: %(size)s MB, %(rows)s rows in %(tables)s tables, audit log head "
                "%(head)s, SHA-256 %(sha)s."
            )
            % {
                "path": output,
                "size": f"{output.stat().st_size / 1024 / 1024:,.1f}",
                **manifest.figures(),
                "sha": manifest.sha256,
            }
        )
