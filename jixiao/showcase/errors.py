"""Why a profile or a photo is refused: one code per rule, one message per code, so the
pages and the command say the same thing in the same words."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ShowcaseRefusal(StrEnum):
    PHOTO_EMPTY = "photo_empty"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_NOT_AN_IMAGE = "photo_not_an_image"
    PHOTO_WRONG_FORMAT = "photo_wrong_format"
    PHOTO_TOO_MANY_PIXELS = "photo_too_many_pixels"
    PHOTO_TOO_SMALL = "photo_too_small"
    PHOTO_DAMAGED = "photo_damaged"
    ACHIEVEMENTS_LENGTH = "achievements_length"
    NOT_AN_EXEMPLAR = "not_an_exemplar"
    UNKNOWN_PAPER = "unknown_paper"
    NOTHING_PUBLISHED = "nothing_published"

    @property
    def message(self):
        return REFUSAL_MESSAGES[self]


REFUSAL_MESSAGES = {
    ShowcaseRefusal.PHOTO_EMPTY: _("The photo file is empty."),
    ShowcaseRefusal.PHOTO_TOO_LARGE: _(
        "The photo is %(size_mb)s MB; at most %(limit_mb)s MB is accepted. Save it smaller and try again."
    ),
    ShowcaseRefusal.PHOTO_NOT_AN_IMAGE: _(
        "The file is not a picture that can be read. Upload a JPEG, PNG or WebP photo."
    ),
    ShowcaseRefusal.PHOTO_WRONG_FORMAT: _(
        "The photo is in %(format)s format; only JPEG, PNG and WebP are accepted."
    ),
    ShowcaseRefusal.PHOTO_TOO_MANY_PIXELS: _(
        "The photo has %(megapixels)s million pixels; at most %(limit)s million are accepted."
    ),
    ShowcaseRefusal.PHOTO_TOO_SMALL: _(
        "The photo is %(width)s×%(height)s pixels; it needs at least %(min_width)s×%(min_height)s to print well."
    ),
    ShowcaseRefusal.PHOTO_DAMAGED: _("The photo file is damaged or incomplete and cannot be read."),
    ShowcaseRefusal.ACHIEVEMENTS_LENGTH: _(
        "The achievements must be %(minimum)s to %(maximum)s characters long (they have %(length)s)."
    ),
    ShowcaseRefusal.NOT_AN_EXEMPLAR: _(
        "%(name)s is not an approved candidate of %(unit)s in %(period)s: only they get a profile."
    ),
    ShowcaseRefusal.UNKNOWN_PAPER: _("Unknown paper size %(paper)s: choose A4 or A3."),
    ShowcaseRefusal.NOTHING_PUBLISHED: _("%(where)s has no published exemplars in %(period)s yet."),
}


class ShowcaseRefused(Exception):
    def __init__(self, code: ShowcaseRefusal, **params):
        self.code = code
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return str(self.code.message) % self.params
