from django.urls import path

from quizzes.api import views

urlpatterns = [
    path("quizzes/", views.QuizCreateView.as_view(), name="quiz-create"),
    path("quizzes/<int:quiz_id>/", views.QuizDetailView.as_view(), name="quiz-detail"),
    path("quizzes/<int:quiz_id>/questions/", views.QuizQuestionsView.as_view(), name="quiz-questions"),
    path("quizzes/<int:quiz_id>/questions/order/", views.QuizQuestionOrderView.as_view(), name="quiz-question-order"),
    path("questions/<int:question_id>/", views.QuestionDetailView.as_view(), name="question-detail"),
    path("questions/<int:question_id>/duplicate/", views.QuestionDuplicateView.as_view(), name="question-duplicate"),
    path("quizzes/<int:quiz_id>/attempts/", views.QuizAttemptsView.as_view(), name="quiz-attempts"),
    path("attempts/<int:attempt_id>/", views.AttemptDetailView.as_view(), name="attempt-detail"),
    path("attempts/<int:attempt_id>/submit/", views.AttemptSubmitView.as_view(), name="attempt-submit"),
]
