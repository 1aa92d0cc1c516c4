"""The rule what-if page (规则推演) of the city office: up to three alternative settings of a
period's rules beside the current ones, and what each would give per unit and category, per
category and for the city, with the people who would come in or drop out. A GET page: it
changes nothing (``selection.what_if`` computes it in the database, set-wise)."""

import time
from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from jixiao.assessment.models import Period
from jixiao.core.text import plain_decimal
from jixiao.org.access import city_admin_required
from jixiao.org.models import Unit
from jixiao.selection import rules
from jixiao.selection.models import Proposal, ProposalState, SelectionRules
from jixiao.selection.ranking import ranking_is_current
from jixiao.selection.what_if import RuleSettings, compare

ALTERNATIVES = 3
ROWS_PER_PAGE = 100
PEOPLE_PER_PAGE = 50
ORDINALS = (
    gettext_lazy("Alternative 1"),
    gettext_lazy("Alternative 2"),
    gettext_lazy("Alternative 3"),
)

# Quota styles seen in real systems (DESIGN.md rule 4), one per column: a link fills them in.
COMMON_STYLES = (
    {"quota_rounding": rules.QuotaRounding.HALF_UP, "min_quota": 1},
    {"quota_rounding": rules.QuotaRounding.FLOOR, "min_quota": 1},
    {"fill_vetoed_places": True},
)


