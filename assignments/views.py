"""The assignment page: the instructions, the learner's own due date, a form to hand work
in (online text, files; a plain form post) or keep a draft, and their submissions with the
grades and feedback released to them. And the files handed in, to their learner and the
course's teachers."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assignments import selectors, services
from assignments.forms import MultipleFileField
from assignments.models import Submission
from courses import access
from lms.exceptions import ApplicationError
from lms.files import private_file_response

INLINE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "pdf": "application/pdf"}


class HandInForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Your answer"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    files = MultipleFileField(label=gettext_lazy("Files"), required=False)

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        if not assignment.accept_text:
            del self.fields["text"]
        if not assignment.accept_files:
            del self.fields["files"]
        else:
            self.fields["files"].help_text = _("Up to %(n)d files of %(mb)d MB each.") % {
                "n": assignment.max_files,
                "mb": assignment.max_file_mb,
            }


@require_http_methods(["GET", "POST"])
def assignment_detail(request, assignment_id: int):
    assignment = selectors.assignment_get_for(request.user, assignment_id)
    signed_in = request.user.is_authenticated
    submissions = list(selectors.submissions_of(request.user, assignment)) if signed_in else []
    current = next((s for s in submissions if s.status in Submission.IN_PROGRESS), None)
    form = HandInForm(initial={"text": current.text if current else ""}, assignment=assignment)
    if request.method == "POST":
        if not signed_in:
            return redirect(f"{_login_url()}?next={request.path}")
        form = HandInForm(request.POST, request.FILES, assignment=assignment)
        if form.is_valid():
            final = "_draft" not in request.POST
            try:
                services.submission_save(
                    user=request.user, assignment=assignment, text=form.cleaned_data.get("text", ""),
                    files=form.cleaned_data.get("files", []), final=final,
                    remove_files=request.POST.getlist("remove_files")[:50],
                )  # fmt: skip
            except ApplicationError as exc:
                errors = exc.extra.get("errors")
                if errors:
                    for field, problems in errors.items():
                        for problem in problems:
                            form.add_error(field if field in form.fields else None, problem)
                else:
                    messages.error(request, exc.message)
                    return redirect("assignments:detail", assignment_id=assignment.pk)
            else:
                messages.success(request, _("Your work is handed in.") if final else _("Draft saved."))
                return redirect("assignments:detail", assignment_id=assignment.pk)
    due = services.due_for(request.user, assignment) if signed_in else assignment.due_at
    closes = services.closes_for(assignment, due)
    teaching = access.can_edit_course(request.user, assignment.course)
    context = {
        "assignment": assignment,
        "form": form,
        "submissions": submissions,
        "current": current,
        "due": due,
        "closes": closes,
        "closed": closes is not None and timezone.now() > closes,
        "teaching": teaching,
        "waiting": selectors.submissions_to_grade(request.user, assignment).count() if teaching else 0,
        "can_hand_in": signed_in and not teaching and _may_hand_in(assignment, submissions),
    }
    return render(request, "assignments/detail.html", context)


def _may_hand_in(assignment, submissions: list[Submission]) -> bool:
    if any(s.status in Submission.IN_PROGRESS for s in submissions):
        return True
    handed = sum(1 for s in submissions if s.status != Submission.Status.DRAFT)
    return handed < max(assignment.max_submissions, 1)


def _login_url() -> str:
    from django.conf import settings

    return settings.LOGIN_URL


@login_required
def submission_file(request, submission_id: int, file_id: int):
    """A file handed in, to its learner, the course's teachers and staff (404 to anyone
    else); a download, or shown in the grader (`?inline=1`: images and PDFs, their type
    checked by content on upload)."""
    submission = selectors.submission_get_for(request.user, submission_id)
    found = next((f for f in submission.files.all() if f.pk == file_id), None)
    if found is None:
        raise Http404("File not found.")
    extension = found.file.name.rsplit(".", 1)[-1].lower()
    if request.GET.get("inline") and extension in INLINE_TYPES:
        response = private_file_response(
            found.file, filename=found.download_name, content_type=INLINE_TYPES[extension], inline=True
        )
        # The grader frames a PDF on this site's own page. The response's CSP sandbox
        # keeps it from running as a page; a sandboxed frame would stop the browser's
        # PDF viewer, so the frame itself is not sandboxed.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] += "; frame-ancestors 'self'"
        return response
    return private_file_response(found.file, filename=found.download_name)


@login_required
def feedback_file(request, submission_id: int, file_id: int):
    """A file returned with the feedback: to the course's teachers, and to the learner once
    the grade is released (404 to anyone else, and to the learner before)."""
    found = selectors.feedback_file_get_for(request.user, submission_id, file_id)
    return private_file_response(found.file, filename=found.download_name)
