from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.authentication import ACCESS_TOKEN_COOKIE
from accounts.models import ApiKey, Session, User
from accounts.serializers import (
    AdminUserCreateSerializer,
    AdminUserUpdateSerializer,
    ApiKeyCreateResponseDto,
    ApiKeyCreateSerializer,
    ApiKeyResponseDto,
    ApiKeyUpdateSerializer,
    ChangePasswordSerializer,
    LoginResponseDto,
    LoginSerializer,
    LogoutResponseDto,
    SignUpSerializer,
    UserAdminDeleteSerializer,
    UserAdminResponseDto,
    UserResponseDto,
    UserUpdateSerializer,
    ValidateAccessTokenResponseDto,
)
from accounts.session_apis import device_fields
from accounts.throttle import client_address
from immich.api import validated


class AdminSignUpApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=SignUpSerializer, responses={201: UserAdminResponseDto})
    def post(self, request):
        data = validated(SignUpSerializer, request.data)
        user = services.admin_sign_up(email=data["email"], password=data["password"], name=data["name"])
        return Response(UserAdminResponseDto(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    error_responses = {"POST": (401, 429)}  # wrong email or password; too many recent failures

    def get_authenticate_header(self, request) -> str:
        # A failed login is 401, which names a challenge; with no authenticator the view would have none to name.
        return 'Bearer realm="api"'

    @extend_schema(request=LoginSerializer, responses={201: LoginResponseDto})
    def post(self, request):
        data = validated(LoginSerializer, request.data)
        result = services.login(
            email=data["email"],
            password=data["password"],
            address=client_address(request),
            **device_fields(request),
        )
        response = Response(LoginResponseDto(result).data, status=status.HTTP_201_CREATED)
        response.set_cookie(
            ACCESS_TOKEN_COOKIE, result.access_token, httponly=True, samesite="Lax", max_age=400 * 86400
        )
        response.set_cookie("immich_auth_type", "password", httponly=True, samesite="Lax", max_age=400 * 86400)
        response.set_cookie("immich_is_authenticated", "true", samesite="Lax", max_age=400 * 86400)
        return response


class LogoutApi(APIView):
    @extend_schema(request=None, responses={200: LogoutResponseDto})
    def post(self, request):
        services.logout(session=request.auth if isinstance(request.auth, Session) else None)
        response = Response(LogoutResponseDto({"successful": True, "redirectUri": "/auth/login?autoLaunch=0"}).data)
        for cookie in (ACCESS_TOKEN_COOKIE, "immich_auth_type", "immich_is_authenticated"):
            response.delete_cookie(cookie)
        return response


class ValidateTokenApi(APIView):
    @extend_schema(request=None, responses={200: ValidateAccessTokenResponseDto})
    def post(self, request):
        return Response(ValidateAccessTokenResponseDto({"authStatus": True}).data)


def _calling_key(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class ApiKeyListApi(APIView):
    required_permission = {"GET": "apiKey.read", "POST": "apiKey.create"}

    @extend_schema(responses={200: ApiKeyResponseDto(many=True)})
    def get(self, request):
        return Response(ApiKeyResponseDto(selectors.api_keys_of(user=request.user), many=True).data)

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreateResponseDto})
    def post(self, request):
        data = validated(ApiKeyCreateSerializer, request.data)
        key, secret = services.api_key_create(
            user=request.user, name=data["name"], permissions=data["permissions"], granted_by=_calling_key(request)
        )
        return Response(ApiKeyCreateResponseDto({"secret": secret, "apiKey": key}).data, status=status.HTTP_201_CREATED)


class ApiKeyMeApi(APIView):
    error_responses = {"GET": (400,)}  # called with a session instead of a key

    @extend_schema(responses={200: ApiKeyResponseDto})
    def get(self, request):
        if not isinstance(request.auth, ApiKey):
            raise services.BadRequest("Not authenticated with an API key")
        return Response(ApiKeyResponseDto(request.auth).data)


class ApiKeyDetailApi(APIView):
    required_permission = {"GET": "apiKey.read", "PUT": "apiKey.update", "DELETE": "apiKey.delete"}

    def _key(self, request, key_id) -> ApiKey:
        key = selectors.api_keys_of(user=request.user).filter(pk=key_id).first()
        if key is None:
            raise services.BadRequest("API Key not found")  # Immich's words; another user's key answers the same
        return key

    @extend_schema(responses={200: ApiKeyResponseDto})
    def get(self, request, key_id):
        return Response(ApiKeyResponseDto(self._key(request, key_id)).data)

    @extend_schema(request=ApiKeyUpdateSerializer, responses={200: ApiKeyResponseDto})
    def put(self, request, key_id):
        data = validated(ApiKeyUpdateSerializer, request.data)
        key = services.api_key_update(key=self._key(request, key_id), granted_by=_calling_key(request), **data)
        return Response(ApiKeyResponseDto(key).data)

    @extend_schema(responses={204: None})
    def delete(self, request, key_id):
        self._key(request, key_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserMeApi(APIView):
    required_permission = {"GET": "user.read", "PUT": "user.update"}

    @extend_schema(responses={200: UserAdminResponseDto})
    def get(self, request):
        return Response(UserAdminResponseDto(request.user).data)

    @extend_schema(request=UserUpdateSerializer, responses={200: UserAdminResponseDto})
    def put(self, request):
        data = validated(UserUpdateSerializer, request.data)
        return Response(
            UserAdminResponseDto(services.user_update_me(user=request.user, credential=request.auth, **data)).data
        )


class ChangePasswordApi(APIView):
    """Immich's change-password: the current password and the new one; one's other sessions end."""

    error_responses = {"POST": (400, 403)}  # wrong current password, too short a new one; a scoped API key

    @extend_schema(request=ChangePasswordSerializer, responses={200: UserAdminResponseDto})
    def post(self, request):
        data = validated(ChangePasswordSerializer, request.data)
        user = services.password_change(
            user=request.user, credential=request.auth, password=data["password"], new_password=data["newPassword"]
        )
        return Response(UserAdminResponseDto(user).data)


class UserListApi(APIView):
    required_permission = "user.read"

    @extend_schema(responses={200: UserResponseDto(many=True)})
    def get(self, request):
        return Response(UserResponseDto(selectors.active_users(), many=True).data)


class UserDetailApi(APIView):
    required_permission = "user.read"

    @extend_schema(responses={200: UserResponseDto})
    def get(self, request, user_id):
        return Response(UserResponseDto(get_object_or_404(selectors.active_users(), pk=user_id)).data)


class AdminUserListApi(APIView):
    admin_only = True
    required_permission = {"GET": "adminUser.read", "POST": "adminUser.create"}

    @extend_schema(parameters=[OpenApiParameter("withDeleted", bool)], responses={200: UserAdminResponseDto(many=True)})
    def get(self, request):
        users = User.objects.all() if request.query_params.get("withDeleted") == "true" else selectors.active_users()
        return Response(UserAdminResponseDto(users, many=True).data)

    @extend_schema(request=AdminUserCreateSerializer, responses={201: UserAdminResponseDto})
    def post(self, request):
        data = validated(AdminUserCreateSerializer, request.data)
        user = services.user_create(**data)
        return Response(UserAdminResponseDto(user).data, status=status.HTTP_201_CREATED)


class AdminUserDetailApi(APIView):
    admin_only = True
    # PUT: one's own admin role or password, the last admin; DELETE: an admin's own account, the last admin
    error_responses = {"PUT": (400,), "DELETE": (400,)}
    required_permission = {"GET": "adminUser.read", "PUT": "adminUser.update", "DELETE": "adminUser.delete"}

    @extend_schema(responses={200: UserAdminResponseDto})
    def get(self, request, user_id):
        return Response(UserAdminResponseDto(selectors.user_for_admin(user_id=user_id)).data)

    @extend_schema(request=AdminUserUpdateSerializer, responses={200: UserAdminResponseDto})
    def put(self, request, user_id):
        data = validated(AdminUserUpdateSerializer, request.data)
        user = selectors.user_for_admin(user_id=user_id)
        if "is_superuser" in data:
            data["is_staff"] = data["is_superuser"]
        return Response(UserAdminResponseDto(services.user_update_by_admin(admin=request.user, user=user, **data)).data)

    @extend_schema(request=UserAdminDeleteSerializer, responses={200: UserAdminResponseDto})
    def delete(self, request, user_id):
        force = validated(UserAdminDeleteSerializer, request.data or {}).get("force", False)
        user = selectors.user_for_admin(user_id=user_id)
        if user == request.user:
            raise services.BadRequest("Cannot delete your own account")
        return Response(UserAdminResponseDto(services.user_delete(user=user, force=force)).data)
