from django.urls import path

from sharing import apis

urlpatterns = [
    path("partners", apis.PartnersApi.as_view()),
    path("partners/<uuid:user_id>", apis.PartnerApi.as_view()),
]
