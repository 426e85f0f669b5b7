"""A demo assignment in Python Foundations, with the demo learner's work waiting for a
grade (idempotent); reports/demo.py has the class hand theirs in."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from assignments import services
from assignments.models import Assignment
from courses.models import Course


def seed(*, stdout) -> None:
    course = Course.objects.filter(slug="python-foundations").first()
    if course is None or Assignment.objects.filter(course=course).exists():
        return
    module = course.modules.order_by("-position").first()
    assignment = services.assignment_create(
        data={
            "module": module,
            "title": "Your first script",
            "instructions": (
                "Write a script that asks for a name and greets it. Paste it below, or attach the `.py` file "
                "as a text file (`.txt`).\n\n- Use `input()` and an f-string.\n- One comment explaining each line."
            ),
            "points": 20,
            "accept_text": True,
            "accept_files": True,
            "max_files": 2,
            "due_at": timezone.now() + timedelta(days=7),
            "late_policy": Assignment.LatePolicy.PENALTY,
            "late_penalty_percent": 10,
            "late_penalty_cap_percent": 50,
            "max_submissions": 2,
            # Optional, so the demo's finished learners keep their certificates.
            "is_required": False,
            "pass_percent": 50,
            "rubric": [
                {
                    "title": "It runs",
                    "levels": [
                        {"label": "Not yet", "points": "0"},
                        {"label": "With help", "points": "5"},
                        {"label": "Greets by name", "points": "10"},
                    ],
                },
                {
                    "title": "Comments",
                    "levels": [
                        {"label": "None", "points": "0"},
                        {"label": "Some", "points": "5"},
                        {"label": "Each line", "points": "10"},
                    ],
                },
            ],
        }
    )
    learner = get_user_model().objects.filter(email="learner@example.com").first()
    if learner is not None and course.enrollments.filter(user=learner).exists():
        services.submission_save(
            user=learner,
            assignment=assignment,
            text='name = input("Your name? ")  # ask\nprint(f"Hello, {name}!")  # greet',
        )
    stdout.write("  assignments 1 assignment, the demo learner's work waiting for a grade")
