"""Punctuation a page puts between its pieces, as the page's language writes it.

Chinese writes full-width marks with no space around them (状态：进行中, 市财政局，2025-09-27,
财政甲01（F001）); English the half-width ones followed (or, for a parenthesis, preceded) by
a space. A translated sentence carries its own punctuation in its msgstr; these are for the
joints of a template, between a label and a value or between two values:

    {% load punctuation %}{% translate "State" %}{% colon %}<b>{{ state }}</b>
    {{ body }}{% comma %}{{ date }}   {{ name }}{{ staff_id|parenthesised }}
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.translation import get_language

register = template.Library()

# Languages that write full-width punctuation.
FULL_WIDTH = ("zh", "ja")


def full_width() -> bool:
    return (get_language() or "").split("-")[0] in FULL_WIDTH


@register.simple_tag
def colon() -> str:
    """After a label: ``：`` or ``: ``."""
    return "：" if full_width() else ": "


@register.simple_tag
def comma() -> str:
    """Between two values: ``，`` or ``, ``."""
    return "，" if full_width() else ", "


@register.simple_tag
def opening_parenthesis() -> str:
    """Before a parenthesised piece of markup: ``（`` or `` (``."""
    return "（" if full_width() else " ("


@register.simple_tag
def closing_parenthesis() -> str:
    return "）" if full_width() else ")"


@register.filter(needs_autoescape=True)
def parenthesised(value, autoescape=True) -> str:
    """A value in parentheses after what it explains: ``（value）`` or `` (value)``."""
    text = conditional_escape(value) if autoescape else value
    if full_width():
        return format_html("（{}）", text)
    return format_html(" ({})", text)
