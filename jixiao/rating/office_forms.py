"""The forms of the offices' rating pages: open a round, issue codes, re-issue a slip, move
the closing time, count. They only read what the user typed; the actions check the rules."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.assessment.models import Period, RaterGroup, RollUp, RosterEntry, Scheme, SchemeRaterGroup
from jixiao.assessment.schemes import applicable_scheme
from jixiao.org.models import Category, Unit
from jixiao.rating.actions import MAX_CODES_PER_BATCH
from jixiao.rating.models import BatchScope
from jixiao.rating.sheets import rated_indicators

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DEFAULT_DAYS_OPEN = 7
DEFAULT_CLOSING_HOUR = 18
STAFF_IDS = re.compile(r"[\s,，;；、]+")


def sub_period_label(period: Period, scheme: Scheme, sub_period: int) -> str:
    """The month or quarter a monthly or quarterly scheme's sub-period stands for ("" for a
    half-year scheme)."""
    rhythm = RollUp(scheme.roll_up)
    if rhythm == RollUp.MONTHLY:
        return str(_("month %(month)s") % {"month": period.start.month + sub_period - 1})
    if rhythm == RollUp.QUARTERLY:
        return str(_("quarter %(quarter)s") % {"quarter": (period.start.month + 2) // 3 + sub_period - 1})
    return ""


def round_scheme(period: Period, category: Category, unit: Unit | None) -> Scheme | None:
    """The scheme a round rates by: the unit's (its own adjustment or the city's), or for a
    city-wide round the city's."""
    if unit is not None:
        return applicable_scheme(period, unit.pk, category.pk)
    return Scheme.objects.filter(period=period, category=category, unit__isnull=True).first()


def round_choices(period: Period, unit: Unit | None) -> list[tuple[str, str]]:
    """What a round may rate: each category (of the unit's roster, or with a city scheme)
    whose scheme has indicators scored by raters, once per sub-period of its scheme. The
    value is ``<category id>-<sub-period>``."""
    if unit is not None:
        categories = Category.objects.filter(roster_entries__period=period, roster_entries__unit=unit)
    else:
        categories = Category.objects.filter(schemes__period=period, schemes__unit__isnull=True)
    choices = []
    for category in categories.distinct().order_by("sort_order", "id"):
        scheme = round_scheme(period, category, unit)
        if scheme is None or not rated_indicators(scheme):
            continue
        for number in range(1, scheme.sub_period_count + 1):
            part = sub_period_label(period, scheme, number)
            label = (
                _("%(category)s, %(part)s") % {"category": category.name, "part": part}
                if part
                else category.name
            )
            choices.append((f"{category.pk}-{number}", str(label)))
    return choices


