"""Serving files from the private storage, after the caller has checked access."""

import re

from django.http import FileResponse, HttpResponse, HttpResponseRedirect


def private_file_response(
    fieldfile, *, filename: str, content_type: str = "application/octet-stream", inline: bool = False
):
    """A download: a signed, short-lived redirect on Azure; a streamed file on local disk.
    `Content-Disposition: attachment` (`inline` for an image shown in a page, with its
    checked type), never sniffed, never run as a page."""
    storage = fieldfile.storage
    disposition = "inline" if inline else "attachment"
    if hasattr(storage, "azure_container"):
        url = storage.url(
            fieldfile.name,
            parameters={"content_disposition": f'{disposition}; filename="{filename}"', "content_type": content_type},
        )
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            fieldfile.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


_BYTES_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def private_media_response(request, fieldfile, *, content_type: str):
    """A video to play in the page: a signed, short-lived redirect on Azure (which answers
    Range requests itself); from local disk, the whole file or the one byte range asked
    for (206), so that a player can seek. Inline, never sniffed, never run as a page."""
    storage = fieldfile.storage
    if hasattr(storage, "azure_container"):
        url = storage.url(fieldfile.name, parameters={"content_disposition": "inline", "content_type": content_type})
        response = HttpResponseRedirect(url)
    else:
        size = fieldfile.size
        match = _BYTES_RANGE.match(request.headers.get("Range", "").strip())
        if match and (match.group(1) or match.group(2)):
            first, last = match.group(1), match.group(2)
            if first:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            else:  # the last N bytes
                start, end = max(0, size - int(last)), size - 1
            if start >= size or start > end:
                response = HttpResponse(status=416)
                response["Content-Range"] = f"bytes */{size}"
            else:
                with fieldfile.open("rb") as handle:
                    handle.seek(start)
                    chunk = handle.read(min(end - start + 1, _RANGE_CHUNK))
                response = HttpResponse(chunk, status=206, content_type=content_type)
                response["Content-Range"] = f"bytes {start}-{start + len(chunk) - 1}/{size}"
        else:
            response = FileResponse(fieldfile.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# A range answered at most this long at once (players ask again for the rest): a request
# for "bytes=0-" of a large video never reads it all into memory.
_RANGE_CHUNK = 4 * 1024 * 1024
