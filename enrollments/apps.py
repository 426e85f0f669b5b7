from django.apps import AppConfig


class EnrollmentsConfig(AppConfig):
    name = "enrollments"
    verbose_name = "Enrollments"

    def ready(self) -> None:
        # Enrolled learners may read lessons: tell the courses app how to check.
        from courses.access import register_enrollment_check
        from enrollments.selectors import is_enrolled

        register_enrollment_check(is_enrolled)
