from django.urls import path

from accounts import apis, onboarding_apis, preferences_apis, profile_apis, session_apis

urlpatterns = [
    path("auth/admin-sign-up", apis.AdminSignUpApi.as_view()),
    path("auth/login", apis.LoginApi.as_view()),
    path("auth/logout", apis.LogoutApi.as_view()),
    path("auth/change-password", apis.ChangePasswordApi.as_view()),
    path("auth/validateToken", apis.ValidateTokenApi.as_view()),
    path("sessions", session_apis.SessionListApi.as_view()),
    path("sessions/<uuid:session_id>", session_apis.SessionDetailApi.as_view()),
    path("admin/users/<uuid:user_id>/sessions", session_apis.AdminUserSessionsApi.as_view()),
    path("api-keys", apis.ApiKeyListApi.as_view()),
    path("api-keys/me", apis.ApiKeyMeApi.as_view()),
    path("api-keys/<uuid:key_id>", apis.ApiKeyDetailApi.as_view()),
    path("users/me", apis.UserMeApi.as_view()),
    path("users/me/preferences", preferences_apis.MyPreferencesApi.as_view()),
    path("users/me/onboarding", onboarding_apis.MyOnboardingApi.as_view()),
    path("system-metadata/admin-onboarding", onboarding_apis.AdminOnboardingApi.as_view()),
    path("system-metadata/reverse-geocoding-state", onboarding_apis.ReverseGeocodingStateApi.as_view()),
    path("users/me/license", profile_apis.MyLicenseApi.as_view()),
    path("users/profile-image", profile_apis.ProfileImageApi.as_view()),
    path("users/<uuid:user_id>/profile-image", profile_apis.UserProfileImageApi.as_view()),
    path("server/license", profile_apis.ServerLicenseApi.as_view()),
    path("admin/users/<uuid:user_id>/restore", profile_apis.AdminUserRestoreApi.as_view()),
    path("users", apis.UserListApi.as_view()),
    path("users/<uuid:user_id>", apis.UserDetailApi.as_view()),
    path("admin/users", apis.AdminUserListApi.as_view()),
    path("admin/users/<uuid:user_id>", apis.AdminUserDetailApi.as_view()),
    path("admin/users/<uuid:user_id>/preferences", preferences_apis.AdminUserPreferencesApi.as_view()),
]
