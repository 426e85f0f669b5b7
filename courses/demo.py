"""Demo catalog for `manage.py seed_demo` (idempotent: keyed by slugs)."""

import re
from pathlib import Path

from django.core.files import File

from accounts.models import User
from courses import services
from courses.models import Category, Course, Lesson

MEDIA = Path(__file__).with_name("demo_media")

CATEGORIES = [("programming", "Programming"), ("data", "Data"), ("design", "Design")]

COURSES = [
    {
        "slug": "python-foundations",
        "title": "Python Foundations",
        "summary": "Variables, functions and files: the Python you need for everything else.",
        "category": "programming",
        "level": Course.Level.BEGINNER,
        "featured": True,
        "modules": [
            ("Getting started", [
                ("Welcome to the course", "text", True, "# Welcome\n\nThis course teaches **Python** from scratch."),
                ("Installing Python", "video", False, "Follow along with the video.", "https://www.youtube.com/watch?v=YYXdXT2l-Gg"),
                ("Your first program", "video", False, "A short uploaded video: it resumes where you stopped, and the lesson completes once you have watched 90 % of it.", "file:first-program.webm"),
            ]),
            ("Core language", [
                ("Variables and types", "text", False, "Numbers, strings and lists: three boxes.\n\n{image:variables.png}\n\n```python\nx = 42\n```"),
                ("Functions", "text", False, "Define once, call often."),
            ]),
        ],
    },
    {
        "slug": "sql-for-analysts",
        "title": "SQL for Analysts",
        "summary": "Ask your data questions with SELECT, JOIN and GROUP BY.",
        "category": "data",
        "level": Course.Level.INTERMEDIATE,
        "featured": True,
        "modules": [
            ("Querying", [
                ("SELECT basics", "text", True, "`SELECT` picks columns; `WHERE` picks rows."),
                ("Joins", "text", False, "Combine tables on keys."),
            ]),
        ],
    },
    {
        "slug": "data-visualisation",
        "title": "Data Visualisation Basics",
        "summary": "Charts that answer a question: pick the chart, then make it honest.",
        "category": "data",
        "level": Course.Level.BEGINNER,
        "featured": False,
        "modules": [
            ("Choosing a chart", [
                ("Bars, lines and dots", "text", True, "Compare with bars, show change with lines."),
                ("Honest axes", "text", False, "Start bars at zero; label every axis."),
            ]),
        ],
    },
    {
        "slug": "design-systems",
        "title": "Design Systems in Practice",
        "summary": "Build a small, accessible component library.",
        "category": "design",
        "level": Course.Level.ADVANCED,
        "featured": False,
        "modules": [
            ("Foundations", [
                ("Tokens and scales", "text", True, "Colour, spacing and type scales."),
                ("Accessibility from the start", "text", False, "Contrast, focus and semantics."),
            ]),
        ],
    },
]  # fmt: skip


def _place_images(lesson) -> None:
    """`{image:name}` in a demo lesson's text: the image from courses/demo_media/, placed
    as an instructor pastes one (an inline attachment, served with the lesson's rules)."""
    body = lesson.body
    for name in re.findall(r"\{image:([\w.-]+)\}", body):
        with (MEDIA / name).open("rb") as handle:
            _image, markdown = services.lesson_image_add(lesson=lesson, image=File(handle, name=name))
        body = body.replace(f"{{image:{name}}}", markdown)
    if body != lesson.body:
        services.lesson_update(lesson=lesson, data={"body": body})


def seed(*, stdout) -> None:
    instructor = User.objects.filter(email="instructor@example.com").first()
    categories = {
        slug: Category.objects.get_or_create(slug=slug, defaults={"name": name})[0] for slug, name in CATEGORIES
    }
    for spec in COURSES:
        if Course.objects.filter(slug=spec["slug"]).exists():
            continue
        course = services.course_create(
            instructor=instructor,
            data={
                "slug": spec["slug"],
                "title": spec["title"],
                "summary": spec["summary"],
                "description": f"## About this course\n\n{spec['summary']}",
                "category": categories[spec["category"]],
                "level": spec["level"],
                "estimated_hours": 3,
                "is_featured": spec["featured"],
            },
        )
        for title, lessons in spec["modules"]:
            module = services.module_create(course=course, data={"title": title})
            for lesson_title, kind, preview, body, *video in lessons:
                source = video[0] if video else ""
                data = {"title": lesson_title, "kind": kind, "is_preview": preview, "body": body}
                if source.startswith("file:"):  # an uploaded video, shipped in courses/demo_media/
                    with (MEDIA / source.removeprefix("file:")).open("rb") as handle:
                        services.lesson_create(
                            module=module,
                            data={**data, "video_file": File(handle, name=handle.name.rsplit("/", 1)[-1])},
                        )
                else:
                    lesson = services.lesson_create(module=module, data={**data, "video_url": source})
                    _place_images(lesson)
        services.course_publish(course=course)
    stdout.write(f"  courses    {Course.objects.count()} courses, {Lesson.objects.count()} lessons")
