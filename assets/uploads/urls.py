"""Routes of the resumable upload endpoint, included at `/api/upload/` (see assets/uploads/tus_apis.py)."""

from django.urls import path

from assets.uploads import tus_apis

urlpatterns = [
    path("", tus_apis.TusUploadsApi.as_view(), name="tus-uploads"),
    path("<uuid:upload_id>", tus_apis.TusUploadApi.as_view(), name="tus-upload"),
]
