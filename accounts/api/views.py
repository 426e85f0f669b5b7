"""Authentication API: /api/v1/auth/… Each view parses input and calls one service."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    EraseSerializer,
    LogoutSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileUpdateSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from lms.api.idempotency import idempotent
from lms.api.parsers import JSONParser
from lms.ratelimit import AuthRateThrottle, ClientRateThrottle, client_ip


class _AuthEndpoint(APIView):
    """Anonymous endpoints where guessing is the threat: the strict per-address limit."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]


class RegisterView(_AuthEndpoint):
    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    @idempotent
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(UserSerializer(user, context={"request": request}).data, status=status.HTTP_201_CREATED)


class TokenObtainView(_AuthEndpoint):
    @extend_schema(request=TokenObtainSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_authenticate(**serializer.validated_data, client_ip=client_ip(request))
        return Response(services.tokens_issue(user=user))


class TokenRefreshView(_AuthEndpoint):
    """Rotation: each refresh returns a new refresh token and blacklists the old one."""

    @extend_schema(request=TokenRefreshSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        serializer = TokenRefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.tokens_refresh(refresh=serializer.validated_data["refresh"]))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ClientRateThrottle]

    @extend_schema(request=LogoutSerializer, responses={204: OpenApiResponse(description="Logged out")})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request.auth if request.auth is not None and hasattr(request.auth, "get") else None
        services.tokens_logout(
            user=request.user,
            refresh=serializer.validated_data["refresh"],
            access_jti=access.get("jti") if access else None,
            access_expires_at=access.get("exp") if access else None,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user, context={"request": request}).data)

    @extend_schema(request=ProfileUpdateSerializer, responses={200: UserSerializer})
    def patch(self, request):
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        current_password = data.pop("current_password", None)
        if "avatar" in data and data["avatar"] is None:
            data["avatar"] = ""
        user = services.user_update_profile(user=request.user, data=data, current_password=current_password)
        return Response(UserSerializer(user, context={"request": request}).data)

    @extend_schema(request=EraseSerializer, responses={204: OpenApiResponse(description="Account erased")})
    def delete(self, request):
        """Delete my account: personal data erased, learning records kept anonymised."""
        serializer = EraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_erase(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(_AuthEndpoint):
    @extend_schema(request=PasswordResetSerializer, responses={202: OpenApiResponse(description="Accepted")})
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response(
            {"detail": "If an account uses this address, a reset link is on its way."},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(_AuthEndpoint):
    @extend_schema(request=PasswordResetConfirmSerializer, responses={204: OpenApiResponse(description="Password set")})
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.password_reset_confirm(uidb64=data["uid"], token=data["token"], new_password=data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
