"""The public verification page and the learner's download."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from certificates import selectors
from certificates.errors import ErrorCode
from certificates.models import normalise_code
from lms.exceptions import ConflictError, NotFoundError
from lms.files import private_file_response
from lms.ratelimit import limit_page_posts


@limit_page_posts(scope="verify", methods=("GET",), limit_setting="CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE")
def verify(request, code: str):
    try:
        certificate = selectors.certificate_verify(code)
    except NotFoundError:
        return render(request, "certificates/not_found.html", {"code": code[:40]}, status=404)
    return render(request, "certificates/verify.html", {"certificate": certificate})


def lookup(request):
    """A form for a code; a code given goes to its verification page (which checks it)."""
    code = normalise_code(request.GET.get("code", ""))
    if code:
        return redirect("certificates:verify", code=code[:40])
    return render(request, "certificates/lookup.html")


@login_required
def download(request, certificate_id: int):
    try:
        certificate = selectors.certificate_pdf_for(request.user, certificate_id)
    except ConflictError as exc:  # revoked, or still being prepared: say so, with the way on
        revoked = exc.code == ErrorCode.REVOKED
        return render(request, "certificates/unavailable.html", {"revoked": revoked}, status=409)
    return private_file_response(
        certificate.pdf, filename=f"certificate-{certificate.display_code}.pdf", content_type="application/pdf"
    )
