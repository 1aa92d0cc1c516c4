"""Why a profile, a photo or a document is refused: one code per rule, one message per code,
so the pages and the command say the same thing in the same words."""

from django.utils.translation import gettext_lazy as _

from jixiao.core.refusals import RefusalCode, Refused


class ShowcaseRefusal(RefusalCode):
    PHOTO_EMPTY = "photo_empty", _("The photo file is empty.")
    PHOTO_TOO_LARGE = (
        "photo_too_large",
        _("The photo is %(size_mb)s MB; at most %(limit_mb)s MB is accepted. Save it smaller and try again."),
    )
    PHOTO_NOT_AN_IMAGE = (
        "photo_not_an_image",
        _("The file is not a picture that can be read. Upload a JPEG, PNG or WebP photo."),
    )
    PHOTO_WRONG_FORMAT = (
        "photo_wrong_format",
        _("The photo is in %(format)s format; only JPEG, PNG and WebP are accepted."),
    )
    PHOTO_TOO_MANY_PIXELS = (
        "photo_too_many_pixels",
        _("The photo has %(megapixels)s million pixels; at most %(limit)s million are accepted."),
    )
    PHOTO_TOO_SMALL = (
        "photo_too_small",
        _(
            "The photo is %(width)s×%(height)s pixels; it needs at least %(min_width)s×%(min_height)s to print well."
        ),
    )
    PHOTO_DAMAGED = "photo_damaged", _("The photo file is damaged or incomplete and cannot be read.")
    ACHIEVEMENTS_LENGTH = (
        "achievements_length",
        _("The achievements must be %(minimum)s to %(maximum)s characters long (they have %(length)s)."),
    )
    NOT_AN_EXEMPLAR = (
        "not_an_exemplar",
        _("%(name)s is not an approved candidate of %(unit)s in %(period)s: only they get a profile."),
    )
    UNKNOWN_PAPER = "unknown_paper", _("Unknown paper size %(paper)s: choose A4 or A3.")
    NOTHING_PUBLISHED = "nothing_published", _("%(where)s has no published exemplars in %(period)s yet.")


class ShowcaseRefused(Refused):
    """A showcase refusal (``ShowcaseRefusal``): caught apart where a page puts it on a form."""
