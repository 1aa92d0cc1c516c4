"""``jixiao worker``: makes the documents (and other background jobs) that the web
processes queue in the database. Run one or more on any machine that reaches the database."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker

from jixiao.core.commands import ensure_schema


class Command(db_worker.Command):
    help = _(
        "Make the documents queued by the web pages (posters, articles, long images) and run "
        "their rankings and imports. Run one or more, on this or another machine sharing the "
        "database; each does one at a time."
    )
    leave_locale_alone = True

    def create_parser(self, prog_name, subcommand, **kwargs):
        translation.activate(settings.LANGUAGE_CODE)
        self.help = str(self.help)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Every queue, and never reloading on code changes (a document is not cut short).
        parser.set_defaults(queue_name="*", reload=False)
        return parser

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        ensure_schema(self.stderr)
        self.stdout.write(_("Worker %(id)s waiting for documents to make.") % {"id": options["worker_id"]})
        self.stdout.flush()
        return super().handle(*args, **options)
