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


def _product_files(root: Path = ROOT):
    for app in ALLOWED:
        folder = root / app
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.py"):
            relative = path.relative_to(root).as_posix()
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


def _violations(root: Path = ROOT) -> list[str]:
    wrong = []
    for app, relative, path in _product_files(root):
        for other in sorted(_imported_apps(path) - {app, "lms"}):
            if other not in ALLOWED[app]:
                wrong.append(f"{relative} imports {other}")
    return wrong


def test_every_import_follows_the_dependency_direction():
    wrong = _violations()
    assert not wrong, "imports against the dependency direction:\n" + "\n".join(wrong)


def test_the_check_finds_imports_against_the_direction_and_allows_the_others(tmp_path):
    (tmp_path / "courses" / "tests").mkdir(parents=True)
    (tmp_path / "courses" / "bad.py").write_text("from enrollments import services\nimport quizzes.models\n")
    (tmp_path / "courses" / "fine.py").write_text("from accounts.models import User\nfrom lms import events\n")
    (tmp_path / "courses" / "tests" / "test_x.py").write_text("from enrollments import services\n")
    (tmp_path / "lms").mkdir()
    (tmp_path / "lms" / "bad.py").write_text("from courses import selectors\n")
    assert _violations(tmp_path) == [
        "courses/bad.py imports enrollments",
        "courses/bad.py imports quizzes",
        "lms/bad.py imports courses",
    ]


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_allowed_lists_name_only_known_apps(app):
    assert ALLOWED[app] <= DOMAIN
