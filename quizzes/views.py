"""Quiz pages: the start page, the attempt form (plain form posts; JavaScript only adds a
countdown and autosave), and the result page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.exceptions import ApplicationError
from lms.validation import whole_number
from quizzes import presentation, selectors, services
from quizzes.models import Attempt
from quizzes.presentation import quiz_payload


def quiz_detail(request, quiz_id: int):
    quiz = selectors.quiz_get_for(request.user, quiz_id)
    attempts = list(selectors.attempts_of(request.user, quiz)) if request.user.is_authenticated else []
    context = {"quiz": quiz, "info": quiz_payload(quiz, request.user), "attempts": attempts}
    return render(request, "quizzes/detail.html", context)


@login_required
@require_POST
def quiz_start(request, quiz_id: int):
    quiz = selectors.quiz_get_for(request.user, quiz_id)
    try:
        attempt, _created = services.attempt_start(user=request.user, quiz=quiz)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("quizzes:detail", quiz_id=quiz.pk)
    return redirect("quizzes:attempt", attempt_id=attempt.pk)


def _answers_from_form(paper: list[dict], data) -> dict:
    answers = {}
    for question in paper:
        field = f"q_{question['id']}"
        kind = question["kind"]
        if kind == "multiple":
            values = data.getlist(field)
            if values:
                numbers = [whole_number(v) for v in values]
                answers[question["id"]] = {"choices": values if None in numbers else numbers}
            continue
        raw = data.get(field, "").strip() if kind != "short_text" else data.get(field, "")
        if raw == "":
            continue
        if kind == "single":
            number = whole_number(raw)
            answers[question["id"]] = {"choice": raw if number is None else number}
        elif kind == "true_false":
            answers[question["id"]] = {"value": {"true": True, "false": False}.get(raw, raw)}
        elif kind == "short_text":
            answers[question["id"]] = {"text": raw}
        elif kind == "numeric":
            answers[question["id"]] = {"value": raw.replace(",", ".")}
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def attempt_page(request, attempt_id: int):
    attempt = selectors.attempt_get_for(request.user, attempt_id)
    own = attempt.user_id == request.user.pk
    if request.method == "POST":
        if not own:
            raise Http404("Attempt not found.")
        action = request.POST.get("action", "save")
        try:
            if attempt.status == Attempt.Status.IN_PROGRESS:
                services.attempt_save_answers(attempt=attempt, answers=_answers_from_form(attempt.paper, request.POST))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            if exc.code != "deadline_passed":
                return redirect("quizzes:attempt", attempt_id=attempt.pk)
            action = "submit"  # time is up: grade what was saved before the deadline
        if action == "submit":
            services.attempt_submit(attempt=attempt)
            messages.success(request, _("Your answers were submitted."))
        else:
            messages.success(request, _("Your answers are saved."))
        return redirect("quizzes:attempt", attempt_id=attempt.pk)
    paper = presentation.paper_for(attempt, request.user)
    for question in paper["questions"]:
        question["answered"] = presentation.is_answered(question["response"])
    answered = sum(1 for question in paper["questions"] if question["answered"])
    context = {"attempt": attempt, "paper": paper, "quiz": attempt.quiz, "own": own, "answered": answered}
    if own and attempt.status == Attempt.Status.SUBMITTED:  # what to do next: try again, or move on
        context["stats"] = selectors.quiz_stats_for(request.user, attempt.quiz)
    return render(request, "quizzes/attempt.html", context)
