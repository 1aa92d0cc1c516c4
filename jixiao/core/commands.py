"""The base of every ``jixiao`` command: Chinese by default, errors without tracebacks."""

import contextlib
import getpass
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, handle_default_options
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from django.utils.translation import gettext as _


class JixiaoCommand(BaseCommand):
    """A management command as operators see it.

    A refusal (``CommandError``) prints only its message and exits non-zero: the user
    sees what to fix, not a traceback. The database schema is created on first use and
    a stale schema is refused rather than silently upgraded.

    An ``atomic`` command runs in one transaction: a refusal, or ``self.roll_back()``
    (a dry run), leaves the database exactly as it was, and the notes it deferred with
    ``self.note()`` are printed only when its writes were kept.
    """

    leave_locale_alone = True
    requires_migrations_checks = False
    atomic = False
    # A command that builds its database afresh (the demo) brings the schema up to date.
    upgrades_schema = False

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Help texts are translated too, so the language is chosen before they are read.
        translation.activate(settings.LANGUAGE_CODE)
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--actor",
            default=None,
            help=_("Who is acting, for the record (default: the operating-system user)."),
        )

    def actor(self, options) -> str:
        return options.get("actor") or f"cli:{getpass.getuser()}"

    def note(self, message: str) -> None:
        self._notes.append(message)

    def roll_back(self) -> None:
        transaction.set_rollback(True)

    def execute(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        ensure_schema(self.stderr, upgrade=self.upgrades_schema)
        self._notes: list[str] = []
        kept = True
        with transaction.atomic() if self.atomic else contextlib.nullcontext():
            output = super().execute(*args, **options)
            kept = not (self.atomic and transaction.get_rollback())
        if kept:
            for message in self._notes:
                self.stderr.write(message)
        return output

    def run_from_argv(self, argv):
        self._called_from_command_line = True
        parser = self.create_parser(argv[0], argv[1])
        options = parser.parse_args(argv[2:])
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        handle_default_options(options)
        try:
            self.execute(*args, **cmd_options)
        except CommandError as error:
            if options.traceback:
                raise
            self.stderr.write(str(error))
            sys.exit(error.returncode)
        finally:
            connections.close_all()


def ensure_schema(stderr, *, upgrade: bool = False) -> None:
    """Create the schema in an empty database; refuse to run on an out-of-date one unless
    told to upgrade it."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return
    if not executor.loader.applied_migrations or upgrade:
        if executor.loader.applied_migrations:
            stderr.write(_("Upgrading the database schema first."))
        else:
            stderr.write(_("Empty database: creating the schema first."))
        call_command("migrate", verbosity=0, interactive=False)
        return
    raise CommandError(_("The database schema is out of date: run `jixiao migrate` first."), returncode=3)
