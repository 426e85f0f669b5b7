"""Profile one page or API call in-process on a seeded benchmark database: its queries
(with their times) and where its Python time goes (cProfile), as a bench learner.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \\
        .venv/bin/python benchmarks/profile_view.py /courses/benchmark-big-course/lessons/250/
    ... profile_view.py --method POST --repeat 20 /api/v1/lessons/250/complete/

Runs through Django's test client (no network, no gunicorn): the figures are for
comparing code, not for throughput, which benchmarks/run.py measures.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import itertools
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# As benchmarks/run.py does: repeated calls by one learner must not be answered by a 429.
os.environ.setdefault("RATE_LIMIT_REQUESTS_PER_MINUTE", "1000000000")
os.environ.setdefault("RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE", "1000000000")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import User  # noqa: E402
from benchmarks.seed import BIG_COURSE_SLUG  # noqa: E402
from enrollments.models import Enrollment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--learner", type=int, default=0, help="which bench learner (0 = the first)")
    parser.add_argument("--instructor", action="store_true", help="as the big course's first instructor")
    parser.add_argument("--top", type=int, default=30, help="functions to list")
    parser.add_argument(
        "--unique", action="store_true", help="a new v=<n> query parameter on every call (misses every cache)"
    )
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime, ...")
    args = parser.parse_args()

    user_id = (
        Enrollment.objects.filter(course__slug=BIG_COURSE_SLUG, status=Enrollment.Status.ACTIVE)
        .order_by("user_id")
        .values_list("user_id", flat=True)[args.learner]
    )
    user = User.objects.get(pk=user_id)
    if args.instructor:
        user = User.objects.filter(taught_courses__slug=BIG_COURSE_SLUG).order_by("pk").first()
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"} if args.path.startswith("/api/") else {}

    calls = itertools.count()
    run = uuid.uuid4().hex[:8]  # not the values of an earlier run, which the cache may hold

    statuses: collections.Counter[int] = collections.Counter()

    def call():
        path = args.path
        if args.unique:
            path += ("&" if "?" in path else "?") + f"v={run}-{next(calls)}"
        response = getattr(client, args.method.lower())(path, **headers)
        statuses[response.status_code] += 1
        return response

    response = call()
    print(f"{args.method} {args.path} as {user.email}: {response.status_code}, {len(response.content):,} bytes")
    with CaptureQueriesContext(connection) as queries:
        call()
    print(f"\n{len(queries.captured_queries)} queries:")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
    times, cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    print(f"\n{args.repeat} calls: median {statistics.median(times):.1f} ms, fastest {min(times):.1f} ms")
    # This process's CPU time only (not the database's): steadier than the wall clock on a
    # shared machine, for comparing the Python side of two builds.
    print(f"CPU in this process: median {statistics.median(cpu):.1f} ms, least {min(cpu):.1f} ms")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.repeat):
        call()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    print(f"statuses: {dict(statuses)}")


if __name__ == "__main__":
    main()
