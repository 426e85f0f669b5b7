"""The quiz builder: a quiz's questions on one admin page, added in one step each (the
kind's own fields only), duplicated, deleted and put in order in place; reached from the
course builder. Every change goes through quizzes.services (reordering through the
authoring API, from static/js/builder.js)."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from lms.admin import LinesField, StyledForm
from lms.exceptions import ApplicationError
from quizzes import selectors, services
from quizzes.models import Question, Quiz

# The fields each kind of question needs in the quick form (static/js/builder.js shows
# only those; without script every field shows, and the others are ignored).
KIND_FIELDS = {
    Question.Kind.SINGLE: ["choices"],
    Question.Kind.MULTIPLE: ["choices"],
    Question.Kind.TRUE_FALSE: ["correct_bool"],
    Question.Kind.SHORT_TEXT: ["accepted_answers"],
    Question.Kind.NUMERIC: ["numeric_value", "numeric_tolerance"],
}


class QuizQuickForm(StyledForm):
    title = forms.CharField(max_length=200)


class QuestionQuickForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices, initial=Question.Kind.SINGLE)
    prompt = forms.CharField(
        label=_("Question (Markdown)"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line; start the correct ones with *"),
    )
    correct_bool = forms.TypedChoiceField(
        label=_("The statement is"),
        choices=[("true", _("True")), ("false", _("False"))],
        coerce=lambda value: value == "true",
        required=False,
        empty_value=None,
    )
    accepted_answers = LinesField(label=_("Accepted answers"), required=False, help_text=_("One per line."))
    numeric_value = forms.DecimalField(label=_("Correct value"), max_digits=18, decimal_places=6, required=False)
    numeric_tolerance = forms.DecimalField(
        label=_("Tolerance (±)"), max_digits=18, decimal_places=6, min_value=0, required=False, initial=0
    )
    points = forms.DecimalField(label=_("Points"), max_digits=6, decimal_places=2, min_value=Decimal("0.01"), initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attrs = self.fields["prompt"].widget.attrs
        attrs["data-markdown-preview"] = reverse("admin:courses_markdown_preview")
        attrs["data-preview-label"] = str(_("Preview, as learners will see it"))

    def question_data(self) -> tuple[dict, list[dict]]:
        """What quizzes.services.question_create takes: the kind's own fields, and the
        choices typed one per line (a leading * marks a correct one)."""
        data = self.cleaned_data
        kind = data["kind"]
        fields = {"kind": kind, "prompt": data["prompt"], "points": data["points"]}
        if kind == Question.Kind.TRUE_FALSE:
            fields["correct_bool"] = data.get("correct_bool")
        elif kind == Question.Kind.SHORT_TEXT:
            fields["accepted_answers"] = data.get("accepted_answers") or []
        elif kind == Question.Kind.NUMERIC:
            fields["numeric_value"] = data.get("numeric_value")
            fields["numeric_tolerance"] = data.get("numeric_tolerance") or Decimal(0)
        choices = []
        if kind in services.CHOICE_KINDS:
            for line in (data.get("choices") or "").splitlines():
                text = line.strip()
                correct = text.startswith("*")
                text = text.lstrip("*").strip()
                if text:
                    choices.append({"text": text[:500], "is_correct": correct})
        return fields, choices


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def quick_add_view(request, modules):
    """POST from the course builder: a quiz on one of `modules` (the requester's), then its
    builder, where questions are added."""
    module = modules.filter(pk=_int(request.POST.get("module"))).first() if request.method == "POST" else None
    back = _safe_next(request, reverse("admin:index"))
    if module is None:
        messages.error(request, _("That module is not one of your courses'."))
        return HttpResponseRedirect(back)
    form = QuizQuickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the quiz a title."))
        return HttpResponseRedirect(back)
    try:
        quiz = services.quiz_create(data={"module": module, "title": form.cleaned_data["title"]})
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(request, _("Quiz “%(title)s” added: now its questions.") % {"title": quiz.title})
    return HttpResponseRedirect(reverse("admin:quizzes_quiz_builder", args=[quiz.pk]))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _key_summary(question: Question) -> str:
    if question.kind in services.CHOICE_KINDS:
        return " · ".join(("✓ " if c.is_correct else "") + c.text for c in question.choices.all())
    if question.kind == Question.Kind.TRUE_FALSE:
        return str(_("True")) if question.correct_bool else str(_("False"))
    if question.kind == Question.Kind.SHORT_TEXT:
        return " | ".join(question.accepted_answers or [])
    if question.kind == Question.Kind.NUMERIC:
        return f"{question.numeric_value} ± {question.numeric_tolerance}"
    return ""


def builder_view(request, quiz: Quiz, *, context: dict):
    here = reverse("admin:quizzes_quiz_builder", args=[quiz.pk])
    form = QuestionQuickForm()
    if request.method == "POST":
        do = request.POST.get("do", "")
        try:
            if do == "add_question":
                form = QuestionQuickForm(request.POST)
                if form.is_valid():
                    data, choices = form.question_data()
                    try:
                        question = services.question_create(quiz=quiz, data=data, choices=choices)
                    except ApplicationError as exc:
                        for field, errors in (exc.extra.get("errors") or {"__all__": [exc.message]}).items():
                            for error in errors:
                                form.add_error(field if field in form.fields else None, error)
                    else:
                        messages.success(request, _("Question added."))
                        return HttpResponseRedirect(f"{here}#question-{question.pk}")
            elif do in ("duplicate_question", "delete_question"):
                question = quiz.questions.filter(pk=_int(request.POST.get("question"))).first()
                if question is None:
                    messages.error(request, _("That question is no longer in this quiz."))
                    return HttpResponseRedirect(here)
                if do == "duplicate_question":
                    copy = services.question_duplicate(question=question)
                    messages.success(request, _("Question duplicated."))
                    return HttpResponseRedirect(f"{here}#question-{copy.pk}")
                services.question_delete(question=question)
                messages.success(request, _("Question deleted."))
                return HttpResponseRedirect(here)
            else:
                return HttpResponseRedirect(here)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(here)
    questions = [
        {
            "question": q,
            "excerpt": Truncator(strip_tags(q.prompt_html)).chars(140),
            "key": _key_summary(q),
            "admin_url": reverse("admin:quizzes_question_change", args=[q.pk]),
        }
        for q in selectors.questions_for_edit(quiz)
    ]
    context = {
        **context,
        "title": _("Questions of “%(title)s”") % {"title": quiz.title},
        "quiz": quiz,
        "questions": questions,
        "form": form,
        "kind_fields": json.dumps({str(k): v for k, v in KIND_FIELDS.items()}),
        "order_url": reverse("quiz-question-order", kwargs={"quiz_id": quiz.pk}),
        "course_builder_url": reverse("admin:courses_course_builder", args=[quiz.course_id]),
        "change_url": reverse("admin:quizzes_quiz_change", args=[quiz.pk]),
        "learner_url": quiz.get_absolute_url(),
    }
    # A refused form is shown again with its errors, as the admin's own forms are (200).
    return TemplateResponse(request, "admin/quizzes/builder.html", context)
