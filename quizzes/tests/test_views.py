"""Quiz pages work as plain form posts (no JavaScript needed)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from quizzes.models import Attempt, Quiz

pytestmark = pytest.mark.django_db


def _form_data(attempt, *, right=True) -> dict:
    data = {}
    for q in attempt.paper:
        field = f"q_{q['id']}"
        if q["kind"] == "single":
            data[field] = str(next(c["id"] for c in q["choices"] if c["is_correct"] is right))
        elif q["kind"] == "multiple":
            data[field] = [str(c["id"]) for c in q["choices"] if c["is_correct"]]
        elif q["kind"] == "true_false":
            data[field] = "true" if q["correct_bool"] else "false"
        elif q["kind"] == "short_text":
            data[field] = "  " + q["accepted_answers"][0].upper()
        elif q["kind"] == "numeric":
            data[field] = q["numeric_value"].replace(".", ",")
    return data


def test_learner_takes_a_quiz_with_plain_form_posts(client, quiz, learner):
    client.force_login(learner)
    page = client.get(f"/quizzes/{quiz.pk}/")
    assert page.status_code == 200 and b"Start an attempt" in page.content
    started = client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(user=learner)
    assert started["Location"] == f"/attempts/{attempt.pk}/"
    form = client.get(f"/attempts/{attempt.pk}/")
    assert b'name="action" value="submit"' in form.content
    assert b"is_correct" not in form.content and b"correct_bool" not in form.content
    saved = client.post(f"/attempts/{attempt.pk}/", {**_form_data(attempt), "action": "save"})
    assert saved.status_code == 302
    assert attempt.answers.count() == 5
    client.post(f"/attempts/{attempt.pk}/", {**_form_data(attempt), "action": "submit"})
    attempt.refresh_from_db()
    assert (attempt.status, attempt.passed) == ("submitted", True)
    result = client.get(f"/attempts/{attempt.pk}/")
    assert b"Passed" in result.content and b"Review" in result.content


def test_submitting_the_page_after_the_deadline_grades_what_was_saved(client, quiz, learner):
    Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=5)
    client.force_login(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(user=learner)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = client.post(f"/attempts/{attempt.pk}/", {**_form_data(attempt), "action": "submit"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert attempt.score == 0  # nothing was saved before the deadline
    assert attempt.submitted_at == attempt.deadline


def test_another_learner_cannot_open_or_post_an_attempt(client, quiz, learner):
    client.force_login(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(user=learner)
    client.force_login(UserFactory())
    assert client.get(f"/attempts/{attempt.pk}/").status_code == 404
    assert client.post(f"/attempts/{attempt.pk}/", {"action": "submit"}).status_code == 404


def test_unenrolled_learner_gets_a_message_not_an_attempt(client, quiz):
    client.force_login(UserFactory())
    response = client.post(f"/quizzes/{quiz.pk}/start/", follow=True)
    assert b"Enrol in this course" in response.content
    assert not Attempt.objects.exists()


def test_quiz_page_for_anonymous_invites_login(client, quiz):
    response = client.get(f"/quizzes/{quiz.pk}/")
    assert response.status_code == 200
    assert b"Log in to take this quiz" in response.content


def test_an_explanation_in_the_review_is_rendered_markdown_and_sanitised(client, quiz, learner):
    quiz.questions.update(explanation="A **change** of <script>alert(1)</script>mind")
    client.force_login(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(user=learner)
    client.post(f"/attempts/{attempt.pk}/", {**_form_data(attempt), "action": "submit"})
    body = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "<strong>change</strong>" in body
    assert "**change**" not in body
    assert "<script>alert(1)</script>" not in body


def _submitted(client, quiz, learner, *, right: bool):
    client.force_login(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.filter(user=learner).order_by("-number").first()
    answers = _form_data(attempt) if right else {}  # nothing answered: 0 %
    client.post(f"/attempts/{attempt.pk}/", {**answers, "action": "submit"})
    return client.get(f"/attempts/{attempt.pk}/").content.decode()


def test_a_failed_attempt_looks_failed_and_says_how_many_attempts_are_left(client, quiz, learner):
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=3)
    page = _submitted(client, quiz, learner, right=False)
    result = page.split('aria-labelledby="result-heading"')[1].split("</section>")[0]
    assert "result-failed" in page and "✗" in result and "Not passed" in result  # colour, icon and words
    assert "You have 2 attempts left" in result and "Try again" in result
    assert f'action="/quizzes/{quiz.pk}/start/"' in result


def test_a_failed_last_attempt_offers_no_retry(client, quiz, learner):
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=1)
    result = _submitted(client, quiz, learner, right=False).split('aria-labelledby="result-heading"')[1]
    result = result.split("</section>")[0]
    assert "You have no attempts left" in result and "Try again" not in result


def test_a_passed_attempt_looks_passed_and_leads_on_to_the_next_step(client, quiz, learner):
    page = _submitted(client, quiz, learner, right=True)
    result, after = page.split('aria-labelledby="result-heading"')[1].split("</section>", 1)
    assert "result-passed" in page and "✓" in result and "Passed" in result and "Try again" not in result
    lesson = quiz.course.lessons.get()  # the course's one lesson is left
    assert f'href="/courses/{quiz.course.slug}/lessons/{lesson.pk}/">Continue: {lesson.title}' in after


def test_the_attempt_form_counts_the_questions_answered_and_offers_the_navigator(client, quiz, learner):
    client.force_login(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(user=learner)
    first = attempt.paper[0]
    client.post(
        f"/attempts/{attempt.pk}/", {f"q_{first['id']}": _form_data(attempt)[f"q_{first['id']}"], "action": "save"}
    )
    page = client.get(f"/attempts/{attempt.pk}/").content.decode()
    total = len(attempt.paper)
    assert f"1 of {total} answered" in page
    nav = page.split('class="quiz-nav-list"')[1].split("</ol>")[0]
    assert nav.count('href="#question-') == total
    assert f'data-nav-for="{first["id"]}" class="answered"' in nav and "(answered)" in nav and "(not answered)" in nav
    assert 'id="question-1"' in page and "submit anyway?" in page
