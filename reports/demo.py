"""A class for the instructor home (`manage.py seed_demo`, idempotent): two dozen learners of
Python Foundations who enrolled over the last month, went different distances, took the
final quiz with different results, and a few who stopped coming (the at-risk list).

Through the services (enrolment, lesson completion, quiz attempts), then dated back: the
demo's history has to look like a month, and services only ever write "now".
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from assignments import services as assignment_services
from assignments.models import Assignment
from courses.models import Course
from enrollments import services as enrollment_services
from enrollments.models import Enrollment, LessonProgress
from quizzes import services as quiz_services
from quizzes.models import Attempt, Quiz

FIRST_NAMES = [
    "Amara", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ilse", "Jonas", "Kofi", "Lucía",
    "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sami", "Tariq", "Uma", "Viktor", "Wen", "Yara",
]  # fmt: skip


def seed(*, stdout) -> None:
    course = Course.objects.filter(slug="python-foundations").first()
    if course is None or User.objects.filter(email="class01@example.com").exists():
        return
    lessons = list(course.lessons.order_by("module__position", "position", "id"))
    final = Quiz.objects.filter(course=course, title="Python basics check").first()
    task = Assignment.objects.filter(course=course, title="Your first script").first()
    teacher = course.instructors.order_by("pk").first()
    now = timezone.now()
    for i, first_name in enumerate(FIRST_NAMES):
        user = User.objects.create(email=f"class{i + 1:02d}@example.com", first_name=first_name, last_name="Demo")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        enrollment, _ = enrollment_services.enrollment_create(user=user, course=course)
        enrolled_days_ago = 29 - i  # one new learner a day or so, over the month
        done = lessons[: (i * 7) % (len(lessons) + 1)]  # from nothing to every lesson
        for lesson in done:
            if lesson.video_file:  # an uploaded video completes by being watched
                _watch(user, lesson, now)
            else:
                enrollment_services.lesson_complete(user=user, lesson=lesson)
        # Those who stopped early and long ago are the at-risk ones.
        stopped = i % 4 == 0
        last_seen_days_ago = min(enrolled_days_ago, 20 if stopped else i % 4)
        for n, lesson in enumerate(done):
            when = now - timedelta(days=max(last_seen_days_ago, enrolled_days_ago - 2 * n - 1), hours=i)
            LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).update(
                first_viewed_at=when, completed_at=when
            )
        if final is not None and len(done) >= 3:
            attempt, _ = quiz_services.attempt_start(user=user, quiz=final)
            answers = _answers(attempt, right=1 + i % 5)
            quiz_services.attempt_save_answers(attempt=attempt, answers=answers)
            quiz_services.attempt_submit(attempt=attempt)
            taken = now - timedelta(days=last_seen_days_ago, hours=i)
            Attempt.objects.filter(pk=attempt.pk).update(started_at=taken - timedelta(minutes=9), submitted_at=taken)
        if task is not None and i < 6 and len(done) >= 3:  # a few hand the assignment in; two are graded
            submission, _ = assignment_services.submission_save(
                user=user, assignment=task, text=f'name = input("Name? ")\nprint(f"Hi {{name}}")  # {first_name}'
            )
            if i < 2 and teacher is not None:
                assignment_services.submission_grade(
                    submission=submission,
                    score=None,
                    rubric={"0": 2, "1": 1 + i},  # 15 and 20 of 20
                    feedback="Works. Comment each line, as asked.",
                    by=teacher,
                    version=submission.version,
                )
        Enrollment.objects.filter(pk=enrollment.pk).update(
            enrolled_at=now - timedelta(days=enrolled_days_ago, hours=i),
            last_activity_at=now - timedelta(days=last_seen_days_ago, hours=i),
        )
    stdout.write(f"  reports    a class of {len(FIRST_NAMES)} in Python Foundations for the instructor home")


def _watch(user, lesson, now, *, length: float = 30.0) -> None:
    """The player's reports of a whole viewing, ten seconds apart."""
    for n in range(int(length // 10) + 1):
        position = min(length, 10.0 * n)
        enrollment_services.video_progress_record(
            user=user, lesson=lesson, position=position, duration=length, now=now + timedelta(seconds=10 * n)
        )


def _answers(attempt: Attempt, *, right: int) -> dict:
    """The right answer to the first `right` questions of the paper, a wrong one after."""
    answers = {}
    for n, q in enumerate(attempt.paper):
        good = n < right
        if q["kind"] == "single":
            answers[q["id"]] = {"choice": next(c["id"] for c in q["choices"] if c["is_correct"] == good)}
        elif q["kind"] == "multiple":
            answers[q["id"]] = {"choices": [c["id"] for c in q["choices"] if c["is_correct"] == good]}
        elif q["kind"] == "true_false":
            answers[q["id"]] = {"value": q["correct_bool"] if good else not q["correct_bool"]}
        elif q["kind"] == "short_text":
            answers[q["id"]] = {"text": q["accepted_answers"][0] if good else "no idea"}
        elif q["kind"] == "numeric":
            answers[q["id"]] = {"value": q["numeric_value"] if good else "0"}
    return answers
