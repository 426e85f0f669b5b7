import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.validators import AVATAR_FORMATS, avatar_format, validate_avatar


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value}, code="invalid")


def avatar_upload_to(instance: "User", filename: str) -> str:
    """A random name with the extension of the image's real format: the uploaded name
    (path tricks, double extensions) is never used."""
    try:
        extension = AVATAR_FORMATS[avatar_format(instance.avatar.file)]
    except Exception:
        extension = "img"
    return f"avatars/{uuid.uuid4().hex}.{extension}"


def normalize_email(email: str) -> str:
    """Emails are stored lower-cased and trimmed: one account per address, whatever its case."""
    return (email or "").strip().lower()


class UserManager(DjangoUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.ADMIN)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser needs is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))


class User(AbstractUser):
    """A person who signs in with their email address.

    `role` says what they do on the platform: learners learn, instructors teach (with
    staff access to the admin limited to their own courses), admins run the site.
    """

    class Role(models.TextChoices):
        LEARNER = "learner", _("Learner")
        INSTRUCTOR = "instructor", _("Instructor")
        ADMIN = "admin", _("Admin")

    username = None
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.LEARNER, db_index=True)
    bio = models.TextField(_("bio"), blank=True, max_length=2000)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True, validators=[validate_avatar])
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    # Pages and emails in this language; empty: the browser's (pages) or the site's (emails).
    language = models.CharField(_("language"), max_length=8, blank=True, default="", choices=settings.LANGUAGES)
    # Tokens issued before this moment are refused: a password change ends every session.
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    welcome_email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["learner", "instructor", "admin"]), name="accounts_user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email.split("@", 1)[0]

    @property
    def initials(self) -> str:
        """One or two letters for an avatar placeholder: first and last name, else the email."""
        letters = "".join(part[0] for part in (self.first_name, self.last_name) if part)
        return (letters or self.email[:1]).upper()[:2]

    @property
    def is_instructor(self) -> bool:
        return self.role == self.Role.INSTRUCTOR

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def has_full_access(self) -> bool:
        """Staff in the roles table: admins (and superusers) see and edit everything.
        Instructors also have `is_staff` (to reach the admin) but only for their courses."""
        return self.is_active and (self.is_superuser or self.role == self.Role.ADMIN)
