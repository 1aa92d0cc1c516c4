import re

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
    """Whom (by name or staff ID, chosen from the unit's people who may be nominated) and why."""

    person = forms.CharField(
        label=_("Name or staff ID"),
        max_length=90,
        widget=forms.TextInput(attrs={"list": "nominees", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Outstanding contribution (the reason, at least the set number of characters)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)  # (staff ID, name) of those who may be nominated

    def clean_person(self) -> str:
        """The staff ID meant: from "name（staff ID）" as the list offers it, a staff ID, or a
        name that only one of the unit's people has."""
        value = self.cleaned_data["person"].strip()
        chosen = re.fullmatch(r".*?[（(]\s*([^（）()\s]+)\s*[）)]", value)
        if chosen:
            return chosen.group(1)
        if any(staff_id == value for staff_id, _name in self.people):
            return value
        namesakes = [staff_id for staff_id, name in self.people if name == value]
        if len(namesakes) > 1:
            raise forms.ValidationError(
                _("%(count)s people are called %(name)s (%(ids)s): choose one with their staff ID.")
                % {"count": len(namesakes), "name": value, "ids": "、".join(namesakes)}
            )
        if namesakes:
            return namesakes[0]
        return value  # a staff ID not offered: the action says why it cannot be nominated


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
    issuing_body = forms.CharField(
        label=_("Issued by"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the party group of the bureau (中共××局党组)")}),
    )
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    receiving_body = forms.CharField(
        label=_("Objections are received by"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the bureau's personnel office (××局人事科)")}),
    )
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
