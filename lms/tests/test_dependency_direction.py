"""The apps depend one way (README, "Architecture"): every import in the
product's code (tests, migrations, benchmarks and tools aside) is checked against it, so
an import against the direction fails here instead of in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# app -> the domain apps it may import (the chain to its right, transitively).
_CHAIN = ["certificates", "grades", "quizzes", "assignments", "enrollments", "courses", "accounts"]
ALLOWED: dict[str, set[str]] = {
    "accounts": set(),
    "courses": {"accounts"},
    "enrollments": {"courses", "accounts"},
    "quizzes": {"enrollments", "courses", "accounts"},
    "assignments": {"enrollments", "courses", "accounts"},
    "grades": {"quizzes", "assignments", "enrollments", "courses", "accounts"},
    "certificates": {"grades", "quizzes", "assignments", "enrollments", "courses", "accounts"},
    "discussions": {"enrollments", "courses", "accounts"},
    "reviews": {"enrollments", "courses", "accounts"},
    "commerce": {"enrollments", "courses", "accounts"},
    "notifications": {"enrollments", "courses", "accounts"},
    "webhooks": set(),
    "reports": set(_CHAIN) | {"discussions", "reviews", "commerce", "notifications", "webhooks"},
    "lms": set(),
}
DOMAIN = set(ALLOWED) - {"lms"}
# Code of the platform that composes the apps on purpose: the demo data touches them all.
COMPOSERS = {"lms/management/commands/seed_demo.py"}


def _product_files():
    for app in ALLOWED:
        folder = ROOT / app
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or relative in COMPOSERS:
                continue
            yield app, relative, path


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names)
    return found & (DOMAIN | {"lms"})


def test_every_import_follows_the_dependency_direction():
    wrong = []
    for app, relative, path in _product_files():
        for other in sorted(_imported_apps(path) - {app, "lms"}):
            if other not in ALLOWED[app]:
                wrong.append(f"{relative} imports {other}")
    assert not wrong, "imports against the dependency direction:\n" + "\n".join(wrong)


def test_the_check_finds_an_import_against_the_direction(tmp_path):
    # A module of courses importing enrollments must be caught by the same reader.
    module = tmp_path / "bad.py"
    module.write_text("from enrollments import services\nimport quizzes.models\n")
    assert _imported_apps(module) == {"enrollments", "quizzes"}
    assert not ({"enrollments", "quizzes"} <= ALLOWED["courses"])


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_allowed_lists_name_only_known_apps(app):
    assert ALLOWED[app] <= DOMAIN
