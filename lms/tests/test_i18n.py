"""Internationalisation (issue 8): the site is served in the visitor's language, and the
French catalogue that proves it stays complete, correct and compiled.

- pages come in French for `Accept-Language: fr` and in English otherwise;
- locale/fr/LC_MESSAGES/django.po holds exactly the strings marked in the code and
  templates (makemessages is run on a copy of the sources, never on the checkout), so a
  new string without a translation fails here, by name: run `make messages`, translate;
- every entry is translated, none is fuzzy, placeholders survive translation;
- the shipped django.mo is what the .po compiles to.
"""

from __future__ import annotations

import gettext
import os
import re
import shlex
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.utils import find_command, is_ignored_path
from django.urls import reverse
from django.utils import translation

from courses.models import Course
from courses.tests.factories import CourseFactory

ROOT = Path(settings.BASE_DIR)
LOCALE_DIR = ROOT / "locale"
PO = LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
FRENCH_PLURAL_FORMS = "nplurals=2; plural=(n > 1);"

_GETTEXT_MISSING = not all(find_command(tool) for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib", "msgfmt"))
_GETTEXT_HINT = "GNU gettext tools (xgettext, msgmerge, msgfmt) are not installed: apt-get install gettext"
if _GETTEXT_MISSING and os.environ.get("CI", "").lower() == "true":
    raise RuntimeError(_GETTEXT_HINT + " (CI must run every test: .ci/run installs it)")
needs_gettext = pytest.mark.skipif(_GETTEXT_MISSING, reason=_GETTEXT_HINT)


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """LocaleMiddleware activates the request's language on this thread and leaves it
    active: a French request must not turn the next test in this worker French."""
    yield
    translation.deactivate()


# -- A small .po reader (the catalogue's own format; no third-party dependency) ---------


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt else ""
        return f"{self.msgid!r}{context}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(line: str) -> str:
    body = line.strip()
    assert body.startswith('"') and body.endswith('"'), f"not a PO string: {line!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), body[1:-1])


def parse_po(text: str) -> tuple[Entry, list[Entry]]:
    """The header entry and the other (non-obsolete) entries of a .po file."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry, current = Entry(msgid=""), None
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue  # comments, locations, obsolete (#~) entries
            elif line.startswith('"'):
                fields[current] += _unquote(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = _unquote(value)
        if "msgid" not in fields:
            continue  # an obsolete entry or a comment-only block
        entry.msgid = fields.pop("msgid")
        entry.msgid_plural = fields.pop("msgid_plural", None)
        entry.msgctxt = fields.pop("msgctxt", None)
        for name, value in fields.items():
            index = re.fullmatch(r"msgstr(?:\[(\d+)\])?", name)
            assert index, f"unexpected keyword {name!r} in {entry}"
            entry.msgstr[int(index[1] or 0)] = value
        entries.append(entry)
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, "a .po file has exactly one header entry"
    return headers[0], [e for e in entries if e is not headers[0]]


def header_fields(header: Entry) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)


# -- (a) pages in the visitor's language ------------------------------------------------

PAGES = {
    "home": (
        lambda: "/",
        {
            "fr": ["Apprenez à votre rythme", "Nouveaux cours", "Rechercher des cours", "Débutant"],
            "en": ["Learn at your own pace", "New courses", "Search courses", "Beginner"],
        },
    ),
    "catalog": (
        lambda: reverse("courses:catalog"),
        {
            "fr": ["<h1>Catalogue</h1>", "Trier par", "Appliquer", "1 cours</p>", '"f-category">Catégorie<'],
            "en": ["<h1>Catalog</h1>", "Sort by", "Apply", "1 course</p>", '"f-category">Category<'],
        },
    ),
    "login": (
        lambda: reverse("accounts:login"),
        {
            "fr": ["<h1>Se connecter</h1>", "Mot de passe", "Première visite", "Créez un compte"],
            "en": ["<h1>Log in</h1>", "Password", "New here?", "Create an account"],
        },
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize(
    ("accept_language", "language"),
    [("fr", "fr"), ("fr-FR,fr;q=0.9,en;q=0.8", "fr"), ("en", "en"), (None, "en"), ("de", "en")],
)
def test_pages_come_in_the_language_the_browser_asks_for(client, page, accept_language, language):
    CourseFactory(level=Course.Level.BEGINNER)
    path, strings = PAGES[page]
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    response = client.get(path(), **headers)

    assert response.status_code == 200
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]  # caches keep one copy per language
    other = "en" if language == "fr" else "fr"
    for expected in strings[language]:
        assert expected in content, f"{expected!r} missing from {page} in {language}"
    for unexpected in strings[other]:
        assert unexpected not in content, f"{unexpected!r} on {page} in {language}"


def test_every_offered_language_has_a_shipped_catalogue():
    codes = [code for code, _ in settings.LANGUAGES]
    assert codes[0] == "en" and "fr" in codes
    assert translation.get_supported_language_variant(settings.LANGUAGE_CODE) in codes
    for code in codes[1:]:  # English is the source language: it needs no catalogue
        assert (LOCALE_DIR / code / "LC_MESSAGES" / "django.mo").is_file(), f"no compiled catalogue for {code}"


# -- (b) the catalogue holds exactly the strings marked in the sources ----------------------


def _makemessages_ignore_patterns() -> list[str]:
    """The --ignore options of `make messages` (Makefile, MESSAGES_IGNORE): the test
    extracts exactly what the target extracts."""
    match = re.search(r"^MESSAGES_IGNORE\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile defines MESSAGES_IGNORE for its messages target"
    options = shlex.split(match[1])
    assert options and all(option.startswith("--ignore=") for option in options), options
    return [option.removeprefix("--ignore=") for option in options]


def _copy_sources(patterns: list[str], dest: Path) -> None:
    """Copy what makemessages reads (.py, .html, .txt) into dest, minus what it skips.
    makemessages writes a `<template>.py` next to every template it reads: run on the
    checkout, it would leave files there (and collide with a parallel run)."""
    skip = [*patterns, ".*", "node_modules", "locale", "__pycache__"]
    for dirpath, dirnames, filenames in os.walk(ROOT):
        relative = Path(dirpath).relative_to(ROOT)
        dirnames[:] = [d for d in dirnames if not is_ignored_path(os.path.normpath(relative / d), skip)]
        for name in filenames:
            if name.endswith((".py", ".html", ".txt")) and not is_ignored_path(str(relative / name), skip):
                (dest / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(dirpath) / name, dest / relative / name)


@needs_gettext
def test_the_french_catalogue_holds_exactly_the_marked_strings(tmp_path, monkeypatch, settings):
    sources = tmp_path / "src"
    sources.mkdir()
    patterns = _makemessages_ignore_patterns()
    _copy_sources(patterns, sources)
    settings.LOCALE_PATHS = [str(sources / "locale")]
    monkeypatch.chdir(sources)

    call_command(
        "makemessages",
        "--locale=fr",
        "--no-location",
        "--no-obsolete",
        *(f"--ignore={p}" for p in patterns),
        verbosity=0,
        stdout=StringIO(),
    )

    _, extracted = parse_po((sources / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    _, shipped = parse_po(PO.read_text(encoding="utf-8"))
    assert extracted, "makemessages found no marked string at all"
    extracted_keys = {e.key: e for e in extracted}
    shipped_keys = {e.key: e for e in shipped}
    missing = [str(e) for key, e in extracted_keys.items() if key not in shipped_keys]
    stale = [str(e) for key, e in shipped_keys.items() if key not in extracted_keys]
    report = []
    if missing:
        report += ["marked for translation but missing (run `make messages`, translate, run it again):"]
        report += [f"    {m}" for m in missing]
    if stale:
        report += ["no longer marked anywhere in the code (run `make messages`):"]
        report += [f"    {s}" for s in stale]
    assert not report, f"{os.path.relpath(PO, ROOT)} is not in step with the code.\n  " + "\n  ".join(report)


# -- (c) every entry is translated, none fuzzy, placeholders kept ---------------------------

# printf-style directives as Python's % operator reads them (%% is a literal percent sign).
_PERCENT = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?P<conv>[diouxXeEfFgGcrsa%])")
_BRACES = re.compile(r"\{[A-Za-z_][\w.]*\}")


def placeholders(text: str, python_format: bool) -> tuple[Counter, list[str], Counter]:
    """(named %-directives, positional %-directives in order, {braces})."""
    named, positional = Counter(), []
    if python_format:
        for match in _PERCENT.finditer(text):
            if match["conv"] == "%":
                continue
            if match["name"]:
                named[(match["name"], match["conv"])] += 1
            else:
                positional.append(match["conv"])
    return named, positional, Counter(_BRACES.findall(text))


def test_the_french_catalogue_header_is_filled_in():
    header, _ = parse_po(PO.read_text(encoding="utf-8"))
    fields = header_fields(header)
    assert "fuzzy" not in header.flags
    assert fields["Language"] == "fr"
    assert fields["Plural-Forms"] == FRENCH_PLURAL_FORMS
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    for name in ("Project-Id-Version", "PO-Revision-Date", "Last-Translator", "Language-Team"):
        assert fields.get(name), f"{name} is empty"
    left = [m for m in ("PACKAGE", "YEAR", "FULL NAME", "EMAIL@ADDRESS", "LL@li.org") if m in header.msgstr[0]]
    assert not left, f"template placeholders left in the header: {left}"


def test_every_french_entry_is_translated_and_keeps_its_placeholders():
    _, entries = parse_po(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100, "the catalogue lost most of its entries"
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"{entry}: fuzzy")
        expected_forms = list(range(2)) if entry.msgid_plural is not None else [0]
        if sorted(entry.msgstr) != expected_forms:
            problems.append(f"{entry}: translation forms {sorted(entry.msgstr)}, expected {expected_forms}")
            continue
        python_format = "python-format" in entry.flags
        for index, translated in entry.msgstr.items():
            if not translated.strip():
                problems.append(f"{entry}: not translated" + (f" (form {index})" if entry.msgid_plural else ""))
                continue
            # French uses form 0 for 0 and 1, form 1 from 2 up: each keeps its source's placeholders.
            source = entry.msgid if index == 0 else entry.msgid_plural
            if placeholders(source, python_format) != placeholders(translated, python_format):
                problems.append(f"{entry}: placeholders differ in {translated!r}")
    assert not problems, f"{os.path.relpath(PO, ROOT)}:\n  " + "\n  ".join(problems)


# -- (d) the shipped .mo is the compiled .po ------------------------------------------------


@needs_gettext
def test_the_shipped_mo_is_the_compiled_po(tmp_path):
    fresh = tmp_path / "django.mo"
    # What compilemessages runs (--check-format also refuses broken %-placeholders).
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"msgfmt refuses {os.path.relpath(PO, ROOT)}:\n{result.stderr}"
    with MO.open("rb") as shipped_file, fresh.open("rb") as fresh_file:
        shipped = gettext.GNUTranslations(shipped_file)._catalog
        expected = gettext.GNUTranslations(fresh_file)._catalog
    differing = sorted(repr(k) for k in shipped.keys() | expected.keys() if shipped.get(k) != expected.get(k))
    assert not differing, (
        f"{os.path.relpath(MO, ROOT)} is out of date: run `make messages`. Differs on:\n  "
        + "\n  ".join(differing[:20])
    )


@pytest.mark.django_db
def test_emails_are_written_in_the_active_language(django_capture_on_commit_callbacks):
    from django.core import mail

    from enrollments import services as enrollment_services
    from enrollments.tests.factories import EnrollmentFactory

    enrollment = EnrollmentFactory(course=CourseFactory(title="Analyse"))
    with translation.override("fr"):
        assert enrollment_services.enrollment_confirmation_send(enrollment_id=enrollment.pk)
    (message,) = mail.outbox
    assert message.subject == "Vous êtes inscrit à «\u00a0Analyse\u00a0»"
    assert message.body.startswith(f"Bonjour {enrollment.user.display_name},")
    assert "Commencez à apprendre sur" in message.body and "Start learning" not in message.body


@pytest.mark.django_db
def test_the_footer_offers_the_languages_and_the_choice_sticks(client):
    home = client.get("/").content.decode()
    assert '<label for="language-choice">Language</label>' in home
    assert '<option value="fr" lang="fr">Français</option>' in home
    response = client.post("/accounts/language/", {"language": "fr", "next": "/courses/"})
    assert response.status_code == 302 and response["Location"] == "/courses/"
    catalog = client.get("/courses/")  # no Accept-Language: the cookie decides
    assert catalog["Content-Language"] == "fr"
    assert '<html lang="fr">' in catalog.content.decode()
    client.post("/accounts/language/", {"language": "en", "next": "/courses/"})
    assert client.get("/courses/")["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_language_choice_never_redirects_off_site(client):
    response = client.post("/accounts/language/", {"language": "fr", "next": "https://evil.example.net/"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_one_english_word_with_two_meanings_gets_two_french_ones(client):
    from accounts.tests.factories import AdminFactory

    course = CourseFactory(slug="contexte")
    client.force_login(AdminFactory())
    course_page = client.get(f"/courses/{course.slug}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert ">S\u2019inscrire</button>" in course_page  # a learner enrolling themselves
    assert ">Administration</a>" in course_page  # the link to the admin site
    bulk_page = client.get("/admin/enrollments/enrollment/bulk-enrol/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert re.search(r">\s*Inscrire\s*</button>", bulk_page)  # enrolling other people
