"""Benchmark helper run inside Django with the benchmark server's own environment (so
tokens, sessions and cache keys are the ones the server accepts): `python
benchmarks/prepare.py COMMAND OUT.json`. benchmarks/run.py calls it between phases;
nothing here is timed.

Commands:
  auth        access tokens and session cookies of the bench learners, the big course's
              lessons, lessons each learner has not completed yet, certificate codes
  quiz-start  (learner, quiz) pairs with no attempt in progress: each POST starts one
  quiz-open   answers (about 80 % right) saved on every open attempt of the bench
              learners, and those attempts: each POST submits one
  counts      row counts of the dataset
  worker-backlog       what a Celery worker would find waiting: undispatched outbox events
              (the HTTP run publishes events with no worker to relay them) and overdue
              attempts (an interrupted run of workers.py)
  worker-certificates N  the certificates of the first N completed enrollments (by id),
              reset to issued-but-not-rendered-or-emailed: each `certificates.deliver`
              task renders and emails one (benchmarks/workers.py)
  worker-attempts N    N attempts opened 40 minutes ago on (learner, quiz) pairs of active
              enrollments (the first N by enrollment id with no open attempt), 20 answers
              saved (about 80 % right), deadline 10 minutes ago: what the overdue sweep
              `quizzes.close_overdue_attempts` grades
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

import django  # noqa: E402

django.setup()

from importlib import import_module  # noqa: E402

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import User  # noqa: E402
from benchmarks.seed import BENCH_EMAIL_DOMAIN, BENCH_PASSWORD, BIG_COURSE_SLUG  # noqa: E402
from courses.models import Course, Lesson  # noqa: E402
from enrollments.models import Enrollment, LessonProgress  # noqa: E402
from quizzes.models import Answer, Attempt, Quiz  # noqa: E402
from quizzes.services import draw_paper  # noqa: E402

BENCH_LEARNERS = 200
LESSONS_TO_COMPLETE = 25
VIDEO_LESSON_TITLE = "Benchmark video"
DEMO_VIDEO = Path(__file__).resolve().parents[1] / "courses" / "demo_media" / "first-program.webm"


def bench_learners() -> list[User]:
    """The learners enrolled in the big course (the seed's bench learners come first)."""
    big = Course.objects.get(slug=BIG_COURSE_SLUG)
    ids = (
        Enrollment.objects.filter(course=big, status=Enrollment.Status.ACTIVE)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:BENCH_LEARNERS]
    )
    return list(User.objects.filter(pk__in=list(ids)).order_by("pk"))


def auth() -> dict:
    users = bench_learners()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    tokens, sessions = {}, {}
    for user in users:
        tokens[user.pk] = str(AccessToken.for_user(user))
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions[user.pk] = session.session_key
    big = Course.objects.get(slug=BIG_COURSE_SLUG)
    video = _video_lesson(big)
    lessons = list(
        Lesson.objects.filter(course=big)
        .exclude(pk=video)
        .order_by("module__position", "position", "id")
        .values_list("pk", flat=True)
    )
    done: dict[int, set[int]] = {}
    for user_id, lesson_id in LessonProgress.objects.filter(
        enrollment__course=big, enrollment__user__in=users, completed_at__isnull=False
    ).values_list("enrollment__user_id", "lesson_id"):
        done.setdefault(user_id, set()).add(lesson_id)
    rng = random.Random(7)
    to_complete = {}
    for user in users:
        todo = [pk for pk in lessons if pk not in done.get(user.pk, set())]
        to_complete[user.pk] = rng.sample(todo, min(LESSONS_TO_COMPLETE, len(todo)))
    # The big course's instructor, for the instructor home and the analytics API.
    teacher = big.instructors.order_by("pk").first()
    teacher_session = store()
    teacher_session[SESSION_KEY] = str(teacher.pk)
    teacher_session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    teacher_session[HASH_SESSION_KEY] = teacher.get_session_auth_hash()
    teacher_session.create()
    certificate = apps.get_model("certificates", "Certificate")
    codes = list(certificate.objects.order_by("pk").values_list("code", flat=True)[:1000])
    return {
        "users": [u.pk for u in users],
        "emails": {u.pk: u.email for u in users},
        "password": BENCH_PASSWORD,
        "tokens": tokens,
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "big_course": BIG_COURSE_SLUG,
        "big_course_id": big.pk,
        "big_course_lessons": lessons,
        "to_complete": to_complete,
        "certificate_codes": codes,
        "email_domain": BENCH_EMAIL_DOMAIN,
        "video_lesson": video,
        "instructor_token": str(AccessToken.for_user(teacher)),
        "instructor_session": teacher_session.session_key,
        "assignment": _bench_assignment(big),
    }


