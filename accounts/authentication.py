"""JWT authentication that honours the access-token blacklist."""

import logging

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.tokens import access_token_is_blacklisted

logger = logging.getLogger(__name__)


class BlacklistUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Token verification is temporarily unavailable; try again shortly."
    default_code = "token_check_unavailable"


class BlacklistAwareJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer authentication plus a check of the Redis blacklist.

    The user (and so the role) is loaded from the database on every request, so removed
    rights take effect while a token is still valid.
    """

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if not settings.ACCESS_TOKEN_BLACKLIST_ENABLED:
            return token
        jti = token.get("jti")
        try:
            revoked = access_token_is_blacklisted(jti=jti)
        except Exception:
            if settings.ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED:
                logger.error("access_token_blacklist_unavailable", extra={"policy": "fail_closed"}, exc_info=True)
                raise BlacklistUnavailable() from None
            logger.warning("access_token_blacklist_unavailable", extra={"policy": "fail_open"}, exc_info=True)
            return token
        if revoked:
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_revoked"})
        return token

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        changed = user.password_changed_at
        if changed is not None and int(validated_token.get("iat", 0)) < int(changed.timestamp()):
            raise InvalidToken({"detail": "Token was issued before a password change.", "code": "token_revoked"})
        return user
