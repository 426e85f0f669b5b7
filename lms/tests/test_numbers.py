"""Numbers shown as people read them, in the active language (lms/templatetags/numbers.py)."""

from decimal import Decimal

import pytest
from django.utils import translation

from lms.templatetags.numbers import number, points


@pytest.mark.parametrize(
    ("value", "places", "english", "french"),
    [
        ("3.500000", 6, "3.5", "3,5"),
        ("0.010000", 6, "0.01", "0,01"),
        ("50.00", 1, "50", "50"),
        ("66.666", 1, "66.7", "66,7"),
        (Decimal("1.00"), 2, "1", "1"),
        (100, 2, "100", "100"),
        ("0", 2, "0", "0"),
    ],
)
def test_a_number_is_trimmed_and_written_in_the_active_language(value, places, english, french):
    with translation.override("en"):
        assert number(value, places) == english
    with translation.override("fr"):
        assert number(value, places) == french


def test_points_agree_with_their_number():
    with translation.override("en"):
        assert [points(v) for v in ("1.00", "1.50", "2", "0")] == ["1 point", "1.5 points", "2 points", "0 points"]


def test_what_is_not_a_number_is_shown_as_it_is():
    assert number("n/a") == "n/a"
    assert number(None) == ""
    assert points(None) == ""