def _bench_assignment(big: Course) -> int:
    """The big course's optional assignment taking files, for the assignment_submit
    scenario (20 files of 2 MB at most per learner), added on the first run."""
    from assignments.models import Assignment

    found = Assignment.objects.filter(course=big, title="Benchmark hand-in").first()
    if found is None:
        found = Assignment.objects.create(
            module=big.modules.order_by("-position").first(), title="Benchmark hand-in", points=10,
            accept_text=True, accept_files=True, max_files=20, max_file_mb=2, is_required=False,
        )  # fmt: skip
    return found.pk


def _video_lesson(big: Course) -> int:
    """The big course's optional uploaded-video lesson, for the video_progress scenario
    (the demo's 20-second WebM), added at the end of its last module on the first run:
    the course has one lesson more from then on, left out of the lesson scenarios."""
    found = Lesson.objects.filter(course=big, title=VIDEO_LESSON_TITLE).values_list("pk", flat=True).first()
    if found:
        return found
    from django.core.files import File

    from courses import services as course_services

    module = big.modules.order_by("-position", "-id").first()
    with DEMO_VIDEO.open("rb") as handle:
        lesson = course_services.lesson_create(
            module=module,
            data={
                "title": VIDEO_LESSON_TITLE,
                "kind": "video",
                "is_required": False,
                "video_file": File(handle, name="bench.webm"),
            },
        )
    return lesson.pk


def _quizzes_of(users: list[User]) -> dict[int, list[int]]:
    """Each learner's quizzes: those of the courses they are enrolled in (not dropped)."""
    quizzes_by_course: dict[int, list[int]] = {}
    for quiz_id, course_id in Quiz.objects.order_by("pk").values_list("pk", "course_id"):
        quizzes_by_course.setdefault(course_id, []).append(quiz_id)
    quizzes: dict[int, list[int]] = {}
    enrolled = (
        Enrollment.objects.filter(user__in=users)
        .exclude(status=Enrollment.Status.DROPPED)
        .order_by("user_id", "course_id")
        .values_list("user_id", "course_id")
    )
    for user_id, course_id in enrolled:
        quizzes.setdefault(user_id, []).extend(quizzes_by_course.get(course_id, []))
    return quizzes


def quiz_start() -> dict:
    users = bench_learners()
    open_pairs = set(
        Attempt.objects.filter(user__in=users, status=Attempt.Status.IN_PROGRESS).values_list("user_id", "quiz_id")
    )
    pairs = [
        (user_id, quiz_id)
        for user_id, quiz_ids in _quizzes_of(users).items()
        for quiz_id in quiz_ids
        if (user_id, quiz_id) not in open_pairs
    ]
    random.Random(len(pairs)).shuffle(pairs)
    return {"pairs": pairs, "attempts": Attempt.objects.count()}


def _response(question: dict, right: bool) -> dict:
    kind = question["kind"]
    if kind in ("single", "multiple"):
        correct = [c["id"] for c in question["choices"] if c["is_correct"]]
        wrong = [c["id"] for c in question["choices"] if not c["is_correct"]]
        if kind == "single":
            return {"choice": correct[0] if right or not wrong else wrong[0]}
        return {"choices": sorted(correct) if right else sorted(correct[:1] + wrong[:1])}
    if kind == "true_false":
        return {"value": question["correct_bool"] if right else not question["correct_bool"]}
    if kind == "numeric":
        return {"value": question["numeric_value"] if right else "-1"}
    return {"text": (question.get("accepted_answers") or ["?"])[0] if right else "no idea"}


def quiz_open() -> dict:
    users = bench_learners()
    attempts = list(Attempt.objects.filter(user__in=users, status=Attempt.Status.IN_PROGRESS).order_by("pk"))
    answered = set(Answer.objects.filter(attempt__in=attempts).values_list("attempt_id", flat=True).distinct())
    rng, now, answers = random.Random(11), timezone.now(), []
    for attempt in attempts:
        if attempt.pk in answered:
            continue
        for question in attempt.paper:
            answers.append(
                Answer(
                    attempt=attempt,
                    question_id_snapshot=question["id"],
                    response=_response(question, rng.random() < 0.8),
                    saved_at=now,
                )
            )
    Answer.objects.bulk_create(answers, batch_size=2000, ignore_conflicts=True)
    return {"attempts": [(a.pk, a.user_id) for a in attempts], "answers_saved": len(answers)}


