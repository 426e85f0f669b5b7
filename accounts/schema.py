"""OpenAPI description of the project's JWT authentication (drf-spectacular extension)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class BlacklistAwareJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.BlacklistAwareJWTAuthentication"
    name = "jwtAuth"
