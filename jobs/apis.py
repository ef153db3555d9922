from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from immich.errors import BadRequest
from jobs import system_config


class SystemConfigApi(APIView):
    admin_only = True
    required_permission = {"GET": "systemConfig.read", "PUT": "systemConfig.update"}

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(system_config.config_get())

    @extend_schema(request=dict, responses={200: dict})
    def put(self, request):
        try:
            return Response(system_config.config_update(new_config=request.data))
        except system_config.InvalidConfig as error:
            raise BadRequest(error.args[0]) from error


class SystemConfigDefaultsApi(APIView):
    admin_only = True
    required_permission = "systemConfig.read"

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(system_config.config_defaults())
