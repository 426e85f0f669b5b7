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


from drf_spectacular.openapi import AutoSchema  # noqa: E402
from rest_framework import serializers  # noqa: E402


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERROR_STATUSES = ("400", "401", "403", "404", "409", "415", "422", "429", "503")


class LMSAutoSchema(AutoSchema):
    """Every operation documents the error statuses the API can answer with, in the one
    error shape, so clients (and schemathesis) know what to expect."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code in ERROR_STATUSES:
                if code not in responses:
                    response = self._get_response_for_code(ErrorSerializer, code, ["application/json"], direction)
                    responses[code] = response
        return responses
