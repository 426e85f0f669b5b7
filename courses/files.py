"""Serving private course files."""

from django.http import FileResponse, HttpResponseRedirect

from courses.models import Attachment


def attachment_response(attachment: Attachment):
    """A download response: a signed short-lived redirect on Azure, a streamed file on
    local disk; either way `Content-Disposition: attachment`, never sniffed or run as
    HTML. Callers check access first."""
    storage = attachment.file.storage
    filename = attachment.download_name
    if hasattr(storage, "azure_container"):
        url = storage.url(
            attachment.file.name, parameters={"content_disposition": f'attachment; filename="{filename}"'}
        )
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=filename, content_type="application/octet-stream"
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
