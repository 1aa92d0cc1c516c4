"""A person's route and ranking result on a page, named as the glossary names them: with the
period's own share (排名前10%), as the notice, the exports and the public pages do.

    {% load terms %}{{ candidate.route|route_label:period }} {{ result.outcome|outcome_label:period }}
"""

from django import template

from jixiao.selection.models import Outcome, Route, share_percent_of

register = template.Library()


@register.filter
def route_label(route: str, period) -> str:
    return Route.label_for(route, share_percent_of(period))


@register.filter
def outcome_label(outcome: str, period) -> str:
    return Outcome.label_for(outcome, share_percent_of(period))
