"""Course requirements beyond lessons, contributed by other apps.

Quizzes (which depend on enrollments, not the other way round) register a provider at
start-up: `provider(course_ids) -> {course_id: {"quiz:12", ...}}` naming the extra
requirements of each course. When a learner meets one, that app calls
`enrollments.services.requirement_complete(...)` with the same key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Provider = Callable[[Iterable[int]], dict[int, set[str]]]
_providers: list[Provider] = []


def register_requirement_provider(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def extra_requirements(course_ids: Iterable[int]) -> dict[int, set[str]]:
    course_ids = list(course_ids)
    merged: dict[int, set[str]] = {course_id: set() for course_id in course_ids}
    for provider in _providers:
        for course_id, keys in provider(course_ids).items():
            merged.setdefault(course_id, set()).update(keys)
    return merged
