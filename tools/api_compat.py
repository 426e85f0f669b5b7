"""API compatibility: what a new OpenAPI document would break for clients of an old one.

`breaking_changes(old, new)` compares two OpenAPI 3 documents (as loaded from YAML) and
returns one readable line per breaking change, e.g.

    GET /api/v1/courses/ response 200 application/json $.results[].title: property removed

`$ref`s (local ones, `#/...`) are resolved, `allOf` members are merged, and a `oneOf` /
`anyOf` of one schema and `null` is read as that schema made nullable. Operations are
matched by method and path template, whatever its parameters are called
(`/courses/{slug}/` and `/courses/{id}/` are the same URL to a client).

What is breaking, and why:

* Paths and operations: one removed.
* Parameters (query, path, header, cookie): one removed, one newly required (a new
  required parameter or an optional one made required), or one whose value the server now
  refuses: its type narrowed, its format changed, its enum lost values, or null refused.
* Request bodies: a body that became required, or that is no longer read at all; a media
  type removed; a new required property, or an optional one made required; a property
  removed or made read-only; a property whose type narrowed, format changed, enum lost
  values or that no longer accepts null. A removed request property is breaking whether or
  not the schema says `additionalProperties: false`: DRF ignores unknown fields, so a
  client still sending it gets a success while its value is silently dropped, which is
  worse than an error (and with `additionalProperties: false` it fails outright).
* Responses: a 2xx status removed (a client checks for it); a media type removed (from any
  status); a property removed or made write-only, or no longer required (it may be absent);
  a property whose type changed to one the client does not expect, whose format changed,
  that may now be null, or whose enum gained values (or lost its enum altogether). Enums
  are read as closed: generated clients and exhaustive `switch`/`match` statements fail on
  a value they do not know, so a response enum only grows in a new major version.
* Security: an operation that accepted anonymous requests now demands authentication, or a
  way of authenticating it accepted (e.g. the session cookie) is no longer accepted.
  Security schemes are compared by what they are (type, scheme, location, name), so
  renaming one in `components.securitySchemes` is not a change.

Everything else is compatible: new paths, operations, optional parameters, optional
request properties, response properties, statuses, media types and enum values a client
may send; widened request types (integer to number); relaxed security; removed error
(non-2xx) statuses; descriptions, examples and titles.

Not compared (yet): length, range and pattern constraints, response headers, the members
of a `oneOf`/`anyOf` of several object schemas (only their union of types and enums), and
external `$ref`s.

Releases are snapshots of openapi.yaml in docs/api/releases/<major>.<minor>.<patch>.yaml;
the test suite checks the generated schema against the newest one (tools/tests/test_api_compat.py).

    python -m tools.api_compat check [SCHEMA [RELEASE]]   # list what SCHEMA breaks (exit 1 if anything)
    python -m tools.api_compat release X.Y.Z              # snapshot openapi.yaml (what `make api-release` runs)
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "openapi.yaml"
RELEASES_DIR = ROOT / "docs" / "api" / "releases"

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REQUEST = "request"  # values the client sends: the server must go on accepting all it accepted
RESPONSE = "response"  # values the server sends: the client must go on understanding all of them

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_TEMPLATE_PARAM = re.compile(r"\{([^}/]+)\}")


def breaking_changes(old: dict, new: dict) -> list[str]:
    """Each change in `new` that breaks a client written against `old`, one readable line each."""
    comparison = _Comparison(_Document(old), _Document(new))
    comparison.compare_paths()
    return list(dict.fromkeys(comparison.problems))


# -- Releases ------------------------------------------------------------------------------


def load(path: Path | str) -> dict:
    with open(path, encoding="utf-8") as file:
        return yaml.safe_load(file)


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a version: MAJOR.MINOR.PATCH, e.g. 1.2.0")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def releases(directory: Path = RELEASES_DIR) -> list[tuple[tuple[int, int, int], Path]]:
    """The released schemas, oldest first."""
    found = []
    for path in directory.glob("*.yaml"):
        try:
            found.append((parse_version(path.stem), path))
        except ValueError:
            continue
    return sorted(found)


def latest_release(directory: Path = RELEASES_DIR) -> Path:
    found = releases(directory)
    if not found:
        raise FileNotFoundError(f"no released schema in {directory}: run `make api-release VERSION=1.0.0`")
    return found[-1][1]


def release(version: str, schema: Path = SCHEMA_FILE, directory: Path = RELEASES_DIR) -> Path:
    """Snapshot `schema` as release `version`, refusing what would make the history lie: an
    existing or older version, a version other than the schema's own `info.version`, or a
    breaking change without a new major version."""
    number = parse_version(version)
    target = directory / f"{version}.yaml"
    if target.exists():
        raise ValueError(f"{target} exists: a release is never rewritten")
    current = load(schema)
    declared = str(current.get("info", {}).get("version"))
    if declared != version:
        raise ValueError(
            f"{schema.name} says info.version {declared}: set SPECTACULAR_SETTINGS['VERSION'] = {version!r} "
            "in lms/settings.py first (`make api-release` then regenerates the schema)"
        )
    previous = releases(directory)
    if previous:
        last, last_path = previous[-1]
        if number <= last:
            raise ValueError(f"{version} is not newer than the latest release, {last_path.stem}")
        problems = breaking_changes(load(last_path), current) if number[0] == last[0] else []
        if problems:
            raise ValueError(
                f"{version} breaks {last_path.stem}; breaking changes go to /api/v{last[0] + 1}/ "
                f"and a {last[0] + 1}.0.0 release:\n  " + "\n  ".join(problems)
            )
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(schema, target)
    return target


# -- Reading a document --------------------------------------------------------------------


@dataclass
class _View:
    """A schema with its `$ref`s resolved and `allOf` / nullable `oneOf` folded in.

    `variants` keeps the members of a remaining `oneOf`/`anyOf`; `origin` names the
    components it came from, to stop on recursive schemas."""

    schema: dict
    variants: list[_View] = field(default_factory=list)
    origin: tuple[str, ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return self.schema.get(key, default)

    @property
    def nullable(self) -> bool:
        kind = self.schema.get("type")
        return bool(
            self.schema.get("nullable")
            or (isinstance(kind, list) and "null" in kind)
            or None in (self.schema.get("enum") or ())
            or any(variant.nullable for variant in self.variants)
        )

    @property
    def types(self) -> frozenset[str] | None:
        """The JSON types allowed (null aside); None when anything goes."""
        if self.variants:
            types = [variant.types for variant in self.variants]
            return None if None in types else frozenset().union(*types)
        kind = self.schema.get("type")
        if isinstance(kind, list):
            return frozenset(kind) - {"null"}
        if kind:
            return frozenset({kind})
        if "properties" in self.schema or "additionalProperties" in self.schema:
            return frozenset({"object"})
        if "items" in self.schema:
            return frozenset({"array"})
        return None

    @property
    def enum(self) -> frozenset | None:
        """The values allowed (null aside), when the schema lists them; else None."""
        if self.variants:
            enums = [variant.enum for variant in self.variants]
            return None if None in enums else frozenset().union(*enums)
        if "enum" in self.schema:
            return frozenset(_hashable(value) for value in self.schema["enum"] if value is not None)
        if "const" in self.schema:
            return frozenset({_hashable(self.schema["const"])})
        return None

    @property
    def format(self) -> str | None:
        if self.variants:
            formats = {variant.format for variant in self.variants}
            return formats.pop() if len(formats) == 1 else None
        return self.schema.get("format")

    def may_be(self, kind: str) -> bool:
        return self.types is None or kind in self.types


class _Document:
    def __init__(self, spec: dict):
        self.spec = spec or {}

    def resolve(self, node: Any) -> tuple[Any, tuple[str, ...]]:
        """Follow `$ref`s (a chain of them too) to the node they name."""
        refs: tuple[str, ...] = ()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in refs:
                raise ValueError(f"circular $ref: {' -> '.join((*refs, ref))}")
            refs = (*refs, ref)
            node = self._lookup(ref)
        return node, refs

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, not {ref!r}")
        node: Any = self.spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def view(self, schema: Any) -> _View:
        schema, origin = self.resolve(schema)
        if not isinstance(schema, dict):  # absent, or `true`: anything goes
            return _View({})
        combined: dict = {}
        variants: list[_View] = []
        for member in schema.get("allOf", ()):
            part = self.view(member)
            _merge(combined, part.schema)
            variants += part.variants
            origin += part.origin
        alternatives = [self.view(member) for keyword in ("oneOf", "anyOf") for member in schema.get(keyword, ())]
        nullable = any(_is_null(alternative) for alternative in alternatives)
        alternatives = [alternative for alternative in alternatives if not _is_null(alternative)]
        if len(alternatives) == 1:  # `oneOf: [X, null]` is X, nullable
            _merge(combined, alternatives[0].schema)
            variants += alternatives[0].variants
            origin += alternatives[0].origin
        else:
            variants += alternatives
        _merge(combined, {key: value for key, value in schema.items() if key not in ("allOf", "oneOf", "anyOf")})
        if nullable:
            combined["nullable"] = True
        return _View(combined, variants, origin)

    def security(self, operation: dict) -> list[frozenset]:
        """The ways to call the operation: each a set of security schemes, all needed together.
        `frozenset()` among them means anonymous calls are accepted."""
        requirements = operation["security"] if "security" in operation else self.spec.get("security", [])
        if not requirements:
            return [frozenset()]
        schemes = self.spec.get("components", {}).get("securitySchemes", {})
        return [
            frozenset(_scheme_identity(self, name, schemes) for name in requirement) for requirement in requirements
        ]


def _scheme_identity(document: _Document, name: str, schemes: dict) -> tuple:
    scheme, _ = document.resolve(schemes.get(name))
    if not isinstance(scheme, dict):
        return (name,)
    return tuple(str(scheme.get(key, "")).lower() for key in ("type", "scheme", "in", "name")) + (
        () if scheme.get("type") in ("http", "apiKey") else (name,)  # oauth2 / openIdConnect: by name
    )


def _merge(into: dict, schema: dict) -> None:
    """Fold `schema` into `into` as `allOf` does: properties and required names add up, the
    other keywords of the later schema win."""
    for key, value in schema.items():
        if key == "properties":
            into[key] = {**into.get(key, {}), **value}
        elif key == "required":
            into[key] = [*into.get(key, []), *(name for name in value if name not in into.get(key, []))]
        else:
            into[key] = value


def _is_null(view: _View) -> bool:
    kind, values = view.get("type"), view.get("enum")
    return kind in ("null", ["null"]) or (bool(values) and all(value is None for value in values))


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) else json.dumps(value, sort_keys=True)


def _path_key(path: str) -> str:
    return _TEMPLATE_PARAM.sub("{}", path)


def _describe(types: frozenset[str] | None) -> str:
    return "any" if types is None else " or ".join(sorted(types)) or "nothing"


def _values(values: frozenset) -> str:
    return ", ".join(repr(value) for value in sorted(values, key=str))


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Whether every value of the `narrow` types is also one of the `wide` types."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(kind in wide or (kind == "integer" and "number" in wide) for kind in narrow)


# -- Comparing -----------------------------------------------------------------------------


class _Comparison:
    def __init__(self, old: _Document, new: _Document):
        self.old, self.new = old, new
        self.problems: list[str] = []

    def report(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def compare_paths(self) -> None:
        new_paths = {_path_key(path): (path, item) for path, item in (self.new.spec.get("paths") or {}).items()}
        for old_path, old_item in (self.old.spec.get("paths") or {}).items():
            found = new_paths.get(_path_key(old_path))
            if found is None:
                self.report(old_path, "path removed")
                continue
            new_path, new_item = found
            old_item, _ = self.old.resolve(old_item)
            new_item, _ = self.new.resolve(new_item)
            for method in METHODS:
                if method not in old_item:
                    continue
                where = f"{method.upper()} {old_path}"
                if method not in new_item:
                    self.report(where, "operation removed")
                    continue
                self.compare_operation(
                    where, (old_path, old_item, old_item[method]), (new_path, new_item, new_item[method])
                )

    def compare_operation(self, where: str, old: tuple[str, dict, dict], new: tuple[str, dict, dict]) -> None:
        self.compare_parameters(where, self._parameters(self.old, *old), self._parameters(self.new, *new))
        self.compare_request_body(where, old[2].get("requestBody"), new[2].get("requestBody"))
        self.compare_responses(where, old[2].get("responses") or {}, new[2].get("responses") or {})
        self.compare_security(where, self.old.security(old[2]), self.new.security(new[2]))

    # Parameters

    @staticmethod
    def _parameters(document: _Document, path: str, item: dict, operation: dict) -> dict[tuple, dict]:
        """The operation's parameters (the path item's, overridden by its own), keyed as a
        client sees them: path parameters by position, headers case-insensitively."""
        template = _TEMPLATE_PARAM.findall(path)
        found = {}
        for raw in [*item.get("parameters", ()), *operation.get("parameters", ())]:
            parameter, _ = document.resolve(raw)
            location, name = parameter.get("in"), parameter.get("name", "")
            if location == "path" and name in template:
                key: tuple = (location, template.index(name))
            elif location == "header":
                key = (location, name.lower())
            else:
                key = (location, name)
            found[key] = parameter
        return found

    def compare_parameters(self, where: str, old: dict[tuple, dict], new: dict[tuple, dict]) -> None:
        for key, old_parameter in old.items():
            label = f"{where} {key[0]} parameter {old_parameter.get('name')!r}"
            new_parameter = new.get(key)
            if new_parameter is None:
                self.report(label, "removed")
                continue
            if new_parameter.get("required") and not old_parameter.get("required"):
                self.report(label, "now required")
            self.compare_schema(_parameter_schema(old_parameter), _parameter_schema(new_parameter), REQUEST, label, "")
        for key, new_parameter in new.items():
            if key not in old and new_parameter.get("required"):
                self.report(f"{where} {key[0]} parameter {new_parameter.get('name')!r}", "new required parameter")

    # Request bodies

    def compare_request_body(self, where: str, old_raw: Any, new_raw: Any) -> None:
        old, _ = self.old.resolve(old_raw)
        new, _ = self.new.resolve(new_raw)
        where = f"{where} request body"
        if not old:
            if new and new.get("required"):
                self.report(where, "new required request body")
            return
        if not new:
            self.report(where, "removed (a body sent is now ignored)")
            return
        if new.get("required") and not old.get("required"):
            self.report(where, "now required")
        new_content = new.get("content") or {}
        for media_type, old_media in (old.get("content") or {}).items():
            if media_type not in new_content:
                self.report(f"{where} {media_type}", "media type removed")
                continue
            old_schema, new_schema = (old_media or {}).get("schema"), (new_content[media_type] or {}).get("schema")
            self.compare_schema(old_schema, new_schema, REQUEST, f"{where} {media_type}", "$")

    # Responses

    def compare_responses(self, where: str, old: dict, new: dict) -> None:
        new_by_status = {str(status): response for status, response in new.items()}
        for status, old_raw in old.items():
            label = f"{where} response {status}"
            new_raw = new_by_status.get(str(status))
            if new_raw is None:
                if str(status).startswith("2"):
                    self.report(label, "removed")
                continue
            old_response, _ = self.old.resolve(old_raw)
            new_response, _ = self.new.resolve(new_raw)
            new_content = (new_response or {}).get("content") or {}
            for media_type, old_media in ((old_response or {}).get("content") or {}).items():
                if media_type not in new_content:
                    self.report(f"{label} {media_type}", "media type removed")
                    continue
                old_schema, new_schema = (old_media or {}).get("schema"), (new_content[media_type] or {}).get("schema")
                self.compare_schema(old_schema, new_schema, RESPONSE, f"{label} {media_type}", "$")

    # Security

    def compare_security(self, where: str, old: list[frozenset], new: list[frozenset]) -> None:
        names = self._scheme_names()
        for way in old:
            if any(other <= way for other in new):
                continue
            if not way:
                self.report(f"{where} security", "now requires authentication (anonymous calls were accepted)")
            else:
                accepted = " + ".join(sorted(names.get(scheme, str(scheme)) for scheme in way))
                self.report(f"{where} security", f"no longer accepts {accepted}")

    def _scheme_names(self) -> dict[tuple, str]:
        schemes = self.old.spec.get("components", {}).get("securitySchemes", {})
        return {_scheme_identity(self.old, name, schemes): name for name in schemes}

    # Schemas

    def compare_schema(
        self, old_raw: Any, new_raw: Any, direction: str, where: str, pointer: str, seen: frozenset = frozenset()
    ) -> None:
        old, new = self.old.view(old_raw), self.new.view(new_raw)
        if old.origin or new.origin:
            pair = (old.origin, new.origin)
            if pair in seen:  # a recursive schema: this pair is being compared further up
                return
            seen = seen | {pair}
        here = f"{where} {pointer}" if pointer else where
        if direction == REQUEST:
            self._compare_accepted(old, new, here)
        else:
            self._compare_sent(old, new, here)
        if old.may_be("object") and new.may_be("object"):
            self._compare_properties(old, new, direction, where, pointer, seen)
            old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
            if isinstance(old_extra, dict) and isinstance(new_extra, dict):
                self.compare_schema(old_extra, new_extra, direction, where, f"{pointer or '$'}.*", seen)
        if old.may_be("array") and new.may_be("array") and "items" in old.schema and "items" in new.schema:
            self.compare_schema(old.get("items"), new.get("items"), direction, where, f"{pointer}[]", seen)

    def _compare_accepted(self, old: _View, new: _View, here: str) -> None:
        """Something the client sends: the new schema must accept whatever the old one did."""
        if not _covers(new.types, old.types):
            self.report(here, f"type changed from {_describe(old.types)} to {_describe(new.types)}")
        if old.nullable and not new.nullable:
            self.report(here, "null no longer accepted")
        if new.format and new.format != old.format:
            self.report(here, f"format changed from {old.format or 'none'} to {new.format}")
        if new.enum is not None:
            if old.enum is None:
                self.report(here, f"now restricted to {_values(new.enum)}")
            elif old.enum - new.enum:
                self.report(here, f"enum narrowed: {_values(old.enum - new.enum)} no longer accepted")

    def _compare_sent(self, old: _View, new: _View, here: str) -> None:
        """Something the server sends: the client must understand whatever the new one sends."""
        if not _covers(old.types, new.types):
            self.report(here, f"type changed from {_describe(old.types)} to {_describe(new.types)}")
        if new.nullable and not old.nullable:
            self.report(here, "may now be null")
        if old.format and new.format != old.format:
            self.report(here, f"format changed from {old.format} to {new.format or 'none'}")
        if old.enum is not None:
            if new.enum is None:
                self.report(here, f"no longer limited to {_values(old.enum)}")
            elif new.enum - old.enum:
                self.report(here, f"enum gained {_values(new.enum - old.enum)}")

    def _compare_properties(
        self, old: _View, new: _View, direction: str, where: str, pointer: str, seen: frozenset
    ) -> None:
        old_properties = _properties(self.old, old, direction)
        new_properties = _properties(self.new, new, direction)
        old_required = set(old.get("required") or ()) & set(old_properties)
        new_required = set(new.get("required") or ()) & set(new_properties)
        base = pointer or "$"
        for name, old_property in old_properties.items():
            here = f"{where} {base}.{name}"
            if name not in new_properties:
                self.report(here, "property removed")
                continue
            if direction == REQUEST and name in new_required and name not in old_required:
                self.report(here, "now required")
            if direction == RESPONSE and name in old_required and name not in new_required:
                self.report(here, "no longer required (may be absent)")
            self.compare_schema(old_property, new_properties[name], direction, where, f"{base}.{name}", seen)
        if direction == REQUEST:
            for name in sorted(new_required - set(old_properties)):
                self.report(f"{where} {base}.{name}", "new required property")


def _properties(document: _Document, view: _View, direction: str) -> dict[str, Any]:
    """The properties that travel in this direction: read-only ones are not sent by the
    client, write-only ones not sent by the server."""
    hidden = "readOnly" if direction == REQUEST else "writeOnly"
    return {
        name: schema for name, schema in (view.get("properties") or {}).items() if not document.view(schema).get(hidden)
    }


def _parameter_schema(parameter: dict) -> Any:
    if "schema" in parameter:
        return parameter["schema"]
    for media in (parameter.get("content") or {}).values():
        return (media or {}).get("schema")
    return None


# -- Command line --------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    usage = "usage: python -m tools.api_compat check [SCHEMA [RELEASE]] | release X.Y.Z"
    if argv[:1] == ["release"] and len(argv) == 2:
        try:
            target = release(argv[1])
        except ValueError as error:
            print(f"api-release: {error}", file=sys.stderr)
            return 1
        print(f"Released {target}")
        return 0
    if argv[:1] == ["check"] and len(argv) <= 3:
        schema = Path(argv[1]) if len(argv) > 1 else SCHEMA_FILE
        against = Path(argv[2]) if len(argv) > 2 else latest_release()
        problems = breaking_changes(load(against), load(schema))
        for problem in problems:
            print(problem)
        print(f"{len(problems)} breaking change(s) in {schema.name} against {against.name}", file=sys.stderr)
        return 1 if problems else 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
