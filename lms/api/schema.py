"""OpenAPI post-processing."""

_DB_BOUNDS = {2147483647, -2147483648, 9223372036854775807, -9223372036854775808}


def drop_database_integer_bounds(result, generator, request, public):
    """Integer bounds that only restate the database column's range differ between
    SQLite and PostgreSQL; they are not part of the API contract, so the committed schema
    leaves them out and stays the same whatever database generated it."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                for bound in ("maximum", "minimum"):
                    if node.get(bound) in _DB_BOUNDS:
                        del node[bound]
                if node.get("format") == "int64":
                    del node["format"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
