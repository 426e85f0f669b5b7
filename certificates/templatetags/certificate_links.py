"""The learner's certificates, for the dashboard and a course's finish line (enrollments'
templates load this; its Python code never imports certificates)."""

from django import template

from certificates import selectors

register = template.Library()


@register.inclusion_tag("certificates/_list.html")
def my_certificates(user):
    return {"certificates": list(selectors.certificates_of(user))}


@register.inclusion_tag("certificates/_course_certificate.html")
def course_certificate(user, course):
    """The certificate of a completed course as its finish line shows it: being prepared
    (the page refreshes this part by itself), ready (download, verification link,
    LinkedIn), or revoked."""
    certificate = selectors.certificate_for_course(user, course.pk)
    ready = certificate is not None and certificate.is_ready and not certificate.is_revoked
    return {
        "certificate": certificate,
        "ready": ready,
        "linkedin_url": selectors.linkedin_add_url(certificate) if ready else "",
        "waiting": certificate is None or not (certificate.is_ready or certificate.is_revoked),
    }
