from django.urls import path

from quizzes.api import views

urlpatterns = [
    path("quizzes/<int:quiz_id>/", views.QuizDetailView.as_view(), name="quiz-detail"),
    path("quizzes/<int:quiz_id>/attempts/", views.QuizAttemptsView.as_view(), name="quiz-attempts"),
    path("attempts/<int:attempt_id>/", views.AttemptDetailView.as_view(), name="attempt-detail"),
    path("attempts/<int:attempt_id>/submit/", views.AttemptSubmitView.as_view(), name="attempt-submit"),
]
