from django.urls import path

from nsfw import apis

urlpatterns = [path("admin/nsfw/assets", apis.NsfwOverrideApi.as_view())]
