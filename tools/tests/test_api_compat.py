"""API stability: the schema the code generates keeps every promise of the last released
schema (docs/api/releases/), and the comparator (tools/api_compat.py) tells a breaking change
from a compatible one."""

import copy
import itertools

import pytest
import yaml
from django.core.management import call_command

from tools import api_compat as compat

# -- The gate ------------------------------------------------------------------------------


def test_generated_schema_has_no_breaking_change_against_the_latest_release(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    release = compat.latest_release()
    problems = compat.breaking_changes(compat.load(release), compat.load(generated))
    assert not problems, (
        f"The API breaks its release {release.stem} (docs/api.md, 'Versioning and compatibility'): "
        "restore what clients rely on, or make the change in /api/v2/.\n" + "\n".join(problems)
    )


def test_releases_are_named_after_their_version_and_compatible_within_a_major():
    found = compat.releases()
    assert found, "no released schema in docs/api/releases/"
    for _, path in found:
        assert compat.load(path)["info"]["version"] == path.stem, path
    for (old_version, old_path), (new_version, new_path) in itertools.pairwise(found):
        if old_version[0] == new_version[0]:
            assert not compat.breaking_changes(compat.load(old_path), compat.load(new_path)), new_path.name


# -- The comparator on the real release ----------------------------------------------------


@pytest.fixture(scope="module")
def released():
    return compat.load(compat.latest_release())


def test_the_gate_catches_a_removed_response_field_and_a_removed_operation(released):
    new = copy.deepcopy(released)
    course = new["components"]["schemas"]["CourseList"]
    del course["properties"]["title"]
    course["required"].remove("title")
    del new["paths"]["/api/v1/enrollments/{id}/"]["delete"]

    problems = compat.breaking_changes(released, new)

    assert "GET /api/v1/courses/ response 200 application/json $.results[].title: property removed" in problems
    assert "DELETE /api/v1/enrollments/{id}/: operation removed" in problems
    assert all(".title: property removed" in problem or "DELETE" in problem for problem in problems), problems


def test_the_gate_catches_a_public_endpoint_that_starts_demanding_a_token(released):
    new = copy.deepcopy(released)
    new["paths"]["/api/v1/certificates/verify/{code}/"]["get"]["security"] = [{"jwtAuth": []}]

    assert compat.breaking_changes(released, new) == [
        "GET /api/v1/certificates/verify/{code}/ security: now requires authentication (anonymous calls were accepted)"
    ]


def test_the_real_release_is_compatible_with_itself_and_with_additions(released):
    new = copy.deepcopy(released)
    new["paths"]["/api/v1/badges/"] = {"get": {"responses": {"200": {"description": ""}}}}
    new["components"]["schemas"]["CourseList"]["properties"]["rating"] = {"type": "number", "readOnly": True}
    new["paths"]["/api/v1/courses/"]["get"]["parameters"].append(
        {"in": "query", "name": "min_rating", "schema": {"type": "number"}}
    )

    assert compat.breaking_changes(released, released) == []
    assert compat.breaking_changes(released, new) == []


# -- The comparator, one kind of change at a time -------------------------------------------


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema):
    return {"content": {"application/json": {"schema": schema}}, "description": ""}


