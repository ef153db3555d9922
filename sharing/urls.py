from django.urls import path

from sharing import apis, link_apis

urlpatterns = [
    path("partners", apis.PartnersApi.as_view()),
    path("partners/<uuid:user_id>", apis.PartnerApi.as_view()),
    path("shared-links", link_apis.SharedLinksApi.as_view()),
    path("shared-links/me", link_apis.SharedLinkMeApi.as_view()),
    path("shared-links/login", link_apis.SharedLinkLoginApi.as_view()),
    path("shared-links/<uuid:link_id>", link_apis.SharedLinkDetailApi.as_view()),
    path("shared-links/<uuid:link_id>/assets", link_apis.SharedLinkAssetsApi.as_view()),
]
