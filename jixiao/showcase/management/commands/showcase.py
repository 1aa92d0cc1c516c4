"""``jixiao showcase poster|wechat|long-image --period 2023H1 [--unit NAME] -o FILE``."""

import sys
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.assessment.commands import PeriodCommand
from jixiao.showcase import posters
from jixiao.showcase.errors import ShowcaseRefused
from jixiao.showcase.rendering import is_local_address, public_base_url
from jixiao.showcase.wechat import article_zip, long_image_png

SUFFIXES = {"poster": ".pdf", "wechat": ".zip", "long-image": ".png"}


class Command(PeriodCommand):
    help = gettext_lazy(
        "Make a publicity channel's file of the published exemplars: the bulletin-board poster "
        "(PDF), the WeChat article (HTML and photos, zipped) or its long image (PNG)."
    )
    atomic = False  # reads only

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=sorted(SUFFIXES), help=_("poster, wechat or long-image"))
        parser.add_argument("-o", "--output", required=True, help=_("FILE.pdf, FILE.zip or FILE.png"))
        parser.add_argument("--unit", help=_("One unit (default: the whole city)."))
        parser.add_argument("--paper", default="A4", help=_("Poster paper: A4 (default) or A3."))
        parser.add_argument(
            "--base-url",
            help=_("The public site's address for QR codes and links (default: JIXIAO_PUBLIC_URL)."),
        )
        super().add_arguments(parser)

    def handle(self, *args, **options):
        channel, path = options["channel"], Path(options["output"])
        if path.suffix.lower() != SUFFIXES[channel]:
            raise CommandError(
                _("The %(channel)s file must end in %(suffix)s: %(path)s")
                % {"channel": channel, "suffix": SUFFIXES[channel], "path": path}
            )
        if not path.parent.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        period = self.period(options)
        unit = self.unit(options["unit"]) if options["unit"] else None
        base_url = self.base_url(options)
        try:
            if channel == "poster":
                paper = posters.paper_named(options["paper"])
                data = posters.poster_pdf(period, unit, paper, base_url, self.progress)
            elif channel == "wechat":
                data = article_zip(period, unit, base_url)
            else:
                data = long_image_png(period, unit, base_url)
        except ShowcaseRefused as refused:
            raise CommandError(refused.message) from None
        try:
            path.write_bytes(data)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": error.strerror or error}
            ) from None
        self.stdout.write(_("Wrote %(path)s (%(size)s KB).") % {"path": path, "size": len(data) // 1024})

    def base_url(self, options) -> str:
        """Where the QR codes and links lead. Without --base-url or JIXIAO_PUBLIC_URL that
        would be this computer, which the public cannot reach: refused rather than printed.
        A local address given on purpose (a trial print) is used, with a warning."""
        if options["base_url"]:
            base_url = options["base_url"].rstrip("/") + "/"
            if is_local_address(base_url):
                self.stderr.write(
                    _(
                        "Warning: %(url)s is an address of this computer only: the QR codes lead nowhere for the public."
                    )
                    % {"url": base_url}
                )
            return base_url
        base_url = public_base_url()
        if is_local_address(base_url):
            raise CommandError(
                _(
                    "The QR codes and links would lead to %(url)s, an address of this computer only: "
                    "set JIXIAO_PUBLIC_URL to the public site's address, or give it with --base-url."
                )
                % {"url": base_url}
            )
        return base_url

    def progress(self, done: int, total: int) -> None:
        """A bar on the terminal (only there: a log file gets the final line only)."""
        if not self.stderr.isatty() and done < total:
            return
        width = 30
        filled = width * done // total
        bar = "█" * filled + "░" * (width - filled)
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r{bar} " + _("%(done)s/%(total)s units") % {"done": done, "total": total} + end)
        sys.stderr.flush()
