"""The download link of an export, for the signed-in person who asked for it (the link
in the admin and in the "ready" email); the instructor home's "remind" button; one learner
in one course, for their instructor (the enrollments list's "Details")."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from courses import access
from enrollments import services as enrollment_services
from lms.exceptions import ConflictError
from lms.files import private_file_response
from reports import analytics, selectors, services


@require_GET
@login_required
def download(request, export_id: int):
    export = selectors.export_list_for(request.user).filter(pk=export_id).first()
    if export is None:
        raise Http404("No such export.")
    try:
        fieldfile = services.export_ready_file(export=export)
    except ConflictError as exc:
        return render(request, "reports/not_ready.html", {"export": export, "message": exc.message}, status=409)
    return private_file_response(fieldfile, filename=export.filename, content_type=export.content_type)


@require_POST
@login_required
def remind(request):
    """Remind the learners ticked in the at-risk list (enrollments.services.enrollment_remind
    keeps to the sender's own courses and sends once a day at most)."""
    if not access.can_use_instructor_admin(request.user):
        raise Http404("No such page.")
    ids = [int(v) for v in request.POST.getlist("enrollment") if v.isdigit() and len(v) < 12]
    reminded = enrollment_services.enrollment_remind(enrollment_ids=ids, by=request.user)
    sent, skipped = reminded.sent, reminded.already
    messages.success(request, ngettext("%(n)d reminder sent.", "%(n)d reminders sent.", sent) % {"n": sent})
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(n)d learner was already reminded today.", "%(n)d learners were already reminded today.", skipped
            )
            % {"n": skipped},
        )
    return redirect("admin:index")


@require_GET
@login_required
def learner(request, enrollment_id: int):
    """Lessons done, attempts and scores, last activity: 404 unless you teach the course."""
    detail = analytics.learner_in_course(request.user, enrollment_id)
    if detail is None:
        raise Http404("No such enrollment.")
    enrollment = detail.enrollment
    context = {
        **admin.site.each_context(request),
        "title": f"{enrollment.user.display_name or enrollment.user.email} \u2014 {enrollment.course.title}",
        "detail": detail,
    }
    return render(request, "reports/learner.html", context)