BASE = {
    "openapi": "3.0.3",
    "info": {"title": "Test API", "version": "1.0.0"},
    "paths": {
        "/api/v1/items/": {
            "get": {
                "operationId": "items_list",
                "parameters": [
                    {"in": "query", "name": "q", "schema": {"type": "string"}},
                    {"in": "query", "name": "status", "schema": {"type": "string", "enum": ["draft", "published"]}},
                    {"in": "query", "name": "since", "schema": {"type": "string", "format": "date"}},
                    {"in": "header", "name": "X-Tenant", "schema": {"type": "string"}},
                ],
                "security": [{"jwtAuth": []}, {"cookieAuth": []}, {}],
                "responses": {"200": json_body(ref("PaginatedItemList")), "400": json_body(ref("Error"))},
            },
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": ref("ItemRequest")},
                        "multipart/form-data": {"schema": ref("ItemRequest")},
                    },
                    "required": True,
                },
                "security": [{"jwtAuth": []}, {"cookieAuth": []}],
                "responses": {"201": json_body(ref("Item")), "400": json_body(ref("Error"))},
            },
        },
        "/api/v1/items/{id}/": {
            "parameters": [{"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": json_body(ref("Item"))}},
            "patch": {
                "requestBody": {"content": {"application/json": {"schema": ref("PatchedItemRequest")}}},
                "responses": {"200": json_body(ref("Item"))},
            },
            "delete": {"responses": {"204": {"description": "Deleted"}}},
        },
    },
    "components": {
        "schemas": {
            "Item": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "title": {"type": "string"},
                    "status": {"allOf": [ref("StatusEnum")], "readOnly": True},
                    "price": {"type": "string", "format": "decimal"},
                    "published_at": {"type": "string", "format": "date-time", "readOnly": True},
                    "tags": {"type": "array", "items": ref("Tag")},
                    "secret": {"type": "string", "writeOnly": True},
                },
                "required": ["id", "title", "status", "price", "published_at", "tags"],
            },
            "Tag": {  # recursive
                "type": "object",
                "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": ref("Tag")}},
                "required": ["name", "children"],
            },
            "ItemRequest": {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "minLength": 1},
                    "status": ref("StatusEnum"),
                    "price": {"type": "integer"},
                    "note": {"type": "string", "nullable": True},
                },
                "required": ["title"],
            },
            "PatchedItemRequest": {"type": "object", "properties": {"title": {"type": "string"}}},
            "PaginatedItemList": {
                "type": "object",
                "properties": {"count": {"type": "integer"}, "results": {"type": "array", "items": ref("Item")}},
                "required": ["count", "results"],
            },
            "StatusEnum": {"type": "string", "enum": ["draft", "published"]},
            "Error": {
                "type": "object",
                "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
                "required": ["detail", "code"],
            },
        },
        "securitySchemes": {
            "jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
        },
    },
}

LIST = ("paths", "/api/v1/items/", "get")
CREATE = ("paths", "/api/v1/items/", "post")
DETAIL = ("paths", "/api/v1/items/{id}/")
SCHEMAS = ("components", "schemas")
ITEM = (*SCHEMAS, "Item", "properties")
ITEM_REQUEST = (*SCHEMAS, "ItemRequest", "properties")


def at(spec, *keys):
    for key in keys:
        spec = spec[key]
    return spec


def changed(change):
    new = copy.deepcopy(BASE)
    change(new)
    return new


def case(change, *expected, id):
    return pytest.param(change, expected, id=id)


