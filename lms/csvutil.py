"""CSV written for people who open it in a spreadsheet."""


def csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in user-entered text: a cell that
    starts with = + - @ or a tab/CR is prefixed with a quote, so it is shown, not run."""
    return f"'{value}" if value and value[0] in "=+-@\t\r" else value
