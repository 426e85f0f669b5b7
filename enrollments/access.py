"""Who may read a lesson's content: the rule that joins the catalog's roles
(courses.access) to enrollment, kept here because enrollments knows both and courses
must not import enrollments.

Preview lessons: anyone who can see the course. Every other lesson: learners with an
active or completed enrollment, the course's instructors and staff. Seeing a course at
all (published, or one's own draft) is courses.access.visible_courses_q's rule."""

from __future__ import annotations

from courses import access as course_access
from courses.models import Course, Lesson
from enrollments import selectors


def can_read_all_lessons(user, course: Course, *, enrolled: bool | None = None) -> bool:
    """Enrolled learners, the course's instructors and staff read every lesson.

    `enrolled`: whether `user` is enrolled in `course`, when the caller has just read the
    enrollment; None reads it. Enrollment is asked first: most readers are learners, and
    the instructor check is a query unless the instructors are prefetched."""
    if enrolled is None:
        enrolled = selectors.seated_enrollment_for(user, course_id=course.pk) is not None
    return enrolled or course_access.can_edit_course(user, course)


def can_read_lesson(user, lesson: Lesson, *, enrolled: bool | None = None) -> bool:
    """Preview lessons: anyone who can see the course (the caller found the lesson through
    courses.selectors, which says so). Others: as can_read_all_lessons."""
    return lesson.is_preview or can_read_all_lessons(user, lesson.course, enrolled=enrolled)
