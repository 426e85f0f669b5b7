"""benchmarks/seed.py: a tier's rows in bulk, with the derived fields the models and services
keep, the same rows for the same seed, and refusals (production, a non-empty database).
Run with a small tier; the real tiers' sizes and speed are measured by the benchmark."""

import hashlib
import io

import pytest
from django.apps import apps
from django.db.models import Count, F, Q

from accounts.models import User
from benchmarks import seed as seed_module
from benchmarks.seed import BIG_COURSE_SLUG, Seeder, SeedRefused, Tier
from courses.markdown import render_markdown
from courses.models import Category, Course, Lesson, Module
from enrollments.models import CourseRequirement, Enrollment, LessonProgress, RequirementCompletion
from quizzes import services
from quizzes.models import Answer, Attempt, Choice, Question, Quiz

pytestmark = pytest.mark.django_db

TINY = Tier(
    "test", users=40, courses=12, lessons=80, enrollments=90, progress=200, attempts=60,
    big_course_lessons=30, questions_per_quiz=6, bench_learners=3,
)  # fmt: skip


def seed(seed: int = 1) -> Seeder:
    seeder = Seeder(TINY, seed=seed, stdout=io.StringIO())
    seeder.run()
    return seeder


def test_seed_writes_the_tiers_row_counts():
    seed()
    assert User.objects.count() == TINY.users
    assert Course.objects.count() == TINY.courses
    assert Lesson.objects.count() == TINY.lessons
    assert Enrollment.objects.count() == TINY.enrollments
    assert LessonProgress.objects.count() == TINY.progress
    assert Attempt.objects.count() == TINY.attempts
    assert Answer.objects.count() == TINY.attempts * TINY.questions_per_quiz
    assert Course.objects.get(slug=BIG_COURSE_SLUG).lessons.count() == TINY.big_course_lessons


def test_seed_keeps_the_denormalised_fields_right():
    seed()
    assert not Lesson.objects.exclude(course=F("module__course")).exists()
    assert not Quiz.objects.exclude(course=F("module__course")).exists()
    seated = Count("enrollments", filter=~Q(enrollments__status=Enrollment.Status.DROPPED))
    for course in Course.objects.annotate(seated=seated):
        assert course.enrollment_count == course.seated
    for body in Lesson.objects.values_list("body", flat=True).distinct():
        assert set(Lesson.objects.filter(body=body).values_list("body_html", flat=True)) == {render_markdown(body)}
    for question in Question.objects.all()[:10]:
        assert question.prompt_html == render_markdown(question.prompt)


def test_completed_enrollments_have_every_requirement_and_a_certificate():
    seed()
    certificate = apps.get_model("certificates", "Certificate")
    completed = Enrollment.objects.filter(status=Enrollment.Status.COMPLETED)
    assert completed.exists()
    for enrollment in completed:
        lessons = Lesson.objects.filter(course=enrollment.course_id).count()
        done = LessonProgress.objects.filter(enrollment=enrollment, completed_at__isnull=False).count()
        assert done == lessons
        quiz = Quiz.objects.get(course=enrollment.course_id)
        assert RequirementCompletion.objects.filter(enrollment=enrollment, key=f"quiz:{quiz.pk}").exists()
        assert Attempt.objects.filter(user=enrollment.user_id, quiz=quiz, passed=True).exists()
        assert certificate.objects.filter(enrollment=enrollment, course=enrollment.course_id).exists()
    # Learners still on the way never reach the end of the outline.
    for enrollment in Enrollment.objects.exclude(status=Enrollment.Status.COMPLETED):
        assert enrollment.lesson_progress.count() < Lesson.objects.filter(course=enrollment.course_id).count()


def test_bench_learners_have_ten_enrollments_including_the_big_course():
    seeder = seed()
    for user_id in seeder.bench_learner_ids:
        enrollments = Enrollment.objects.filter(user=user_id).exclude(status=Enrollment.Status.DROPPED)
        assert enrollments.count() == 10
        assert enrollments.filter(course__slug=BIG_COURSE_SLUG, status=Enrollment.Status.ACTIVE).exists()


def test_attempt_papers_match_what_the_quiz_service_snapshots():
    seed()
    attempt = Attempt.objects.select_related("quiz").first()
    questions = attempt.quiz.questions.prefetch_related("choices").order_by("position", "id")
    assert attempt.paper == [services.question_snapshot(q) for q in questions]


def test_seed_attempt_scores_agree_with_grading_the_saved_answers():
    seed()
    for attempt in Attempt.objects.prefetch_related("answers")[:15]:
        awarded = sum(a.points_awarded for a in attempt.answers.all())
        assert awarded == attempt.score
        assert attempt.passed == (attempt.percent >= attempt.quiz.pass_mark)


def _digest() -> str:
    """Every seeded table's rows, in primary-key order."""
    tables = [User, Course, Module, Lesson, Quiz, Question, Choice, Enrollment, LessonProgress, Attempt, Answer]
    text = io.StringIO()
    for model in tables:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("last_login",)]
        for row in model.objects.order_by("pk").values_list(*fields):
            text.write(repr(row))
    return hashlib.sha256(text.getvalue().encode()).hexdigest()


def _wipe() -> None:
    certificate = apps.get_model("certificates", "Certificate")
    order = [
        certificate, Answer, Attempt, RequirementCompletion, CourseRequirement, LessonProgress, Enrollment, Choice,
        Question, Quiz,
        Lesson, Module, Course.instructors.through, Course, User.groups.through, User,
    ]  # fmt: skip
    for model in order:
        model.objects.all()._raw_delete(model.objects.db)
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not():
    seed(seed=5)
    first = _digest()
    _wipe()
    seed(seed=5)
    assert _digest() == first
    _wipe()
    seed(seed=6)
    assert _digest() != first


def test_new_rows_after_seeding_get_fresh_ids():
    seed()
    user = User.objects.create_user(email="after-seed@example.com", password=None)
    assert user.pk > TINY.users


def test_command_refuses_a_database_that_is_not_empty():
    User.objects.create_user(email="someone@example.com", password=None)
    with pytest.raises(SeedRefused, match="not empty"):
        seed_module.seed_database(tier="S", stdout=io.StringIO())
    assert User.objects.count() == 1


def test_command_refuses_production_without_force(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(SeedRefused, match="refused in production"):
        seed_module.seed_database(tier="S", stdout=io.StringIO())
    assert not User.objects.exists()


def test_command_reports_rows_per_second(monkeypatch):
    monkeypatch.setitem(seed_module.TIERS, "S", TINY)
    out = io.StringIO()
    seed_module.seed_database(tier="S", seed=2, stdout=out)
    assert "rows/s" in out.getvalue()
    assert Enrollment.objects.count() == TINY.enrollments