BREAKING = [
    case(
        lambda s: at(s, "paths").pop("/api/v1/items/{id}/"),
        "/api/v1/items/{id}/: path removed",
        id="path removed",
    ),
    case(
        lambda s: at(s, *DETAIL).pop("delete"),
        "DELETE /api/v1/items/{id}/: operation removed",
        id="operation removed",
    ),
    case(
        lambda s: at(s, *LIST, "parameters").pop(0),
        "GET /api/v1/items/ query parameter 'q': removed",
        id="query parameter removed",
    ),
    case(
        lambda s: at(s, *LIST, "parameters").pop(3),
        "GET /api/v1/items/ header parameter 'X-Tenant': removed",
        id="header parameter removed",
    ),
    case(
        lambda s: at(s, *LIST, "parameters", 0).update(required=True),
        "GET /api/v1/items/ query parameter 'q': now required",
        id="query parameter made required",
    ),
    case(
        lambda s: at(s, *LIST, "parameters").append({"in": "query", "name": "tenant", "required": True}),
        "GET /api/v1/items/ query parameter 'tenant': new required parameter",
        id="new required query parameter",
    ),
    case(
        lambda s: at(s, *LIST, "parameters").append({"in": "header", "name": "X-Api-Version", "required": True}),
        "GET /api/v1/items/ header parameter 'X-Api-Version': new required parameter",
        id="new required header",
    ),
    case(
        lambda s: at(s, *LIST, "parameters", 0, "schema").update(type="integer"),
        "GET /api/v1/items/ query parameter 'q': type changed from string to integer",
        id="parameter type changed",
    ),
    case(
        lambda s: at(s, *LIST, "parameters", 2, "schema").update(format="date-time"),
        "GET /api/v1/items/ query parameter 'since': format changed from date to date-time",
        id="parameter format changed",
    ),
    case(
        lambda s: at(s, *LIST, "parameters", 1, "schema").update(enum=["draft"]),
        "GET /api/v1/items/ query parameter 'status': enum narrowed: 'published' no longer accepted",
        id="parameter enum narrowed",
    ),
    case(
        lambda s: at(s, *DETAIL, "parameters", 0).update(schema={"type": "string", "format": "uuid"}),
        "GET /api/v1/items/{id}/ path parameter 'id': type changed from integer to string",
        "DELETE /api/v1/items/{id}/ path parameter 'id': format changed from none to uuid",
        id="path parameter type changed",
    ),
    case(
        lambda s: at(s, *DETAIL, "patch", "requestBody").update(required=True),
        "PATCH /api/v1/items/{id}/ request body: now required",
        id="request body made required",
    ),
    case(
        lambda s: at(s, *DETAIL, "delete").update(requestBody={"content": {}, "required": True}),
        "DELETE /api/v1/items/{id}/ request body: new required request body",
        id="new required request body",
    ),
    case(
        lambda s: at(s, *DETAIL, "patch").pop("requestBody"),
        "PATCH /api/v1/items/{id}/ request body: removed (a body sent is now ignored)",
        id="request body removed",
    ),
    case(
        lambda s: (
            at(s, *ITEM_REQUEST).update(owner={"type": "integer"}),
            at(s, *SCHEMAS, "ItemRequest", "required").append("owner"),
        ),
        "POST /api/v1/items/ request body application/json $.owner: new required property",
        "POST /api/v1/items/ request body multipart/form-data $.owner: new required property",
        id="new required request property",
    ),
    case(
        lambda s: at(s, *SCHEMAS, "ItemRequest", "required").append("price"),
        "POST /api/v1/items/ request body application/json $.price: now required",
        id="request property made required",
    ),
    case(
        lambda s: at(s, *ITEM_REQUEST).pop("note"),
        "POST /api/v1/items/ request body application/json $.note: property removed",
        id="request property removed",
    ),
    case(
        lambda s: at(s, *SCHEMAS, "ItemRequest").update(additionalProperties=False, properties={"title": {}}),
        "POST /api/v1/items/ request body application/json $.price: property removed",
        id="request property removed, additionalProperties false",
    ),
    case(
        lambda s: at(s, *ITEM_REQUEST, "note").update(readOnly=True),
        "POST /api/v1/items/ request body application/json $.note: property removed",
        id="request property made read-only",
    ),
    case(
        lambda s: at(s, *ITEM_REQUEST, "price").update(type="string"),
        "POST /api/v1/items/ request body application/json $.price: type changed from integer to string",
        id="request property type changed",
    ),
    case(
        lambda s: at(s, *ITEM_REQUEST, "note").pop("nullable"),
        "POST /api/v1/items/ request body application/json $.note: null no longer accepted",
        id="request property no longer nullable",
    ),
    case(
        lambda s: at(s, *SCHEMAS, "StatusEnum", "enum").remove("draft"),
        "POST /api/v1/items/ request body application/json $.status: enum narrowed: 'draft' no longer accepted",
        id="request enum narrowed",
    ),
    case(
        lambda s: at(s, *CREATE, "requestBody", "content").pop("multipart/form-data"),
        "POST /api/v1/items/ request body multipart/form-data: media type removed",
        id="request media type removed",
    ),
    case(
        lambda s: at(s, *CREATE, "responses").update({"200": at(s, *CREATE, "responses").pop("201")}),
        "POST /api/v1/items/ response 201: removed",
        id="2xx response removed",
    ),
    case(
        lambda s: at(s, *ITEM).pop("title"),
        "GET /api/v1/items/ response 200 application/json $.results[].title: property removed",
        "GET /api/v1/items/{id}/ response 200 application/json $.title: property removed",
        "POST /api/v1/items/ response 201 application/json $.title: property removed",
        id="response property removed",
    ),
    case(
        lambda s: at(s, *ITEM, "title").update(writeOnly=True),
        "GET /api/v1/items/{id}/ response 200 application/json $.title: property removed",
        id="response property made write-only",
    ),
    case(
        lambda s: at(s, *SCHEMAS, "Tag", "properties").pop("name"),
        "GET /api/v1/items/ response 200 application/json $.results[].tags[].name: property removed",
        id="nested property of a recursive schema removed",
    ),
    case(
        lambda s: at(s, *SCHEMAS, "Item", "required").remove("price"),
        "GET /api/v1/items/{id}/ response 200 application/json $.price: no longer required (may be absent)",
        id="response property no longer required",
    ),
    case(
        lambda s: at(s, *ITEM, "published_at").update(nullable=True),
        "GET /api/v1/items/{id}/ response 200 application/json $.published_at: may now be null",
        id="response property made nullable",
    ),
    case(
        lambda s: at(s, *ITEM).update(published_at={"oneOf": [{"type": "string", "format": "date-time"}, {}]}),
        "GET /api/v1/items/{id}/ response 200 application/json $.published_at: type changed from string to any",
        id="response property loosened to anything",
    ),
    case(
        lambda s: at(s, *ITEM, "price").update(type="number", format="double"),
        "GET /api/v1/items/{id}/ response 200 application/json $.price: type changed from string to number",
        "GET /api/v1/items/{id}/ response 200 application/json $.price: format changed from decimal to double",
        id="response property type changed",
    ),
    case(
        lambda s: at(s, *ITEM, "published_at").update(format="date"),
        "GET /api/v1/items/{id}/ response 200 application/json $.published_at: format changed from date-time to date",
        id="response property format changed",
    ),
    case(
        lambda s: at(s, *SCHEMAS, "StatusEnum", "enum").append("archived"),
        "GET /api/v1/items/{id}/ response 200 application/json $.status: enum gained 'archived'",
        id="response enum gained a value",
    ),
    case(
        lambda s: at(s, *DETAIL, "get", "responses", "200", "content").update(
            {"application/xml": at(s, *DETAIL, "get", "responses", "200", "content").pop("application/json")}
        ),
        "GET /api/v1/items/{id}/ response 200 application/json: media type removed",
        id="response media type removed",
    ),
    case(
        lambda s: at(s, *LIST, "security").remove({}),
        "GET /api/v1/items/ security: now requires authentication (anonymous calls were accepted)",
        id="operation now requires authentication",
    ),
    case(
        lambda s: s.update(security=[{"jwtAuth": []}]),
        "DELETE /api/v1/items/{id}/ security: now requires authentication (anonymous calls were accepted)",
        id="document-wide security now requires authentication",
    ),
    case(
        lambda s: at(s, *CREATE, "security").remove({"cookieAuth": []}),
        "POST /api/v1/items/ security: no longer accepts cookieAuth",
        id="a way to authenticate dropped",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BREAKING)
def test_breaking_change_is_reported_with_its_path(change, expected):
    problems = compat.breaking_changes(BASE, changed(change))

    assert set(expected) <= set(problems), "\n".join(problems)


def test_a_shared_enum_that_gains_a_value_breaks_responses_only():
    new = changed(lambda s: at(s, *SCHEMAS, "StatusEnum", "enum").append("archived"))

    assert sorted(compat.breaking_changes(BASE, new)) == [
        "GET /api/v1/items/ response 200 application/json $.results[].status: enum gained 'archived'",
        "GET /api/v1/items/{id}/ response 200 application/json $.status: enum gained 'archived'",
        "PATCH /api/v1/items/{id}/ response 200 application/json $.status: enum gained 'archived'",
        "POST /api/v1/items/ response 201 application/json $.status: enum gained 'archived'",
    ]


def test_a_change_is_reported_once_for_each_place_a_client_meets_it():
    new = changed(lambda s: at(s, *ITEM_REQUEST).pop("note"))

    assert compat.breaking_changes(BASE, new) == [
        "POST /api/v1/items/ request body application/json $.note: property removed",
        "POST /api/v1/items/ request body multipart/form-data $.note: property removed",
    ]


def rename_security_scheme(spec):
    schemes = at(spec, "components", "securitySchemes")
    schemes["bearer"] = schemes.pop("jwtAuth")
    for operation in (at(spec, *LIST), at(spec, *CREATE)):
        operation["security"] = [
            {("bearer" if name == "jwtAuth" else name): scopes for name, scopes in way.items()}
            for way in operation["security"]
        ]


def rename_path_parameter(spec):
    item = at(spec, "paths").pop("/api/v1/items/{id}/")
    item["parameters"][0]["name"] = "item_id"
    at(spec, "paths")["/api/v1/items/{item_id}/"] = item


def restructure_schemas(spec):
    """The same contract written differently: inlined, wrapped in allOf, nullable as oneOf."""
    at(spec, *DETAIL, "get", "responses", "200", "content", "application/json")["schema"] = copy.deepcopy(
        at(spec, *SCHEMAS, "Item")
    )
    at(spec, *ITEM)["title"] = {"allOf": [{"type": "string"}], "description": "The title"}
    at(spec, *ITEM_REQUEST)["note"] = {"oneOf": [{"type": "string"}, {"type": "null"}]}
    at(spec, *SCHEMAS)["Title"] = {"type": "string"}
    at(spec, *SCHEMAS, "PatchedItemRequest", "properties")["title"] = ref("Title")


COMPATIBLE = [
    pytest.param(lambda s: None, id="no change"),
    pytest.param(
        lambda s: at(s, "paths").update({"/api/v1/tags/": {"get": {"responses": {"200": json_body(ref("Tag"))}}}}),
        id="new path",
    ),
    pytest.param(
        lambda s: at(s, *DETAIL).update(put={"responses": {"200": json_body(ref("Item"))}}), id="new operation"
    ),
    pytest.param(
        lambda s: at(s, *LIST, "parameters").append({"in": "query", "name": "ordering", "schema": {"type": "string"}}),
        id="new optional parameter",
    ),
    pytest.param(
        lambda s: at(s, *LIST, "parameters", 1, "schema", "enum").append("archived"), id="parameter enum widened"
    ),
    pytest.param(lambda s: at(s, *LIST, "parameters", 2, "schema").pop("format"), id="parameter format dropped"),
    pytest.param(lambda s: at(s, *ITEM_REQUEST).update(color={"type": "string"}), id="new optional request property"),
    pytest.param(lambda s: at(s, *SCHEMAS, "ItemRequest", "required").remove("title"), id="request property optional"),
    pytest.param(lambda s: at(s, *ITEM_REQUEST, "price").update(type="number"), id="request type widened"),
    pytest.param(lambda s: at(s, *ITEM_REQUEST, "price").update(nullable=True), id="request property accepts null"),
    pytest.param(
        lambda s: at(s, *DETAIL, "delete").update(requestBody={"content": {"application/json": {"schema": {}}}}),
        id="new optional request body",
    ),
    pytest.param(
        lambda s: at(s, *CREATE, "requestBody", "content").update(
            {"application/x-www-form-urlencoded": {"schema": ref("ItemRequest")}}
        ),
        id="new request media type",
    ),
    pytest.param(
        lambda s: (
            at(s, *ITEM).update(rating={"type": "number", "readOnly": True}),
            at(s, *SCHEMAS, "Item", "required").append("rating"),
        ),
        id="new response property",
    ),
    pytest.param(lambda s: at(s, *ITEM).pop("secret"), id="write-only property gone from the response"),
    pytest.param(lambda s: at(s, *ITEM, "published_at").update(type="string"), id="same response type restated"),
    pytest.param(lambda s: at(s, *CREATE, "responses").update({"202": json_body(ref("Item"))}), id="new 2xx status"),
    pytest.param(lambda s: at(s, *DETAIL, "delete", "responses").update({"200": {"description": ""}}), id="2xx added"),
    pytest.param(lambda s: at(s, *LIST, "responses").pop("400"), id="error status removed"),
    pytest.param(lambda s: at(s, *LIST, "security").append({"apiKey": []}), id="new way to authenticate"),
    pytest.param(lambda s: at(s, *CREATE, "security").append({}), id="authentication made optional"),
    pytest.param(rename_security_scheme, id="security scheme renamed"),
    pytest.param(rename_path_parameter, id="path parameter renamed"),
    pytest.param(restructure_schemas, id="same schemas written differently"),
    pytest.param(
        lambda s: (
            at(s, *LIST).update(operationId="items_index", description="Lists"),
            s["info"].update(version="1.1"),
        ),
        id="documentation only",
    ),
]


@pytest.mark.parametrize("change", COMPATIBLE)
def test_compatible_change_reports_nothing(change):
    assert compat.breaking_changes(BASE, changed(change)) == []


def test_a_problem_is_found_through_every_kind_of_reference():
    new = changed(restructure_schemas)
    at(new, *SCHEMAS, "Title")["type"] = "integer"
    at(new, *ITEM, "title", "allOf", 0)["type"] = "integer"
    at(new, *DETAIL, "get", "responses", "200", "content", "application/json", "schema", "properties").pop("price")

    assert sorted(compat.breaking_changes(BASE, new)) == [
        "GET /api/v1/items/ response 200 application/json $.results[].title: type changed from string to integer",
        "GET /api/v1/items/{id}/ response 200 application/json $.price: property removed",
        "PATCH /api/v1/items/{id}/ request body application/json $.title: type changed from string to integer",
        "PATCH /api/v1/items/{id}/ response 200 application/json $.title: type changed from string to integer",
        "POST /api/v1/items/ response 201 application/json $.title: type changed from string to integer",
    ]


# -- Releasing -----------------------------------------------------------------------------


def write(path, spec):
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def versioned(spec, version):
    return {**copy.deepcopy(spec), "info": {**spec["info"], "version": version}}


def test_release_snapshots_the_schema_as_it_is(tmp_path):
    releases = tmp_path / "releases"
    schema = write(tmp_path / "openapi.yaml", versioned(BASE, "1.0.0"))

    target = compat.release("1.0.0", schema=schema, directory=releases)

    assert target == releases / "1.0.0.yaml"
    assert target.read_bytes() == schema.read_bytes()
    assert compat.latest_release(releases) == target


def test_release_refuses_to_rewrite_a_release_or_go_back(tmp_path):
    releases = tmp_path / "releases"
    compat.release("1.1.0", schema=write(tmp_path / "a.yaml", versioned(BASE, "1.1.0")), directory=releases)

    with pytest.raises(ValueError, match="never rewritten"):
        compat.release("1.1.0", schema=write(tmp_path / "b.yaml", versioned(BASE, "1.1.0")), directory=releases)
    with pytest.raises(ValueError, match="not newer"):
        compat.release("1.0.9", schema=write(tmp_path / "c.yaml", versioned(BASE, "1.0.9")), directory=releases)
    with pytest.raises(ValueError, match=r"info\.version 1\.2\.0"):
        compat.release("1.3.0", schema=write(tmp_path / "d.yaml", versioned(BASE, "1.2.0")), directory=releases)
    with pytest.raises(ValueError, match="not a version"):
        compat.release("v2", schema=write(tmp_path / "e.yaml", versioned(BASE, "v2")), directory=releases)


def test_release_refuses_a_breaking_change_unless_the_major_version_changes(tmp_path):
    releases = tmp_path / "releases"
    compat.release("1.0.0", schema=write(tmp_path / "a.yaml", versioned(BASE, "1.0.0")), directory=releases)
    broken = changed(lambda s: at(s, *DETAIL).pop("delete"))

    with pytest.raises(ValueError, match=r"(?s)/api/v2/.*DELETE /api/v1/items/\{id\}/: operation removed"):
        compat.release("1.1.0", schema=write(tmp_path / "b.yaml", versioned(broken, "1.1.0")), directory=releases)
    compat.release("2.0.0", schema=write(tmp_path / "c.yaml", versioned(broken, "2.0.0")), directory=releases)

    assert [path.name for _, path in compat.releases(releases)] == ["1.0.0.yaml", "2.0.0.yaml"]