def worker_backlog() -> dict:
    from lms.models import OutboxEvent

    return {
        "outbox_undispatched": OutboxEvent.objects.filter(dispatched_at__isnull=True).count(),
        "overdue_attempts": Attempt.objects.filter(
            status=Attempt.Status.IN_PROGRESS, deadline__lt=timezone.now()
        ).count(),
    }


def worker_certificates(n: str = "100") -> dict:
    certificate = apps.get_model("certificates", "Certificate")
    chosen = list(
        certificate.objects.filter(enrollment__status=Enrollment.Status.COMPLETED, revoked_at__isnull=True)
        .filter(name_withheld_at__isnull=True)  # an erased learner's certificate is never rendered again
        .order_by("enrollment_id")
        .values_list("pk", "enrollment_id")[: int(n)]
    )
    ids = [pk for pk, _ in chosen]
    already = certificate.objects.filter(pk__in=ids, rendered_at__isnull=False).count()
    # Back to what the course_completed listener leaves: issued, no PDF, no email yet.
    certificate.objects.filter(pk__in=ids).update(pdf="", rendered_at=None, render_error="", email_sent_at=None)
    return {
        "certificates": ids,
        "enrollments": [e for _, e in chosen],
        "were_rendered": already,
        "table": certificate._meta.db_table,
    }


def worker_attempts(n: str = "1000") -> dict:
    count, now = int(n), timezone.now()
    quizzes_by_course: dict[int, list[Quiz]] = {}
    for quiz in Quiz.objects.order_by("pk"):
        quizzes_by_course.setdefault(quiz.course_id, []).append(quiz)
    open_pairs = set(
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).values_list("user_id", "quiz_id").iterator()
    )
    pairs: list[tuple[int, Quiz]] = []
    enrollments = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).order_by("pk")
    for user_id, course_id in enrollments.values_list("user_id", "course_id").iterator():
        for quiz in quizzes_by_course.get(course_id, []):
            if (user_id, quiz.pk) not in open_pairs and len(pairs) < count:
                pairs.append((user_id, quiz))
                open_pairs.add((user_id, quiz.pk))
        if len(pairs) >= count:
            break
    if len(pairs) < count:
        raise SystemExit(f"only {len(pairs)} (learner, quiz) pairs are free for {count} overdue attempts")
    numbers = {
        (row["user_id"], row["quiz_id"]): row["n"]
        for row in Attempt.objects.filter(user_id__in={u for u, _ in pairs})
        .order_by()
        .values("user_id", "quiz_id")
        .annotate(n=Max("number"))
    }
    papers = {quiz.pk: draw_paper(quiz) for quiz in {quiz.pk: quiz for _, quiz in pairs}.values()}
    started, deadline = now - timedelta(minutes=40), now - timedelta(minutes=10)
    attempts = [
        Attempt(
            user_id=user_id,
            quiz=quiz,
            number=numbers.get((user_id, quiz.pk), 0) + 1,
            counts=True,
            started_at=started,
            deadline=deadline,
            paper=papers[quiz.pk],
        )
        for user_id, quiz in pairs
    ]
    Attempt.objects.bulk_create(attempts, batch_size=500)
    rng = random.Random(count)
    answers = [
        Answer(
            attempt=attempt,
            question_id_snapshot=question["id"],
            response=_response(question, rng.random() < 0.8),
            saved_at=deadline - timedelta(minutes=5),
        )
        for attempt in attempts
        for question in attempt.paper
    ]
    Answer.objects.bulk_create(answers, batch_size=2000)
    return {
        "attempts": [a.pk for a in attempts],
        "answers": len(answers),
        "table": Attempt._meta.db_table,
        "submitted_status": Attempt.Status.SUBMITTED.value,
    }


def counts() -> dict:
    names = [
        "accounts.User", "courses.Course", "courses.Module", "courses.Lesson", "enrollments.Enrollment",
        "enrollments.LessonProgress", "quizzes.Quiz", "quizzes.Question", "quizzes.Attempt", "quizzes.Answer",
        "certificates.Certificate",
    ]  # fmt: skip
    result = {name: apps.get_model(name).objects.count() for name in names}
    big = Course.objects.filter(slug=BIG_COURSE_SLUG).annotate(n=Count("lessons")).values_list("n", flat=True).first()
    result["big_course_lessons"] = big or 0
    return result


COMMANDS = {
    "auth": auth,
    "quiz-start": quiz_start,
    "quiz-open": quiz_open,
    "counts": counts,
    "worker-backlog": worker_backlog,
    "worker-certificates": worker_certificates,
    "worker-attempts": worker_attempts,
}

if __name__ == "__main__":
    command, out = sys.argv[1], Path(sys.argv[2])
    out.write_text(json.dumps(COMMANDS[command](*sys.argv[3:]), default=str))
