from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self) -> None:
        # Required quizzes count toward course completion.
        from enrollments.requirements import register_requirement_provider
        from quizzes import signals  # noqa: F401  (receivers)
        from quizzes.selectors import required_quiz_keys

        register_requirement_provider(required_quiz_keys)
