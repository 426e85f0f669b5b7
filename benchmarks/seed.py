"""`python benchmarks/seed.py --tier S|M|L [--seed N]`: the benchmark's data tiers.

Fills an empty database with a deterministic catalog, learners and their history, in
bulk: PostgreSQL gets COPY (ids assigned here, sequences reset at the end), other
databases batched multi-row INSERTs. Models' `save()` is never called, so the derived
fields are written here, the way the models and services keep them: `Lesson.course`
and `Quiz.course` from the module, `body_html` rendered once per distinct body with
`render_markdown`, `Course.enrollment_count` = enrollments that are not dropped, a
completed enrollment has every lesson done, its required quiz passed and a certificate.

Every tier has one course of 500 lessons (the outline scenario of docs/performance.md)
and `bench_learners` learners with exactly 10 enrollments, the big course among them.
Every seeded account's password is BENCH_PASSWORD, which is why production needs
--force. Nothing is sent (no email, no task): bulk writes bypass signals, so the catalog
cache version is bumped once at the end.

It writes rows the way the domain does by calling the domain's own functions where a
value is derived (the quiz snapshot, a requirement's key, a certificate code's
alphabet), never copies of them. benchmarks/run.py runs it on a database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from pathlib import Path

if __name__ == "__main__":  # run as a script: start Django before the models are imported
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django

    django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models import JSONField

from accounts.models import User
from certificates.models import CODE_ALPHABET, CODE_LENGTH, Certificate
from courses import cache as catalog_cache
from courses.markdown import render_markdown
from courses.models import Category, Course, Lesson, Module
from enrollments.models import CourseRequirement, Enrollment, LessonProgress, RequirementCompletion
from quizzes import grading
from quizzes.models import Answer, Attempt, Choice, Question, Quiz, requirement_key
from quizzes.services import question_snapshot

BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - published on purpose (benchmark data)
BENCH_EMAIL_DOMAIN = "bench.example.com"
ANCHOR = datetime(2025, 9, 1, tzinfo=UTC)  # every timestamp is relative to it: same seed, same rows
BIG_COURSE_SLUG = "benchmark-big-course"
BATCH = 2000


@dataclass(frozen=True)
class Tier:
    name: str
    users: int
    courses: int
    lessons: int
    enrollments: int
    progress: int
    attempts: int
    big_course_lessons: int = 500
    lessons_per_module: int = 10
    questions_per_quiz: int = 20
    bench_learners: int = 200  # learners with exactly 10 enrollments, the big course among them
    completed_share: float = 0.04
    dropped_share: float = 0.05


TIERS = {
    "S": Tier("S", users=1_000, courses=20, lessons=1_000, enrollments=5_000, progress=20_000, attempts=5_000),
    "M": Tier("M", users=10_000, courses=200, lessons=10_000, enrollments=50_000, progress=200_000, attempts=50_000),
    "L": Tier(
        "L", users=100_000, courses=1_000, lessons=50_000, enrollments=500_000, progress=2_000_000, attempts=300_000
    ),
}

FIRST_NAMES = ["Ada", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Inès", "José", "Kwame", "Lena"]
LAST_NAMES = ["Ahmed", "Brown", "Chen", "Dubois", "Evans", "García", "Haddad", "Ivanova", "Jones", "Kim", "López"]
TOPICS = ["Python", "Statistics", "Design", "Marketing", "Finance", "Biology", "History", "Music", "Databases", "Law"]
LESSON_BODIES = [
    f"## Part {n}\n\nThis lesson explains **idea {n}** with an example.\n\n"
    f"- first point about {n}\n- second point, with `code_{n}()`\n- [further reading](https://example.com/{n})\n\n"
    f"```python\nresult = step_{n}(data)\n```\n\n> Remember: practice makes idea {n} stick.\n"
    for n in range(16)
]
COURSE_DESCRIPTIONS = [
    f"# What you will learn\n\nA course in {len(TOPICS)} parts, version {n}.\n\n1. Foundations\n2. Practice\n3. A project"
    for n in range(4)
]
QUIZ_INSTRUCTIONS = "Answer every question. You need **70 %** to pass; attempts are unlimited."
VIDEO_URL = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"


class Writer:
    """Bulk rows into one database, with rows/s per table.

    Rows are dicts of attribute names (a missing one takes the field's default) or model
    instances. On PostgreSQL the values go to COPY as they are (psycopg adapts them;
    JSON is dumped once per distinct object); elsewhere each passes through the field's
    `get_db_prep_save`, as Django's own INSERT would.
    """

    def __init__(self, using: str, stdout):
        self.connection = connections[using]
        self.stdout = stdout
        self.total_rows = 0
        self.total_seconds = 0.0

    def _preparers(self, fields) -> list:
        conn = self.connection
        if conn.vendor != "postgresql":
            return [lambda value, f=f: f.get_db_prep_save(value, conn) for f in fields]
        dumped: dict[int, tuple[object, str]] = {}

        def dump_json(value):
            # Papers are shared by every attempt of a quiz: dump each object once. The
            # object is kept with its text so that its id() cannot be reused meanwhile.
            if isinstance(value, list):
                hit = dumped.get(id(value))
                if hit is None:
                    hit = dumped[id(value)] = (value, json.dumps(value))
                return hit[1]
            return json.dumps(value)

        return [dump_json if isinstance(f, JSONField) else None for f in fields]

    def write(self, model, objs: Iterable, *, label: str | None = None) -> int:
        started = time.perf_counter()
        fields = list(model._meta.concrete_fields)
        conn, qn = self.connection, self.connection.ops.quote_name
        table, columns = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
        spec = [(f.attname, f, prep) for f, prep in zip(fields, self._preparers(fields), strict=True)]

        def values(obj) -> list:
            row = []
            for attname, f, prep in spec:
                if isinstance(obj, dict):
                    value = obj[attname] if attname in obj else f.get_default()
                else:
                    value = getattr(obj, attname)
                row.append(value if prep is None else prep(value))
            return row

        rows = (values(obj) for obj in objs)
        count = 0
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                # Names come from the model's own metadata, quoted; values are parameters.
                sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
                while batch := list(islice(rows, BATCH)):
                    cursor.executemany(sql, batch)
                    count += len(batch)
        elapsed = time.perf_counter() - started
        self.total_rows += count
        self.total_seconds += elapsed
        rate = count / elapsed if elapsed > 0 else 0
        name = label or model._meta.db_table
        self.stdout.write(f"  {name:<34} {count:>10,} rows {elapsed:7.2f} s {rate:>10,.0f} rows/s\n")
        return count


@dataclass
class PlannedEnrollment:
    id: int
    user_id: int
    course_id: int
    status: str
    enrolled_at: datetime
    done: int = 0  # lessons completed, a prefix of the outline
    viewed_only: bool = False  # one more lesson opened but not completed
    attempts: int = 0
    passed: bool = False


class Seeder:
    def __init__(self, tier: Tier, *, seed: int, stdout, using: str = "default"):
        self.tier, self.seed, self.stdout, self.using = tier, seed, stdout, using
        self.rng = random.Random(seed)
        self.writer = Writer(using, stdout)

    # -- checks ---------------------------------------------------------------------------

    def check_empty(self) -> None:
        tables = [User, Category, Course, Module, Lesson, Enrollment, LessonProgress, Quiz, Attempt]
        found = {m._meta.verbose_name_plural: m.objects.using(self.using).count() for m in tables}
        found = {name: n for name, n in found.items() if n}
        if found:
            listed = ", ".join(f"{n:,} {name}" for name, n in found.items())
            raise SeedRefused(
                f"The database is not empty ({listed}). benchmarks/seed.py only fills an empty, migrated database: "
                "create one (e.g. `createdb lms_bench`), point DATABASE_URL at it and run `manage.py migrate`."
            )

    @property
    def marker(self) -> str:
        # The name of the command this once was: databases seeded then are still reused.
        return f"seed_benchmark tier={self.tier.name} seed={self.seed}"

    def validate(self) -> None:
        t = self.tier
        instructors = self._instructor_count()
        learners = t.users - instructors
        small_courses = t.courses - 1
        if t.courses < 11 or t.lessons < t.big_course_lessons + small_courses * 2:
            raise SeedRefused("A tier needs at least 11 courses and two lessons per course besides the big one.")
        if learners < t.bench_learners or t.enrollments < t.bench_learners * 10:
            raise SeedRefused("Too few learners or enrollments for the tier's bench learners.")
        if t.enrollments > learners * t.courses:
            raise SeedRefused("More enrollments than learner and course pairs.")

    def _instructor_count(self) -> int:
        return max(2, self.tier.courses // 4)

    # -- plan and write -------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.validate()
        started = time.perf_counter()
        with transaction.atomic(using=self.using):
            self.check_empty()
            self.plan_catalog()
            self.plan_enrollments()
            self.write_users()
            self.write_catalog()
            self.write_quizzes()
            self.write_learning()
            self.write_attempts()
            self.write_certificates()
            self.reset_sequences()
            transaction.on_commit(catalog_cache.bump_catalog_version, using=self.using)
        connection = self.writer.connection
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics: the planner sees the tier's real sizes
                # The benchmark (benchmarks/run.py) reuses a database seeded with its tier and seed.
                # COMMENT takes no bind parameters: the literal is quoted client-side.
                cursor.execute(connection.ops.compose_sql(f"COMMENT ON DATABASE {name} IS %s", [self.marker]))
        elapsed = time.perf_counter() - started
        return {"rows": self.writer.total_rows, "seconds": elapsed, "write_seconds": self.writer.total_seconds}

    def plan_catalog(self) -> None:
        t = self.tier
        self.instructor_ids = list(range(1, self._instructor_count() + 1))
        self.learner_ids = list(range(len(self.instructor_ids) + 1, t.users + 1))
        self.course_ids = list(range(1, t.courses + 1))
        small, extra = divmod(t.lessons - t.big_course_lessons, t.courses - 1)
        sizes = [t.big_course_lessons] + [small + (1 if i < extra else 0) for i in range(t.courses - 1)]
        # outline[course_id] = lesson ids in outline order; modules[course_id] = module ids.
        self.outline: dict[int, list[int]] = {}
        self.optional: set[int] = set()
        self.module_of: dict[int, list[tuple[int, int]]] = {}  # course -> [(module_id, lesson count)]
        lesson_id = module_id = 0
        for course_id, size in zip(self.course_ids, sizes, strict=True):
            self.outline[course_id] = []
            self.module_of[course_id] = []
            for start in range(0, size, t.lessons_per_module):
                module_id += 1
                count = min(t.lessons_per_module, size - start)
                self.module_of[course_id].append((module_id, count))
                for _ in range(count):
                    lesson_id += 1
                    self.outline[course_id].append(lesson_id)
                    if lesson_id % 10 == 9:
                        self.optional.add(lesson_id)
        self.instructors_of = {
            c: [self.instructor_ids[(c - 1) % len(self.instructor_ids)]]
            + ([self.instructor_ids[c % len(self.instructor_ids)]] if c % 3 == 0 else [])
            for c in self.course_ids
        }

    def plan_enrollments(self) -> None:
        t, rng = self.tier, self.rng
        big = self.course_ids[0]
        others = self.course_ids[1:]
        pairs: list[tuple[int, int]] = []
        bench = self.learner_ids[: t.bench_learners]
        self.bench_learner_ids = bench
        for user_id in bench:
            pairs.append((user_id, big))
            pairs.extend((user_id, c) for c in rng.sample(others, 9))
        rest = self.learner_ids[t.bench_learners :]
        remaining = t.enrollments - len(pairs)
        per, extra = divmod(remaining, len(rest))
        order = rest[:]
        rng.shuffle(order)
        for i, user_id in enumerate(order):
            k = per + (1 if i < extra else 0)
            pairs.extend((user_id, c) for c in rng.sample(self.course_ids, k))
        pairs.sort()

        self.enrollments: list[PlannedEnrollment] = []
        for i, (user_id, course_id) in enumerate(pairs, start=1):
            roll = rng.random()
            if course_id == big and user_id in self._bench_set():
                status = Enrollment.Status.ACTIVE
            elif course_id != big and roll < t.completed_share:
                status = Enrollment.Status.COMPLETED
            elif roll > 1 - t.dropped_share and user_id not in self._bench_set():
                status = Enrollment.Status.DROPPED  # bench learners keep all 10 on their dashboard
            else:
                status = Enrollment.Status.ACTIVE
            enrolled_at = ANCHOR - timedelta(days=rng.randint(10, 400), minutes=rng.randint(0, 1439))
            self.enrollments.append(PlannedEnrollment(i, user_id, course_id, status, enrolled_at))

        # Completed: every lesson. The others share what is left of the progress budget,
        # skewed (most learners barely start), never reaching the end of the outline.
        budget = t.progress
        for e in self.enrollments:
            if e.status == Enrollment.Status.COMPLETED:
                e.done = len(self.outline[e.course_id])
                budget -= e.done
        if budget < 0:
            raise SeedRefused("The tier's progress rows cannot cover its completed enrollments.")
        open_ = [e for e in self.enrollments if e.status != Enrollment.Status.COMPLETED]
        weights = [rng.random() ** 3 for _ in open_]
        scale = budget / sum(weights)
        for e, w in zip(open_, weights, strict=True):
            e.done = min(len(self.outline[e.course_id]) - 1, int(w * scale))
        left = budget - sum(e.done for e in open_)
        while left > 0:  # bounded: the loop stops when no enrollment has room (an error)
            grew = False
            for e in open_:
                if left and e.done + 1 < len(self.outline[e.course_id]):
                    e.done += 1
                    left -= 1
                    grew = True
            if not grew:
                raise SeedRefused("The tier has more progress rows than lessons to progress through.")
        # A progress row for a lesson opened but not completed comes out of the same budget.
        for e in open_:
            if e.done >= 2 and rng.random() < 0.3:
                e.viewed_only = True  # the last of its `done` rows is only viewed

        # Attempts: one passed per completed enrollment, the rest spread over active ones.
        completed = [e for e in self.enrollments if e.status == Enrollment.Status.COMPLETED]
        for e in completed:
            e.attempts, e.passed = 1, True
        active = [e for e in self.enrollments if e.status == Enrollment.Status.ACTIVE]
        for _ in range(t.attempts - len(completed)):
            rng.choice(active).attempts += 1

    def _bench_set(self) -> set[int]:
        if not hasattr(self, "_bench"):
            self._bench = set(self.bench_learner_ids)
        return self._bench

    def write_users(self) -> None:
        rng = self.rng
        password = make_password(BENCH_PASSWORD, salt=f"bench{self.seed}")  # hashed once, for everyone
        instructors = set(self.instructor_ids)

        self.full_name: dict[int, str] = {}

        def users() -> Iterator[User]:
            for user_id in [*self.instructor_ids, *self.learner_ids]:
                teaches = user_id in instructors
                role = User.Role.INSTRUCTOR if teaches else User.Role.LEARNER
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                self.full_name[user_id] = f"{first} {last}"
                yield dict(
                    id=user_id,
                    email=f"{'instructor' if teaches else 'learner'}{user_id:06d}@{BENCH_EMAIL_DOMAIN}",
                    password=password,
                    first_name=first,
                    last_name=last,
                    role=role,
                    is_staff=teaches,
                    is_active=True,
                    date_joined=ANCHOR - timedelta(days=500 - user_id % 90),
                    time_zone="UTC",
                    updated_at=ANCHOR,
                )

        self.writer.write(User, users())
        group = Group.objects.using(self.using).get_or_create(name="Instructors")[0]
        through = User.groups.through
        self.writer.write(
            through,
            (dict(id=i, user_id=u, group_id=group.pk) for i, u in enumerate(self.instructor_ids, start=1)),
            label="accounts_user_groups",
        )

    def write_catalog(self) -> None:
        t = self.tier
        stamps = {"created_at": ANCHOR, "updated_at": ANCHOR}
        parents = [
            dict(id=i + 1, name=topic, slug=topic.lower(), parent_id=None, **stamps)
            for i, topic in enumerate(TOPICS[:4])
        ]
        children = [
            dict(id=5 + i, name=f"{p['name']} {sfx}", slug=f"{p['slug']}-{sfx.lower()}", parent_id=p["id"], **stamps)
            for i, (p, sfx) in enumerate((p, sfx) for p in parents for sfx in ("Basics", "Advanced"))
        ]
        self.writer.write(Category, [*parents, *children])

        counts = {c: 0 for c in self.course_ids}
        for e in self.enrollments:
            if e.status != Enrollment.Status.DROPPED:
                counts[e.course_id] += 1
        descriptions = [(d, render_markdown(d)) for d in COURSE_DESCRIPTIONS]
        levels = [c for c, _ in Course.Level.choices]

        self.course_title = {
            c: "The complete benchmark course" if c == self.course_ids[0] else f"{TOPICS[c % len(TOPICS)]} {c}"
            for c in self.course_ids
        }

        def courses() -> Iterator[Course]:
            for c in self.course_ids:
                description, description_html = descriptions[c % len(descriptions)]
                big = c == self.course_ids[0]
                yield dict(
                    id=c,
                    title=self.course_title[c],
                    slug=BIG_COURSE_SLUG if big else f"course-{c:05d}",
                    summary=f"Course {c}: {len(self.outline[c])} lessons of {TOPICS[c % len(TOPICS)].lower()}.",
                    description=description,
                    description_html=description_html,
                    category_id=children[c % len(children)]["id"],
                    level=levels[c % len(levels)],
                    language="en",
                    status=Course.Status.PUBLISHED,
                    published_at=ANCHOR - timedelta(days=t.courses - c, hours=c % 24),
                    is_featured=c <= 3,
                    estimated_hours=Decimal(len(self.outline[c]) * 10 // 60 + 1),
                    enrollment_count=counts[c],
                    created_at=ANCHOR - timedelta(days=600),
                    updated_at=ANCHOR,
                )

        self.writer.write(Course, courses())
        through = Course.instructors.through
        pairs = [(c, u) for c in self.course_ids for u in self.instructors_of[c]]
        self.writer.write(
            through,
            (dict(id=i, course_id=c, user_id=u) for i, (c, u) in enumerate(pairs, start=1)),
            label="courses_course_instructors",
        )

        self.writer.write(
            Module,
            (
                Module(
                    id=module_id,
                    course_id=c,
                    title=f"Module {n}",
                    description="",
                    position=n,
                    created_at=ANCHOR,
                    updated_at=ANCHOR,
                )
                for c in self.course_ids
                for n, (module_id, _count) in enumerate(self.module_of[c], start=1)
            ),
        )
        bodies = [(b, render_markdown(b)) for b in LESSON_BODIES]  # once per distinct body

        def lessons() -> Iterator[Lesson]:
            for c in self.course_ids:
                lesson_ids = iter(self.outline[c])
                for m, (module_id, count) in enumerate(self.module_of[c], start=1):
                    for position in range(1, count + 1):
                        lesson_id = next(lesson_ids)
                        body, body_html = bodies[lesson_id % len(bodies)]
                        video = lesson_id % 7 == 0
                        yield dict(
                            id=lesson_id,
                            module_id=module_id,
                            course_id=c,  # denormalised from the module, as Lesson.save() keeps it
                            title=f"Lesson {m}.{position}: idea {lesson_id % len(bodies)}",
                            kind=Lesson.Kind.VIDEO if video else Lesson.Kind.TEXT,
                            body=body,
                            body_html=body_html,
                            video_url=VIDEO_URL if video else "",
                            video_file="",
                            is_preview=lesson_id == self.outline[c][0],
                            is_required=lesson_id not in self.optional,
                            estimated_minutes=5 + lesson_id % 16,
                            position=position,
                            created_at=ANCHOR,
                            updated_at=ANCHOR,
                        )

        self.writer.write(Lesson, lessons())

    def write_quizzes(self) -> None:
        t = self.tier
        instructions_html = render_markdown(QUIZ_INSTRUCTIONS)
        prompts = [(f"Question {p + 1}: which answer is **right**?", None) for p in range(t.questions_per_quiz)]
        prompts = [(text, render_markdown(text)) for text, _ in prompts]
        quizzes, questions, choices = [], [], []
        self.papers: dict[int, list[dict]] = {}
        self.quiz_of: dict[int, int] = {}
        question_id = choice_id = 0
        for quiz_id, c in enumerate(self.course_ids, start=1):
            module_id = self.module_of[c][-1][0]
            self.quiz_of[c] = quiz_id
            quizzes.append(
                Quiz(
                    id=quiz_id,
                    course_id=c,  # denormalised from the module, as Quiz.save() keeps it
                    module_id=module_id,
                    title=f"Final quiz of course {c}",
                    instructions=QUIZ_INSTRUCTIONS,
                    instructions_html=instructions_html,
                    pass_mark=70,
                    max_attempts=0,
                    review_policy=Quiz.ReviewPolicy.AFTER_SUBMIT,
                    is_required=True,
                    created_at=ANCHOR,
                    updated_at=ANCHOR,
                )
            )
            paper = []
            for p in range(t.questions_per_quiz):
                question_id += 1
                kind = self._question_kind(p)
                prompt, prompt_html = prompts[p]
                question = Question(
                    id=question_id,
                    quiz_id=quiz_id,
                    kind=kind,
                    prompt=prompt,
                    prompt_html=prompt_html,
                    explanation=f"See lesson {p + 1}.",
                    # Decimals with the fields' places: the paper holds str() of what the database returns.
                    points=Decimal("1.00"),
                    position=p + 1,
                    correct_bool=(p % 2 == 0) if kind == Question.Kind.TRUE_FALSE else None,
                    accepted_answers=[],
                    numeric_value=Decimal("42.000000") if kind == Question.Kind.NUMERIC else None,
                    numeric_tolerance=Decimal("0.500000") if kind == Question.Kind.NUMERIC else Decimal("0.000000"),
                    credit_all=False,
                    dropped=False,
                    created_at=ANCHOR,
                    updated_at=ANCHOR,
                )
                questions.append(question)
                question_choices = []
                if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
                    correct = {0, 2} if kind == Question.Kind.MULTIPLE else {(question_id * 7) % 4}
                    for n in range(4):
                        choice_id += 1
                        choice = Choice(
                            id=choice_id,
                            question_id=question_id,
                            text=f"Option {'ABCD'[n]}",
                            is_correct=n in correct,
                            position=n + 1,
                        )
                        choices.append(choice)
                        question_choices.append(choice)
                paper.append(question_snapshot(question, choices=question_choices))
            self.papers[quiz_id] = paper
        self.writer.write(Quiz, quizzes)
        # A required quiz is a requirement of its course (quizzes.services.quiz_requirement_sync).
        required = (quiz for quiz in quizzes if quiz.is_required)
        self.writer.write(
            CourseRequirement,
            (
                {"id": i, "course_id": quiz.course_id, "key": quiz.requirement_key, "created_at": ANCHOR}
                for i, quiz in enumerate(required, start=1)
            ),
        )
        self.writer.write(Question, questions)
        self.writer.write(Choice, choices)

    @staticmethod
    def _question_kind(position: int) -> str:
        if position % 10 == 4:
            return Question.Kind.MULTIPLE
        if position % 10 == 9:
            return Question.Kind.TRUE_FALSE if position < 19 else Question.Kind.NUMERIC
        return Question.Kind.SINGLE

    def write_learning(self) -> None:
        def when(e: PlannedEnrollment, step: int) -> datetime:
            return e.enrolled_at + timedelta(hours=2 * step + 1)

        for e in self.enrollments:
            outline = self.outline[e.course_id]
            e_last = outline[e.done - 1] if e.done else None
            e.last_lesson_id = e_last
            e.last_activity_at = when(e, e.done) if e.done else e.enrolled_at
            e.completed_at = when(e, e.done + 1) if e.status == Enrollment.Status.COMPLETED else None
            e.dropped_at = when(e, e.done + 2) if e.status == Enrollment.Status.DROPPED else None

        self.writer.write(
            Enrollment,
            (
                Enrollment(
                    id=e.id,
                    user_id=e.user_id,
                    course_id=e.course_id,
                    status=e.status,
                    enrolled_at=e.enrolled_at,
                    completed_at=e.completed_at,
                    dropped_at=e.dropped_at,
                    last_lesson_id=e.last_lesson_id,
                    last_activity_at=e.last_activity_at,
                    created_at=e.enrolled_at,
                    updated_at=e.last_activity_at,
                )
                for e in self.enrollments
            ),
        )

        def progress() -> Iterator[LessonProgress]:
            pk = 0
            for e in self.enrollments:
                for step, lesson_id in enumerate(self.outline[e.course_id][: e.done], start=1):
                    pk += 1
                    viewed_only = e.viewed_only and step == e.done
                    yield dict(
                        id=pk,
                        enrollment_id=e.id,
                        lesson_id=lesson_id,
                        first_viewed_at=when(e, step) - timedelta(minutes=20),
                        completed_at=None if viewed_only else when(e, step),
                    )

        self.writer.write(LessonProgress, progress())

    def _answers(self, attempt_id: int, quiz_id: int, *, must_pass: bool) -> list[tuple[int, dict]]:
        """Deterministic responses for one attempt (re-derived when answers are written)."""
        rng = random.Random(self.seed * 1_000_003 + attempt_id)
        skill = 1.0 if must_pass else rng.uniform(0.3, 0.95)
        responses = []
        for q in self.papers[quiz_id]:
            right = rng.random() < skill
            if q["kind"] == "single":
                ids = [c["id"] for c in q["choices"]]
                correct = next(c["id"] for c in q["choices"] if c["is_correct"])
                response = {"choice": correct if right else next(i for i in ids if i != correct)}
            elif q["kind"] == "multiple":
                correct = sorted(c["id"] for c in q["choices"] if c["is_correct"])
                response = {"choices": correct if right else correct[:1]}
            elif q["kind"] == "true_false":
                response = {"value": q["correct_bool"] if right else not q["correct_bool"]}
            else:
                response = {"value": q["numeric_value"] if right else "41"}
            responses.append((q["id"], response))
        return responses

    def write_attempts(self) -> None:
        planned = []  # (attempt id, enrollment, number, must_pass)
        pk = 0
        for e in self.enrollments:
            for number in range(1, e.attempts + 1):
                pk += 1
                planned.append((pk, e, number, e.status == Enrollment.Status.COMPLETED and number == e.attempts))
        self.passed_enrollments: set[int] = set()
        pass_mark = Decimal(70)

        def graded(attempt_id, quiz_id, must_pass):
            paper = {q["id"]: q for q in self.papers[quiz_id]}
            responses = self._answers(attempt_id, quiz_id, must_pass=must_pass)
            return [(qid, r, *grading.grade(paper[qid], r)) for qid, r in responses]

        def attempts() -> Iterator[Attempt]:
            for attempt_id, e, number, must_pass in planned:
                quiz_id = self.quiz_of[e.course_id]
                results = graded(attempt_id, quiz_id, must_pass)
                score = sum((points for _, _, points, _ in results), Decimal(0))
                maximum = sum((grading.max_points(q) for q in self.papers[quiz_id]), Decimal(0))
                percent = (score * 100 / maximum).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                passed = percent >= pass_mark
                if passed:
                    self.passed_enrollments.add(e.id)
                started = e.enrolled_at + timedelta(days=1 + number, minutes=attempt_id % 600)
                yield dict(
                    id=attempt_id,
                    user_id=e.user_id,
                    quiz_id=quiz_id,
                    number=number,
                    status=Attempt.Status.SUBMITTED,
                    counts=True,
                    started_at=started,
                    deadline=None,
                    submitted_at=started + timedelta(minutes=12),
                    score=score,
                    max_score=maximum,
                    percent=percent,
                    passed=passed,
                    paper=self.papers[quiz_id],
                    created_at=started,
                    updated_at=started + timedelta(minutes=12),
                )

        self.writer.write(Attempt, attempts())

        def answers() -> Iterator[Answer]:
            pk = 0
            for attempt_id, e, number, must_pass in planned:
                started = e.enrolled_at + timedelta(days=1 + number, minutes=attempt_id % 600)
                for qid, response, points, correct in graded(attempt_id, self.quiz_of[e.course_id], must_pass):
                    pk += 1
                    yield dict(
                        id=pk,
                        attempt_id=attempt_id,
                        question_id_snapshot=qid,
                        response=response,
                        points_awarded=points,
                        is_correct=correct,
                        saved_at=started + timedelta(minutes=10),
                    )

        self.writer.write(Answer, answers())

        # A passed required quiz is a met requirement (enrollments.services.requirement_complete).
        by_id = {e.id: e for e in self.enrollments}
        self.writer.write(
            RequirementCompletion,
            (
                RequirementCompletion(
                    id=i,
                    enrollment_id=enrollment_id,
                    key=requirement_key(self.quiz_of[by_id[enrollment_id].course_id]),
                    completed_at=by_id[enrollment_id].last_activity_at,
                )
                for i, enrollment_id in enumerate(sorted(self.passed_enrollments), start=1)
            ),
        )

    def write_certificates(self) -> None:
        """One certificate per completed enrollment (the `course_completed` listener's
        work), not yet rendered: the certificates app renders them when its sweep runs."""
        seen: set[str] = set()
        rng = random.Random(self.seed + 7)
        self.certificate_codes: list[str] = []

        def certificates():
            pk = 0
            for e in self.enrollments:
                if e.status != Enrollment.Status.COMPLETED:
                    continue
                code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                while code in seen:
                    code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                seen.add(code)
                self.certificate_codes.append(code)
                pk += 1
                yield dict(
                    id=pk,
                    user_id=e.user_id,
                    course_id=e.course_id,
                    enrollment_id=e.id,
                    code=code,
                    issued_at=e.completed_at,
                    learner_name=self.full_name[e.user_id],
                    course_title=self.course_title[e.course_id],
                    instructor_names=", ".join(self.full_name[u] for u in self.instructors_of[e.course_id]),
                    pdf="",
                    rendered_at=None,
                    render_error="",
                    revoked_reason="",
                    created_at=e.completed_at,
                    updated_at=e.completed_at,
                )

        self.writer.write(Certificate, certificates())

    def reset_sequences(self) -> None:
        connection = self.writer.connection
        models = [
            User, User.groups.through, Category, Course, Course.instructors.through, Module, Lesson, Quiz, Question,
            Choice, Enrollment, LessonProgress, Attempt, Answer, RequirementCompletion, CourseRequirement,
            Certificate,
        ]  # fmt: skip
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class SeedRefused(Exception):
    """The seed was refused (production, a database that is not empty, a tier that does
    not add up); nothing was written."""


def seed_database(*, tier: str, seed: int = 1, database: str = "default", force: bool = False, stdout=None) -> dict:
    """Fill the empty `database` with `tier`; what was written and how fast."""
    stdout = stdout or sys.stdout
    if settings.IS_PRODUCTION and not force:
        raise SeedRefused(
            "seed.py creates thousands of accounts with a published password; refused in production "
            "(use a dedicated database and --force if you really mean it)."
        )
    spec = TIERS[tier]
    stdout.write(
        f"Seeding tier {tier} (seed {seed}): {spec.users:,} users, {spec.courses:,} courses, {spec.lessons:,} "
        f"lessons, {spec.enrollments:,} enrollments, {spec.progress:,} progress rows, {spec.attempts:,} attempts\n"
    )
    result = Seeder(spec, seed=seed, stdout=stdout, using=database).run()
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0
    stdout.write(
        f"Tier {tier} ready: {result['rows']:,} rows in {result['seconds']:.1f} s ({rate:,.0f} rows/s overall, "
        f"{result['write_seconds']:.1f} s writing). Every account's password is {BENCH_PASSWORD!r}.\n"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fill an empty database with a benchmark data tier (S, M or L).")
    parser.add_argument("--tier", choices=sorted(TIERS), required=True)
    parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same rows.")
    parser.add_argument("--database", default="default")
    parser.add_argument("--force", action="store_true", help="Allow running with ENVIRONMENT=production.")
    args = parser.parse_args(argv)
    try:
        seed_database(tier=args.tier, seed=args.seed, database=args.database, force=args.force)
    except SeedRefused as exc:
        raise SystemExit(f"refused: {exc}") from None


if __name__ == "__main__":
    main()
