from django import forms
from django.utils.translation import gettext_lazy as _

from jixiao.showcase.models import ACHIEVEMENTS_MAX, ACHIEVEMENTS_MIN, QUOTE_MAX
from jixiao.showcase.photos import MAX_UPLOAD_BYTES, CropFocus

CROP_CHOICES = [
    (CropFocus.AUTO, _("face-friendly (centred, keeps the top)")),
    (CropFocus.TOP, _("keep the top")),
    (CropFocus.CENTER, _("keep the middle")),
    (CropFocus.BOTTOM, _("keep the bottom")),
    (CropFocus.LEFT, _("keep the left side")),
    (CropFocus.RIGHT, _("keep the right side")),
]


class ProfileForm(forms.Form):
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    achievements = forms.CharField(
        label=_("Achievements (事迹), 100–500 characters"),
        required=False,
        # A margin over the limit lets a pasted text arrive whole, so the count is reported
        # rather than the text cut off by the browser.
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "maxlength": ACHIEVEMENTS_MAX * 2,
                "data-count-into": "achievements-count",
                "data-min": ACHIEVEMENTS_MIN,
                "data-max": ACHIEVEMENTS_MAX,
            }
        ),
    )
    quote = forms.CharField(label=_("Quote (optional)"), max_length=QUOTE_MAX, required=False)
    photo = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, at most %(mb)s MB)") % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024},
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    crop = forms.ChoiceField(label=_("Crop to portrait"), choices=CROP_CHOICES, initial=CropFocus.AUTO)
    show_photo = forms.BooleanField(label=_("Publish the photo"), required=False)
    show_post = forms.BooleanField(label=_("Publish the post"), required=False)
    show_achievements = forms.BooleanField(label=_("Publish the achievements"), required=False)
    show_quote = forms.BooleanField(label=_("Publish the quote"), required=False)