def default_times() -> tuple[datetime.datetime, datetime.datetime]:
    """From now (to the minute) to the end of the working day a week on."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    closes = (now + datetime.timedelta(days=DEFAULT_DAYS_OPEN)).replace(hour=DEFAULT_CLOSING_HOUR, minute=0)
    return now, closes


class RoundForm(forms.Form):
    what = forms.ChoiceField(label=_("Who is rated"))
    name = forms.CharField(
        label=_("Name of the round"),
        max_length=100,
        required=False,
        help_text=_("Printed on every slip. Left empty, it is made from the period and the category."),
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DATETIME)

    def __init__(self, *args, choices, **kwargs):
        opens, closes = default_times()
        kwargs.setdefault("initial", {"opens_at": opens, "closes_at": closes})
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = choices

    def chosen(self) -> tuple[Category, int]:
        category_id, sub_period = self.cleaned_data["what"].split("-")
        return Category.objects.get(pk=int(category_id)), int(sub_period)


class IssueForm(forms.Form):
    """A batch of codes. For a unit's round the holders and the people scored are ticked in
    the unit's roster of the category; for a city-wide round they are given by staff ID."""

    ANONYMOUS, BOUND = "anonymous", "bound"

    group = forms.TypedChoiceField(label=_("Rater group"), coerce=int)
    unit = forms.TypedChoiceField(label=_("Unit whose people are scored"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Codes"),
        choices=[
            (ANONYMOUS, _("anonymous codes, as many as given")),
            (BOUND, _("one code for each staff member chosen (nobody scores themself)")),
        ],
        widget=forms.RadioSelect,
        initial=ANONYMOUS,
    )
    count = forms.IntegerField(
        label=_("Number of anonymous codes"), min_value=1, max_value=MAX_CODES_PER_BATCH, required=False
    )
    holders = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    all_holders = forms.BooleanField(label=_("every one of them holds a code"), required=False)
    holder_ids = forms.CharField(
        label=_("Holders (staff IDs)"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("staff IDs, separated by spaces or line breaks")}
        ),
    )
    scope = forms.ChoiceField(
        label=_("They score"),
        choices=[
            (BatchScope.ALL, _("everyone of the unit and category")),
            (BatchScope.LISTED, _("only the people chosen (a department, a service counter)")),
        ],
        widget=forms.RadioSelect,
        initial=BatchScope.ALL,
    )
    rated = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    rated_ids = forms.CharField(
        label=_("People scored (staff IDs)"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("staff IDs, separated by spaces or line breaks")}
        ),
    )
    label = forms.CharField(
        label=_("Label"),
        max_length=50,
        required=False,
        help_text=_("Printed on the slips, e.g. the name of the department."),
    )

    def __init__(self, *args, round_, roster=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        self.city_wide = round_.unit_id is None
        self.roster = list(roster)  # a unit round's people of the category, to tick
        ids = [(entry.pk, entry.name) for entry in self.roster]
        self.fields["holders"].choices = ids
        self.fields["rated"].choices = ids
        self.fields["group"].choices = [(g.pk, g.name) for g in round_groups(round_)]
        if self.city_wide:
            units = Unit.objects.filter(
                roster_entries__period=round_.period, roster_entries__category=round_.category
            ).distinct()
            self.fields["unit"].choices = [(u.pk, u.name) for u in units.order_by("sort_order", "id")]
            del self.fields["holders"], self.fields["rated"]
        else:
            del self.fields["unit"], self.fields["holder_ids"], self.fields["rated_ids"]
        if not self.is_bound:
            self.initial.setdefault("count", 10)

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.ANONYMOUS and not data.get("count"):
            self.add_error("count", _("How many anonymous codes?"))
        self.batch_unit = self._batch_unit(data)
        self.chosen_holders, self.chosen_rated = [], []
        if self.batch_unit is None:
            return data
        if data.get("kind") == self.BOUND:
            if data.get("all_holders"):
                entries = list(self._entries().select_related("person").order_by("pk"))
            else:
                entries = self._chosen(data, "holders", "holder_ids")
            if not entries and not self.errors:
                self.add_error(
                    None, _("Choose the staff members who hold a code, or tick “every one of them”.")
                )
            self.chosen_holders = [entry.person for entry in entries]
        if data.get("scope") == BatchScope.LISTED:
            self.chosen_rated = self._chosen(data, "rated", "rated_ids")
            if not self.chosen_rated and not self.errors:
                self.add_error(None, _("Choose the people these codes score."))
        return data

    def _batch_unit(self, data) -> Unit | None:
        if not self.city_wide:
            return self.round.unit
        return Unit.objects.filter(pk=data.get("unit")).first()

    def _entries(self):
        return RosterEntry.objects.filter(
            period=self.round.period, unit=self.batch_unit, category=self.round.category
        )

    def _chosen(self, data, ticked: str, typed: str) -> list[RosterEntry]:
        """The roster entries ticked (a unit's round) or named by staff ID (a city-wide
        round); an unknown staff ID is an error of the field."""
        if not self.city_wide:
            ids = data.get(ticked) or []
            return list(self._entries().filter(pk__in=ids).order_by("pk")) if ids else []
        wanted = list(dict.fromkeys(s for s in STAFF_IDS.split(data.get(typed) or "") if s))
        entries = self._entries().filter(person__staff_id__in=wanted).select_related("person")
        found = {entry.person.staff_id: entry for entry in entries}
        unknown = [s for s in wanted if s not in found]
        if unknown:
            self.add_error(
                typed,
                _("Not on the roster of %(unit)s for %(category)s: %(ids)s.")
                % {
                    "unit": self.batch_unit.name,
                    "category": self.round.category.name,
                    "ids": "、".join(unknown[:10]),
                },
            )
            return []
        return [found[s] for s in wanted]


def round_groups(round_) -> list[RaterGroup]:
    """The rater groups of the round's scheme(s): the unit's, or for a city-wide round those
    of any scheme of the category in the period."""
    schemes = Scheme.objects.filter(period=round_.period, category=round_.category)
    if round_.unit_id is not None:
        scheme = applicable_scheme(round_.period, round_.unit_id, round_.category_id)
        schemes = schemes.filter(pk=scheme.pk if scheme else None)
    ids = SchemeRaterGroup.objects.filter(scheme__in=schemes).values("group_id")
    return list(RaterGroup.objects.filter(pk__in=ids))


class ReissueForm(forms.Form):
    slip = forms.IntegerField(label=_("Slip number"), min_value=1)


class ClosingForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("New closing time"), widget=DATETIME)


class CountForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for changing locked scores"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
