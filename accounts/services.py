"""Account rules: registration, roles, profile, login throttling, tokens, passwords.

Every interface (API, pages, admin, tasks) calls these functions; none of them sees a
request or raises an HTTP error.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext, gettext_noop
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.errors import ErrorCode
from accounts.models import User, normalize_email
from accounts.signals import user_erased
from accounts.tokens import access_token_blacklist
from lms import events, metrics
from lms.exceptions import ApplicationError, AuthenticationFailedError, RateLimitedError

logger = logging.getLogger(__name__)

INSTRUCTORS_GROUP = "Instructors"
INVALID_CREDENTIALS = "No active account found with the given credentials."


def _field_error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError("Invalid input.", code=code, extra={"errors": {field: [message]}})


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(
            "Invalid input.", code=ErrorCode.INVALID, extra={"errors": {"password": exc.messages}}
        ) from exc


# --- registration and roles ---------------------------------------------------------


@transaction.atomic
def user_register(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create a learner account. The email is unique whatever its case; Django's password
    validators apply. After commit: the registration counter moves and the welcome
    email is queued."""
    email = normalize_email(email)
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip(), role=User.Role.LEARNER)
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with this email address already exists."]
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ApplicationError("Invalid input.", code=ErrorCode.INVALID, extra={"errors": errors})
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise _field_error("email", "A user with this email address already exists.", code=ErrorCode.UNIQUE) from exc

    from accounts import tasks

    transaction.on_commit(metrics.USER_REGISTRATIONS.inc)
    events.emit(
        "user.registered",
        {"user_id": user.pk, "email": user.email, "first_name": user.first_name, "last_name": user.last_name},
    )
    tasks.welcome_email_send.delay_on_commit(user.pk)
    logger.info("user_registered", extra={"user_id": user.pk})
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    """Give `user` a role. The flags follow from it: instructors and admins reach the
    admin, admins are superusers, instructors are in the Instructors group (which holds
    their model permissions)."""
    if role not in User.Role.values:
        raise _field_error("role", f"Unknown role {role!r}.")
    user.role = role
    user.is_staff = role in (User.Role.INSTRUCTOR, User.Role.ADMIN)
    user.is_superuser = role == User.Role.ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser", "updated_at"])
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    if role == User.Role.INSTRUCTOR:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    logger.info("user_role_set", extra={"user_id": user.pk, "role": role})
    return user


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Deactivate an account: it can no longer log in, and its refresh tokens stop working."""
    user.is_active = False
    user.save(update_fields=["is_active", "updated_at"])
    tokens_revoke_all(user=user)
    return user


@transaction.atomic
def user_update_profile(*, user: User, data: Mapping, current_password: str | None = None) -> User:
    """Update name, bio, avatar, time zone and language. Changing the email needs the
    current password, and the new address must be free."""
    user = User.objects.select_for_update().get(pk=user.pk)
    fields = []
    for name in ("first_name", "last_name", "bio", "time_zone", "language", "avatar"):
        if name in data:
            setattr(user, name, data[name])
            fields.append(name)
    if "email" in data and normalize_email(data["email"]) != user.email:
        if not current_password or not user.check_password(current_password):
            raise _field_error("current_password", "Enter your current password to change your email.")
        new_email = normalize_email(data["email"])
        if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
            raise _field_error("email", "A user with this email address already exists.", code=ErrorCode.UNIQUE)
        user.email = new_email
        fields.append("email")
    if not fields:
        return user
    try:
        user.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        relevant = {k: v for k, v in exc.message_dict.items() if k in fields}
        if relevant:
            raise ApplicationError("Invalid input.", code=ErrorCode.INVALID, extra={"errors": relevant}) from exc
    user.save(update_fields=[*fields, "updated_at"])
    return user


@transaction.atomic
def user_erase(*, user: User, password: str) -> User:
    """Delete my account (GDPR erasure). The person's data goes: email, names, bio,
    avatar, password; they can no longer log in, and every token is revoked. The learning
    records stay (anonymised, so course statistics and certificates remain true), and
    certificates stay verifiable with the name withheld (certificates listen to
    `user_erased`)."""
    if not user.check_password(password):
        raise _field_error("password", "Enter your current password to delete your account.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.avatar:
        user.avatar.delete(save=False)
    user.email = f"erased-{uuid.uuid4().hex}@invalid.invalid"
    user.first_name = user.last_name = user.bio = ""
    user.avatar = ""
    user.is_active = False
    user.set_unusable_password()
    user.password_changed_at = timezone.now()
    user.save()
    user.groups.clear()
    tokens_revoke_all(user=user)
    transaction.on_commit(lambda: user_erased.send(sender=User, user_id=user.pk))
    logger.info("user_erased", extra={"user_id": user.pk})
    return user


# --- login throttling ----------------------------------------------------------------


def _lock_keys(email: str, ip: str) -> list[tuple[str, int]]:
    account = hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
    return [
        (f"login-fail:acct:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT),
        (f"login-fail:ip:{ip}", settings.LOGIN_FAILURES_PER_CLIENT),
    ]


def _login_locked_for(keys: list[tuple[str, int]]) -> int:
    cache = caches["ratelimit"]
    now = time.time()
    locked_until = max((cache.get(f"{key}:lock") or 0) for key, _ in keys)
    return int(locked_until - now + 0.999) if locked_until > now else 0


def _record_login_failure(keys: list[tuple[str, int]]) -> None:
    cache = caches["ratelimit"]
    cooldown = settings.LOGIN_LOCKOUT_SECONDS
    for key, limit in keys:
        cache.add(key, 0, timeout=cooldown)
        if cache.incr(key) >= limit:
            cache.set(f"{key}:lock", time.time() + cooldown, timeout=cooldown)
            cache.delete(key)


def user_authenticate(*, email: str, password: str, client_ip: str) -> User:
    """Check credentials with brute-force protection.

    After LOGIN_FAILURES_PER_ACCOUNT failures for one account, or LOGIN_FAILURES_PER_CLIENT
    from one address, further attempts are refused for LOGIN_LOCKOUT_SECONDS, even with
    the right password. Unknown email, wrong password and inactive account get the same
    message. When the counters cannot be reached (Redis down) logins still work.
    """
    keys = _lock_keys(email, client_ip)
    try:
        locked = _login_locked_for(keys)
    except Exception:
        logger.warning("login_throttle_unavailable", exc_info=True)
        keys, locked = [], 0
    if locked:
        raise RateLimitedError(
            "Too many failed login attempts. Try again later.", retry_after=locked, code=ErrorCode.LOGIN_LOCKED
        )
    user = authenticate(None, email=normalize_email(email), password=password)
    if user is None:
        try:
            _record_login_failure(keys)
        except Exception:
            logger.warning("login_throttle_unavailable", exc_info=True)
        logger.info("login_failed", extra={"client_ip": client_ip})
        raise AuthenticationFailedError(INVALID_CREDENTIALS, code=ErrorCode.NO_ACTIVE_ACCOUNT)
    return user


# --- tokens ----------------------------------------------------------------------------


def tokens_issue(*, user: User) -> dict[str, str]:
    """A new refresh/access pair for `user` (recorded as outstanding, so it can be revoked)."""
    refresh = RefreshToken.for_user(user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def tokens_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: a new pair, and the old refresh token blacklisted.

    The outstanding row is locked while the token is checked and blacklisted, so two
    concurrent uses of one refresh token yield one new pair; the loser gets 401.
    """
    invalid = AuthenticationFailedError("Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID)
    with transaction.atomic():
        try:
            token = RefreshToken(refresh, verify=True)
        except TokenError as exc:
            raise invalid from exc
        jti = token[settings.SIMPLE_JWT.get("JTI_CLAIM", "jti")]
        outstanding = OutstandingToken.objects.select_for_update(of=("self",)).filter(jti=jti).first()
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            raise invalid
        user = User.objects.filter(pk=token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"]), is_active=True).first()
        if user is None:
            raise AuthenticationFailedError(INVALID_CREDENTIALS, code=ErrorCode.NO_ACTIVE_ACCOUNT)
        BlacklistedToken.objects.create(token=outstanding)
        new_refresh = RefreshToken.for_user(user)
    return {"refresh": str(new_refresh), "access": str(new_refresh.access_token)}


def tokens_logout(*, user: User, refresh: str, access_jti: str | None, access_expires_at: int | None) -> None:
    """Revoke the refresh token and, when ACCESS_TOKEN_BLACKLIST_ENABLED, the access token
    in use, at once on every API instance."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise _field_error("refresh", "Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID) from exc
    if str(token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])) != str(user.pk):
        raise _field_error("refresh", "Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID)
    token.blacklist()
    if settings.ACCESS_TOKEN_BLACKLIST_ENABLED and access_jti and access_expires_at:
        try:
            access_token_blacklist(jti=access_jti, expires_at=access_expires_at)
        except Exception:
            # The refresh token is revoked in the database either way; the access token
            # then lives out its short lifetime.
            logger.warning("access_token_blacklist_unavailable", extra={"during": "logout"}, exc_info=True)


def tokens_revoke_all(*, user: User) -> int:
    """Blacklist every outstanding refresh token of `user`."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(created)


def tokens_flush_expired() -> int:
    """Delete refresh tokens past their expiry (and their blacklist rows): they can no
    longer be used, so they only take space."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# --- passwords ----------------------------------------------------------------------------


@transaction.atomic
def user_set_password(*, user: User, password: str) -> User:
    """Set a new password and end every session: refresh tokens are blacklisted and access
    tokens issued before now are refused."""
    _validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at", "updated_at"])
    tokens_revoke_all(user=user)
    return user


def password_reset_request(*, email: str) -> None:
    """Queue a reset email when an active account has this address. Says nothing either
    way, so the answer cannot be used to find out who has an account."""
    from accounts import tasks

    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).only("pk").first()
    if user is not None:
        tasks.password_reset_email_send.delay_on_commit(user.pk)


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The user a reset link belongs to, if the link is still valid."""
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist, ValidationError):
        return None
    return user if default_token_generator.check_token(user, token) else None


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link then stops working."""
    user = password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        raise _field_error("token", "The reset link is invalid or has expired.", code=ErrorCode.INVALID_TOKEN)
    return user_set_password(user=user, password=new_password)


# --- emails --------------------------------------------------------------------------------


def welcome_email_send(*, user_id: int) -> bool:
    """Send the welcome email once: the sent mark is set in the same transaction that
    holds the row lock, so a task delivered twice sends one email."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or user.welcome_email_sent_at is not None:
            return False
        context = {"user": user, "site_url": settings.SITE_URL, "site_name": settings.SITE_NAME}
        mail_user(
            user=user,
            subject=gettext_noop("Welcome to %(site)s"),
            params={"site": settings.SITE_NAME},
            template="accounts/email/welcome.txt",
            context=context,
        )
        user.welcome_email_sent_at = timezone.now()
        user.save(update_fields=["welcome_email_sent_at"])
    return True


def in_language_of(user: User):
    """A block in which text is in `user`'s language (their profile's; when they chose
    none, the language active now: the page's, or the site's in a worker): every email
    to a user is written inside one."""
    return translation.override(user.language or translation.get_language() or settings.LANGUAGE_CODE)


def mail_user(*, user: User, subject: str, params: Mapping | None = None, template: str, context: Mapping) -> None:
    """Send `user` an email in their language (in_language_of): the subject, a msgid
    marked with gettext_noop and filled with `params`, and the body rendered from a
    template. The one way the apps write to a person."""
    with in_language_of(user):
        send_mail(
            subject=gettext(subject) % dict(params or {}),
            message=render_to_string(template, context),
            from_email=None,
            recipient_list=[user.email],
        )


def password_reset_email_send(*, user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context = {
        "user": user,
        "reset_url": f"{settings.SITE_URL}/accounts/password-reset/{uidb64}/{token}/",
        "uid": uidb64,
        "token": token,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    mail_user(
        user=user,
        subject=gettext_noop("Reset your %(site)s password"),
        params={"site": settings.SITE_NAME},
        template="accounts/email/password_reset.txt",
        context=context,
    )
    return True
