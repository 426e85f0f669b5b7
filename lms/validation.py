"""Reading raw request input safely, in one place.

- `whole_number`: an id or count from a query parameter or form field. `str.isdigit()`
  and `int()` both accept other scripts' digits ("²", "①", "١٢"), and disagree on some:
  only ASCII digits are a number here.
- `nul_in_request`: where a NUL character was sent (the path, a query parameter, a form
  field); PostgreSQL cannot store or compare text holding one, so such a request is
  refused before any view reads it (lms.middleware.CleanInputMiddleware).
"""

from __future__ import annotations

import re

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def whole_number(value) -> int | None:
    """The value as a non-negative int when it is one written in ASCII digits (at most
    18, so it fits a bigint), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 10**18 else None
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    return None


def nul_in_request(request) -> str | None:
    """The name of the first part of the request that holds a NUL character ("path", a
    query parameter's name, a form field's name), or None. Multipart bodies are left to
    the forms and serializers, which refuse NUL themselves."""
    if "\x00" in request.path_info:
        return "path"
    found = _nul_in(request.GET)
    if found is None and request.method in ("POST", "PUT", "PATCH") and request.content_type == FORM_CONTENT_TYPE:
        found = _nul_in(request.POST)
    return found


def _nul_in(data) -> str | None:
    for key, values in data.lists():
        if "\x00" in key:
            return "non_field_errors"
        if any("\x00" in value for value in values):
            return key
    return None
