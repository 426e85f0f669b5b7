"""The public verification page and the learner's download."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from certificates import selectors
from lms.exceptions import NotFoundError
from lms.files import private_file_response
from lms.ratelimit import limit_page_posts


@limit_page_posts(scope="verify", methods=("GET",), limit_setting="CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE")
def verify(request, code: str):
    try:
        certificate = selectors.certificate_verify(code)
    except NotFoundError:
        return render(request, "certificates/not_found.html", {"code": code[:40]}, status=404)
    return render(request, "certificates/verify.html", {"certificate": certificate})


@login_required
def download(request, certificate_id: int):
    certificate = selectors.certificate_get_own(request.user, certificate_id)
    if not certificate.is_ready:
        raise Http404("The certificate is still being prepared.")
    return private_file_response(
        certificate.pdf, filename=f"certificate-{certificate.display_code}.pdf", content_type="application/pdf"
    )
