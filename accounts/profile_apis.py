"""Profile images (`/api/users/profile-image`, `/api/users/{id}/profile-image`), user and server licences, and an
admin's restore of a deleted user."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import profile, selectors, services
from accounts.serializers import (
    CreateProfileImageDto,
    CreateProfileImageResponseDto,
    LicenseKeyDto,
    UserAdminResponseDto,
    UserLicense,
)
from immich import storage
from immich.api import file_responses, validated
from immich.ranges import file_response


class ProfileImageApi(APIView):
    parser_classes = [MultiPartParser]
    required_permission = {"POST": "userProfileImage.update", "DELETE": "userProfileImage.delete"}
    error_responses = {"POST": (400,), "DELETE": (400,)}  # not an image; no profile image to delete

    @extend_schema(
        request={"multipart/form-data": CreateProfileImageDto}, responses={201: CreateProfileImageResponseDto}
    )
    def post(self, request):
        upload = validated(CreateProfileImageDto, request.data)["file"]
        user = profile.profile_image_set(user=request.user, chunks=upload.chunks(), filename=upload.name)
        return Response(CreateProfileImageResponseDto(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        profile.profile_image_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserProfileImageApi(APIView):
    required_permission = "userProfileImage.read"

    @extend_schema(responses=file_responses("image/jpeg", "image/png", "image/webp"))
    def get(self, request, user_id):
        path, content_type = profile.profile_image_of(get_object_or_404(selectors.active_users(), pk=user_id))
        stat = storage.stat(path)
        response = file_response(request, path, size=stat.size if stat else 0, content_type=content_type)
        response["Cache-Control"] = "private, no-cache"
        return response


class MyLicenseApi(APIView):
    required_permission = {"GET": "userLicense.read", "PUT": "userLicense.update", "DELETE": "userLicense.delete"}
    error_responses = {"GET": (404,), "PUT": (400,)}

    @extend_schema(responses={200: UserLicense})
    def get(self, request):
        return Response(UserLicense(profile.user_license(request.user)).data)

    @extend_schema(request=LicenseKeyDto, responses={200: UserLicense})
    def put(self, request):
        data = validated(LicenseKeyDto, request.data)
        value = profile.user_license_set(
            user=request.user, license_key=data["licenseKey"], activation_key=data["activationKey"]
        )
        return Response(UserLicense(value).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        profile.user_license_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServerLicenseApi(APIView):
    admin_only = True
    required_permission = {"GET": "serverLicense.read", "PUT": "serverLicense.update", "DELETE": "serverLicense.delete"}
    error_responses = {"GET": (404,), "PUT": (400,)}

    @extend_schema(responses={200: UserLicense})
    def get(self, request):
        return Response(UserLicense(profile.server_license()).data)

    @extend_schema(request=LicenseKeyDto, responses={200: UserLicense})
    def put(self, request):
        data = validated(LicenseKeyDto, request.data)
        value = profile.server_license_set(license_key=data["licenseKey"], activation_key=data["activationKey"])
        return Response(UserLicense(value).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        profile.server_license_delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminUserRestoreApi(APIView):
    admin_only = True
    required_permission = "adminUser.delete"
    error_responses = {"POST": (400,)}  # not deleted

    @extend_schema(request=None, responses={200: UserAdminResponseDto})
    def post(self, request, user_id):
        user = services.user_restore(user=selectors.user_for_admin(user_id=user_id))
        return Response(UserAdminResponseDto(user).data)
