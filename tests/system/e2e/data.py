"""Data for the browser tests, built with the project's services and factories (what
the admin and the demo loader call), never by writing rows the product could not."""

from __future__ import annotations

import importlib
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from accounts import services as account_services
from accounts.models import User
from accounts.services import INSTRUCTORS_GROUP
from accounts.tests import factories
from courses import services as course_services
from courses.models import Category, Course
from enrollments import services as enrollment_services
from quizzes.models import Choice, Question, Quiz

PASSWORD = factories.PASSWORD  # every user the factories make has it


def instructor(**fields) -> User:
    """An instructor as the product makes one: the role (staff, the Instructors group)
    with the group's permissions as the courses and quizzes migrations grant them. The
    browser tests run on a transactional database, flushed after each test, which also
    empties what the data migrations had put there: put it back."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    for app_label in ("courses", "quizzes", "assignments"):
        granted = importlib.import_module(f"{app_label}.migrations.0002_instructor_permissions").PERMISSIONS
        create_permissions(apps.get_app_config(app_label), verbosity=0)
        codenames = [f"{action}_{model}" for model, actions in granted.items() for action in actions]
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    user = factories.UserFactory(**fields)
    return account_services.user_set_role(user=user, role=User.Role.INSTRUCTOR)


def course(
    *, title: str, category: Category | None = None, level: str = Course.Level.BEGINNER, modules=(), teacher=None
) -> Course:
    """A published course; `modules` is [(module title, [lesson title, ...]), ...]."""
    teacher = teacher or instructor()
    created = course_services.course_create(
        instructor=teacher,
        data={
            "title": title,
            "summary": f"Learn {title.lower()} step by step.",
            "description": f"## About\n\n{title}, from the first steps.",
            "category": category,
            "level": level,
            "estimated_hours": 2,
        },
    )
    for module_title, lesson_titles in modules:
        module = course_services.module_create(course=created, data={"title": module_title})
        for lesson_title in lesson_titles:
            course_services.lesson_create(
                module=module,
                data={
                    "title": lesson_title,
                    "kind": "text",
                    "body": f"The text of *{lesson_title}*.\n\n## Key ideas\n\n- One idea.\n- Another idea.",
                },
            )
    return course_services.course_publish(course=created)


def quiz(*, lesson, title: str, pass_mark: int = 50, time_limit_minutes: int | None = None) -> Quiz:
    """A required quiz on `lesson`, answers reviewed after each attempt, choices in order."""
    return Quiz.objects.create(
        lesson=lesson,
        title=title,
        instructions="Answer every question.",
        pass_mark=pass_mark,
        time_limit_minutes=time_limit_minutes,
        review_policy=Quiz.ReviewPolicy.AFTER_SUBMIT,
    )


def single_choice(quiz: Quiz, prompt: str, choices: list[tuple[str, bool]], *, position: int) -> Question:
    question = Question.objects.create(quiz=quiz, kind="single", prompt=prompt, points=Decimal(1), position=position)
    for i, (text, correct) in enumerate(choices):
        Choice.objects.create(question=question, text=text, is_correct=correct, position=i)
    return question


def multiple_choice(quiz: Quiz, prompt: str, choices: list[tuple[str, bool]], *, position: int) -> Question:
    question = Question.objects.create(quiz=quiz, kind="multiple", prompt=prompt, points=Decimal(1), position=position)
    for i, (text, correct) in enumerate(choices):
        Choice.objects.create(question=question, text=text, is_correct=correct, position=i)
    return question


def true_false(quiz: Quiz, prompt: str, answer: bool, *, position: int) -> Question:
    return Question.objects.create(quiz=quiz, kind="true_false", prompt=prompt, correct_bool=answer, position=position)


def short_text(quiz: Quiz, prompt: str, accepted: list[str], *, position: int) -> Question:
    return Question.objects.create(
        quiz=quiz, kind="short_text", prompt=prompt, accepted_answers=accepted, position=position
    )


def enrolled_learner(course: Course, **fields) -> User:
    learner = factories.UserFactory(**fields)
    enrollment_services.enrollment_create(user=learner, course=course)
    return learner