class AlternativeForm(forms.ModelForm):
    """One alternative: the settings of the rules that decide who is eligible by rank, with
    the labels and checks of the period's rules form. Its instance is a copy: never saved."""

    class Meta:
        model = SelectionRules
        fields = list(RuleSettings.names())
        widgets = {"share_percent": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"})}

    def settings(self) -> RuleSettings:
        return RuleSettings(**{name: self.cleaned_data[name] for name in RuleSettings.names()})


def copy_of(settings: RuleSettings, period: Period) -> SelectionRules:
    """An unsaved rules object with these settings, for a form to start from."""
    return SelectionRules(period=period, **{name: getattr(settings, name) for name in RuleSettings.names()})


def describe(settings: RuleSettings, name: str, period: Period) -> str:
    """A setting's value as the page shows it."""
    value = getattr(settings, name)
    if name == "share_percent":
        return f"{plain_decimal(value)}%"
    if name == "fill_vetoed_places":
        return _("yes") if value else _("no")
    if name == "min_quota":
        return str(value)
    return str(getattr(copy_of(settings, period), f"get_{name}_display")())


def query_of(settings: list[RuleSettings]) -> QueryDict:
    """The page's query string for these alternatives (unchecked boxes are left out, as a
    browser leaves them out)."""
    query = QueryDict(mutable=True)
    for index, alternative in enumerate(settings, start=1):
        for name in RuleSettings.names():
            value = getattr(alternative, name)
            if name == "fill_vetoed_places":
                if value:
                    query[f"a{index}-{name}"] = "on"
            elif name == "share_percent":
                query[f"a{index}-{name}"] = plain_decimal(value)
            else:
                query[f"a{index}-{name}"] = str(value)
    return query


@dataclass
class Pages:
    number: int
    count: int
    previous: str | None
    next: str | None


def page_number(request, param: str) -> int:
    value = request.GET.get(param, "")
    return max(1, int(value)) if value.isdigit() else 1


def pages(request, param: str, total: int, per_page: int) -> Pages:
    """Where the page ``param`` asked for stands among the ``total`` rows' pages, with links
    to the pages around it (a page past the last leads back to the last)."""
    count = max(1, -(-total // per_page))
    number = page_number(request, param)

    def link(n: int) -> str:
        query = request.GET.copy()
        query[param] = str(n)
        return "?" + query.urlencode()

    return Pages(
        number,
        count,
        link(min(number - 1, count)) if number > 1 else None,
        link(number + 1) if number < count else None,
    )


@require_safe
@city_admin_required
def what_if(request, code):
    period = get_object_or_404(Period, code=code)
    saved = SelectionRules.objects.filter(period=period).first()
    current = RuleSettings() if saved is None else RuleSettings.of(saved)
    submitted = any(key.startswith("a") and "-" in key for key in request.GET)
    alternative_forms = [
        AlternativeForm(request.GET if submitted else None, instance=copy_of(current, period), prefix=f"a{i}")
        for i in range(1, ALTERNATIVES + 1)
    ]
    form_rows = [
        {
            "label": alternative_forms[0][name].label,
            "current": describe(current, name, period),
            "fields": [form[name] for form in alternative_forms],
        }
        for name in RuleSettings.names()
    ]
    context = {
        "period": period,
        "form_rows": form_rows,
        "forms": alternative_forms,
        "ordinals": ORDINALS,
        "submitted": submitted,
        "common_styles": "?"
        + query_of([current.with_changes(**style) for style in COMMON_STYLES]).urlencode(),
        "ranking_current": ranking_is_current(period),
    }
    if submitted and all(form.is_valid() for form in alternative_forms):
        context.update(results(request, period, current, [form.settings() for form in alternative_forms]))
    return render(request, "selection/what_if.html", context)


def results(request, period: Period, current: RuleSettings, settings: list[RuleSettings]) -> dict:
    """The comparison of the alternatives that differ from the current settings."""
    chosen = [(ORDINALS[i], s) for i, s in enumerate(settings) if s != current]
    if not chosen:
        return {"nothing_to_compare": True}
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = Unit.objects.filter(pk=int(request.GET["unit"])).first()
    all_rows = request.GET.get("all") == "1"
    started = time.perf_counter()
    rows_page, people_page = page_number(request, "rows"), page_number(request, "people")
    comparison = compare(
        period,
        [s for _label, s in chosen],
        current=current,
        changed_rows_only=not all_rows,
        rows_offset=(rows_page - 1) * ROWS_PER_PAGE,
        rows_limit=ROWS_PER_PAGE,
        people_unit_id=unit.pk if unit else None,
        people_offset=(people_page - 1) * PEOPLE_PER_PAGE,
        people_limit=PEOPLE_PER_PAGE,
    )
    seconds = time.perf_counter() - started
    row_pages = pages(request, "rows", comparison.row_count, ROWS_PER_PAGE)
    most_people = max((p.count for p in comparison.people), default=0)
    people_pages = pages(request, "people", most_people, PEOPLE_PER_PAGE)
    # Units on this page whose list is already with the committee or further: a ranking
    # under the alternative would flag it for a new decision where it changes.
    listed = dict(
        Proposal.objects.filter(period=period, unit_id__in={row.unit_id for row in comparison.rows})
        .exclude(state=ProposalState.DRAFT)
        .values_list("unit_id", "state")
    )
    changed_units = {row.unit_id for row in comparison.rows if row.changed}
    for row in comparison.rows:
        flagged = row.unit_id in listed and row.unit_id in changed_units
        row.list_state = ProposalState(listed[row.unit_id]).label if flagged else ""
    unit_query = request.GET.copy()
    for param in ("unit", "people"):
        unit_query.pop(param, None)
    return {
        "comparison": comparison,
        "skipped": [ORDINALS[i] for i, s in enumerate(settings) if s == current],
        "columns": [
            {
                "label": label,
                "settings": s,
                "changes": [
                    {
                        "label": SelectionRules._meta.get_field(name).verbose_name,
                        "before": describe(current, name, period),
                        "after": describe(s, name, period),
                    }
                    for name in current.differences(s)
                ],
                "people": people,
                "city": counts,
            }
            for (label, s), people, counts in zip(
                chosen, comparison.people, comparison.city.alternatives, strict=True
            )
        ],
        "all_rows": all_rows,
        "row_pages": row_pages,
        "people_pages": people_pages,
        "unit": unit,
        "unit_link": "?" + unit_query.urlencode() + "&unit=",
        "without_unit": "?" + unit_query.urlencode(),
        "toggle_rows": toggle(request, "all", "" if all_rows else "1"),
        "seconds": seconds,
    }


def toggle(request, param: str, value: str) -> str:
    query = request.GET.copy()
    query.pop("rows", None)
    if value:
        query[param] = value
    else:
        query.pop(param, None)
    return "?" + query.urlencode()
