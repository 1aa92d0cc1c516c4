from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.selection.models import MeetingKind, Resolution, SelectionRules, Verdict

# The browser's date pickers take only ISO values; the localized default (2025/07/07 in
# Chinese) would leave them empty, losing the suggested dates.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RulesForm(forms.ModelForm):
    class Meta:
        model = SelectionRules
        fields = [
            "share_percent",
            "quota_rounding",
            "min_quota",
            "tie_policy",
            "peer_scope",
            "fill_vetoed_places",
            "special_cap_percent",
            "special_cap_rounding",
            "special_reason_min_length",
            "publicity_working_days",
        ]


class NominationForm(forms.Form):
    staff_id = forms.CharField(label=_("Staff ID"), max_length=32)
    reason = forms.CharField(
        label=_("Outstanding contribution (the reason, at least the set number of characters)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Meeting"), choices=MeetingKind.choices)
    date = forms.DateField(label=_("Meeting date"), widget=DATE)
    minutes_number = forms.CharField(label=_("Minutes number"), max_length=50)
    members = forms.IntegerField(label=_("Committee members"), min_value=1, max_value=99)
    present = forms.IntegerField(label=_("Present"), min_value=0, max_value=99)
    absent_note = forms.CharField(label=_("Absent, and why"), max_length=200, required=False)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The meeting cannot be in the future."))
        return date


VERDICT_CHOICES = [(Verdict.APPROVED, Verdict.APPROVED.label), (Verdict.REJECTED, Verdict.REJECTED.label)]


class NoticeForm(forms.Form):
    start = forms.DateField(label=_("Publicity starts"), widget=DATE)
    issuing_body = forms.CharField(label=_("Issued by"), max_length=100)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    receiving_body = forms.CharField(label=_("Objections are received by"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=50)
    address = forms.CharField(label=_("Address or e-mail"), max_length=200, required=False)


class ObjectionForm(forms.Form):
    candidate = forms.TypedChoiceField(label=_("Against"), coerce=int)
    objector = forms.CharField(label=_("Raised by (real name)"), max_length=50)
    objector_phone = forms.CharField(label=_("Their phone"), max_length=50)
    received_at = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [(c.pk, f"{c.name}（{c.person.staff_id}）") for c in candidates]


class ResolutionForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=[
            (Resolution.UPHELD, Resolution.UPHELD.label),
            (Resolution.DISMISSED, Resolution.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
