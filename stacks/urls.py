from django.urls import path

from stacks import apis

urlpatterns = [
    path("stacks", apis.StacksApi.as_view()),
    path("stacks/<uuid:stack_id>", apis.StackDetailApi.as_view()),
    path("stacks/<uuid:stack_id>/assets/<uuid:asset_id>", apis.StackAssetApi.as_view()),
]
