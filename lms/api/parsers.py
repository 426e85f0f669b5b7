"""The API's JSON parser: DRF's, plus the limits every body is held to before any view
sees it, so that bad input is a 400 wherever it is sent:

- nesting deeper than MAX_DEPTH, or so deep that the decoder itself gives up (a recursion
  error is a parse error, not a crash): `parse_error`;
- a NUL character or an unpaired surrogate in any key or string, however deep: neither
  can be stored in PostgreSQL text or JSON, nor means anything in this product. A field
  error naming the body's top-level field that holds it (`non_field_errors` when the
  body is no object, or the name itself is bad).
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

MAX_DEPTH = 32
NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Unpaired surrogate characters are not allowed."


def check_json_value(data, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise ParseError or ValidationError for a decoded JSON value that breaks the rules
    above; iterative, so it cannot itself run out of stack."""
    stack: list[tuple[object, int, str]] = [(data, 1, "non_field_errors")]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, str):
            _check_text(value, field)
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise ParseError(f"JSON nested deeper than {max_depth} levels.")
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key, field)
                    stack.append((item, depth + 1, key if depth == 1 else field))
            else:
                stack.extend((item, depth + 1, field) for item in value)


def _check_text(text: str, field: str) -> None:
    if "\x00" in text:
        raise ValidationError({_printable(field): [NUL_MESSAGE]})
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError({_printable(field): [SURROGATE_MESSAGE]}) from exc


def _printable(field: str) -> str:
    """A field name fit to be echoed back in the error (it may be the bad text itself)."""
    try:
        field.encode("utf-8")
    except UnicodeEncodeError:
        return "non_field_errors"
    return "non_field_errors" if "\x00" in field else field


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from exc
        check_json_value(data)
        return data
