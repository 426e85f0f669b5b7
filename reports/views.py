"""The download link of an export, for the signed-in person who asked for it (the link
in the admin and in the "ready" email)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lms.exceptions import ConflictError
from lms.files import private_file_response
from reports import selectors, services


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
    return private_file_response(fieldfile, filename=export.filename, content_type="text/csv; charset=utf-8")
