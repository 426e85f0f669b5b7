import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from courses.models import Course, private_storage
from enrollments.models import Enrollment
from lms.models import TimeStampedModel

# Crockford's base32 without I, L, O, U: no 0/O or 1/I/L confusion when typed.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 characters of 5 bits: 80 bits of randomness


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    """Accept what people type: any case, spaces and dashes, O for 0 and I/L for 1."""
    cleaned = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


class Certificate(TimeStampedModel):
    """Proof that a learner completed a course, verifiable by anyone by its code.

    Names and titles are copied at issue, so the certificate reads as it was issued
    whatever happens to the account or the course later. PROTECT everywhere: deleting a
    user or course that holds certificates is refused (accounts are deactivated instead).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    issued_at = models.DateTimeField(_("issued at"))
    learner_name = models.CharField(_("learner name"), max_length=300)
    course_title = models.CharField(_("course title"), max_length=200)
    instructor_names = models.CharField(_("instructors"), max_length=500, blank=True)
    # The course grade as it was at issue ("87.50% (B)"), when the course shows it.
    final_grade = models.CharField(_("final grade"), max_length=40, blank=True)
    pdf = models.FileField(upload_to="certificates/", storage=private_storage, blank=True, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Why the PDF could not be made (the sweep leaves these alone).
    render_error = models.TextField(blank=True, editable=False)
    # When the learner's account was erased: the name is withheld and the PDF, which
    # printed it, deleted; such a certificate is never rendered again (certificates.services).
    name_withheld_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="certificate_one_per_user_course"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""), name="certificate_revocation_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} · {self.learner_name} · {self.course_title}"

    def get_absolute_url(self) -> str:
        return reverse("certificates:verify", kwargs={"code": self.code})

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    @property
    def verification_url(self) -> str:
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_ready(self) -> bool:
        return bool(self.pdf) and self.rendered_at is not None
