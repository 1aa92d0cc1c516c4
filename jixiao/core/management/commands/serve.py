"""``jixiao serve``: the production web server (gunicorn), never Django's runserver."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from jixiao.core.commands import ensure_schema
from jixiao.core.server import parse_address, serve


class Command(BaseCommand):
    help = _(
        "Serve the site with gunicorn, static files by WhiteNoise (collected first, under hashed "
        "names). Run it behind an HTTPS reverse proxy: see the README's deployment section."
    )
    requires_system_checks = []
    leave_locale_alone = True

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr",
            default=os.environ.get("JIXIAO_ADDR", "127.0.0.1:8000"),
            help=_(
                "HOST:PORT to listen on (default 127.0.0.1:8000: only a proxy on this machine reaches it)."
            ),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("JIXIAO_WORKERS", "2")),
            help=_("Worker processes (default 2: about one per core)."),
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("JIXIAO_THREADS", "4")),
            help=_(
                "Threads per worker (default 4): a slow client or a long download does not hold a worker."
            ),
        )

    def handle(self, *args, addr, workers, threads, **options):
        translation.activate(settings.LANGUAGE_CODE)
        try:
            host, port = parse_address(addr)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if workers < 1 or threads < 1:
            raise CommandError(_("--workers and --threads must be at least 1."))
        if not settings.PRODUCTION:
            raise CommandError(_("jixiao serve runs in production mode: do not set JIXIAO_PRODUCTION=0."))
        try:
            # An empty database gets its schema; an out-of-date one is refused.
            ensure_schema(self.stderr)
        except DatabaseError as error:
            # Started anyway: /healthz answers 503 until the database is back.
            self.stderr.write(
                _("The database cannot be reached (%(error)s).") % {"error": str(error).strip()}
            )
        call_command("check", deploy=settings.HTTPS, fail_level="ERROR")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            _("Serving on %(host)s:%(port)s with %(workers)s workers × %(threads)s threads.")
            % {"host": host, "port": port, "workers": workers, "threads": threads}
        )
        self.stdout.flush()
        serve(host, port, workers=workers, threads=threads)
