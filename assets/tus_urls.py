"""Routes of the resumable upload endpoint, included at `/api/upload/` (see assets/tus_apis.py)."""

from django.urls import path

from assets import tus_apis

urlpatterns = [
    path("", tus_apis.TusUploadsApi.as_view(), name="tus-uploads"),
    path("<uuid:upload_id>", tus_apis.TusUploadApi.as_view(), name="tus-upload"),
]
