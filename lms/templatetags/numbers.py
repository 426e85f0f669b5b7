"""Numbers as people read them, in the active language: one set of filters for every page
(`{% load numbers %}`). Stored values keep their precision (a Decimal with six places,
a size in bytes); only what is shown is trimmed.

    {{ "3.500000"|number }}   3.5 (3,5 in French)
    {{ "1.00"|points }}       1 point

Sizes in bytes have Django's own `filesizeformat`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats
from django.utils.translation import ngettext

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def number(value, places: int = 2) -> str:
    """At most `places` decimals, no trailing zeros, the active language's separators."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    rounded = round(amount, int(places))
    decimals = max(0, -rounded.normalize().as_tuple().exponent)
    return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True)


@register.filter
def points(value) -> str:
    """ "1 point", "1.5 points", "2 points"."""
    amount = _decimal(value)
    if amount is None:
        return ""
    count = int(amount) if amount == amount.to_integral() else 2  # "1.5 points"
    return ngettext("%(n)s point", "%(n)s points", count) % {"n": number(amount)}
