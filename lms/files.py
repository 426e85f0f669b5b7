"""Serving files from the private storage, after the caller has checked access."""

from django.http import FileResponse, HttpResponseRedirect


def private_file_response(fieldfile, *, filename: str, content_type: str = "application/octet-stream"):
    """A download: a signed, short-lived redirect on Azure; a streamed file on local disk.
    Always `Content-Disposition: attachment`, never sniffed, never run as a page."""
    storage = fieldfile.storage
    if hasattr(storage, "azure_container"):
        url = storage.url(
            fieldfile.name,
            parameters={"content_disposition": f'attachment; filename="{filename}"', "content_type": content_type},
        )
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(fieldfile.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
