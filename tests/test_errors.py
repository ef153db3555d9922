"""Application errors (immich/errors.py) answer in Immich's shape with their own status, mapped once by the exception
handler: a view raising each class, then the domain errors as real endpoints raise them."""

import pytest
from django.db import OperationalError
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from immich import errors
from people.models import Person
from tests.conftest import client_for


def _raising_view(error: Exception):
    class RaisingApi(APIView):
        authentication_classes: list = []
        permission_classes = [AllowAny]

        def get(self, request):
            raise error

    return RaisingApi.as_view()


def _answer(error: Exception):
    response = _raising_view(error)(APIRequestFactory().get("/api/raising"))
    response.render()
    return response


@pytest.mark.parametrize(
    ("error", "status", "phrase", "message"),
    [
        (errors.BadRequest("name must not be empty"), 400, "Bad Request", "name must not be empty"),
        (errors.Unauthorized("Incorrect email or password"), 401, "Unauthorized", "Incorrect email or password"),
        (errors.NotFound("Unknown queue x"), 404, "Not Found", "Unknown queue x"),
        (errors.NotFound(), 404, "Not Found", "Not found or no access"),
        (errors.InsufficientStorage(), 507, "Insufficient Storage", errors.InsufficientStorage.default_message),
        (errors.DatabaseUnavailable(), 503, "Service Unavailable", errors.DatabaseUnavailable.default_message),
    ],
)
def test_each_application_error_answers_its_status_in_immich_shape(error, status, phrase, message):
    response = _answer(error)
    body = response.data
    assert response.status_code == status
    assert (body["message"], body["error"], body["statusCode"]) == (message, phrase, status)
    assert len(body["correlationId"]) == 8


def test_a_message_of_several_problems_is_a_list_and_of_one_is_a_string():
    assert _answer(errors.BadRequest(["a is wrong", "b is wrong"])).data["message"] == ["a is wrong", "b is wrong"]
    assert _answer(errors.BadRequest(["a is wrong"])).data["message"] == "a is wrong"


def test_database_unavailable_tells_when_to_retry():
    assert _answer(OperationalError("server closed the connection unexpectedly"))["Retry-After"] == "5"


def test_out_of_space_is_507_whatever_raised_it():
    response = _answer(OSError(28, "No space left on device"))
    assert (response.status_code, response.data["message"]) == (507, errors.InsufficientStorage.default_message)


def test_an_unexpected_error_is_not_mapped():
    with pytest.raises(ZeroDivisionError):
        _answer(ZeroDivisionError())


# -- the domain errors, through the endpoints that raise them -----------------------------------------------------


def _assert_immich_error(response, status: int, message):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "error", "statusCode", "correlationId"}
    assert (body["statusCode"], body["message"]) == (status, message)


def test_a_service_bad_request_is_400(user, api):
    response = api.post("/api/api-keys", {"name": "k", "permissions": ["no.such"]}, format="json")
    _assert_immich_error(response, 400, "Unknown permission: no.such")


def test_a_failed_login_is_401_with_a_challenge(user, anonymous):
    response = anonymous.post("/api/auth/login", {"email": user.email, "password": "wrong"}, format="json")
    _assert_immich_error(response, 401, "Incorrect email or password")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_invalid_job_command_is_400(admin_api):
    response = admin_api.post("/api/jobs", {"name": "no-such-job"}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("Unknown or unavailable job no-such-job")


def test_an_unknown_queue_is_404(admin_api):
    _assert_immich_error(admin_api.get("/api/queues/no-such-queue"), 404, "Unknown queue no-such-queue")


def test_an_invalid_config_lists_its_problems(admin_api):
    config = admin_api.get("/api/system-config").json()
    config["ffmpeg"]["crf"] = "high"
    config["trash"]["days"] = -1
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()["message"], list) and len(response.json()["message"]) == 2


def test_a_taken_person_name_is_400(user, api):
    Person.objects.create(owner=user, name="Ada")
    other = Person.objects.create(owner=user, name="")
    response = api.put(f"/api/people/{other.id}", {"name": "Ada"}, format="json")
    _assert_immich_error(response, 400, "A person named 'Ada' already exists")


def test_a_user_without_admin_rights_is_still_403_in_immich_shape(user):
    response = client_for(user).get("/api/jobs")
    assert response.status_code == 403 and response.json()["statusCode"] == 403


# -- input that does not fit: Immich 3.1's "Validation failed" with zod's issues ----------------------------------


def _validation_errors(response) -> list[dict]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["message"], body["statusCode"], body["error"]) == ("Validation failed", 400, "Bad Request")
    assert response["X-Correlation-ID"] == body["correlationId"]
    return body["errors"]


def test_missing_and_malformed_fields_are_issues_with_their_path(admin_api):
    errors = _validation_errors(admin_api.post("/api/admin/users", {"email": "not-an-email"}, format="json"))
    assert errors == [
        {"code": "invalid_format", "path": ["email"], "message": "Invalid email address"},
        {"code": "invalid_type", "path": ["password"], "message": "Invalid input: expected string, received undefined"},
        {"code": "invalid_type", "path": ["name"], "message": "Invalid input: expected string, received undefined"},
    ]


def test_a_value_of_the_wrong_type_names_what_was_received(api):
    errors = _validation_errors(api.post("/api/api-keys", {"name": "k", "permissions": "all"}, format="json"))
    assert errors == [
        {"code": "invalid_type", "path": ["permissions"], "message": "Invalid input: expected array, received string"}
    ]


def test_bounds_and_choices_read_as_zod_writes_them(admin, admin_api, user):
    body = {"quotaSizeInBytes": -1, "avatarColor": "teal"}
    errors = _validation_errors(admin_api.put(f"/api/admin/users/{user.id}", body, format="json"))
    assert {
        "code": "too_small",
        "path": ["quotaSizeInBytes"],
        "message": "Too small: expected number to be >=0",
    } in errors
    assert errors[0]["code"] == "invalid_value" and errors[0]["path"] == ["avatarColor"]
    assert errors[0]["message"].startswith('Invalid option: expected one of "primary"|"pink"')


def test_a_check_of_ours_is_a_custom_issue_with_its_words(user, api):
    person = Person.objects.create(owner=user, name="Ada")
    errors = _validation_errors(api.put(f"/api/people/{person.id}", {"birthDate": "2999-01-01"}, format="json"))
    assert errors == [{"code": "custom", "path": ["birthDate"], "message": "Birth date cannot be in the future"}]


def test_an_unknown_api_route_is_a_json_404_for_anyone(anonymous):
    response = anonymous.delete("/api/no-such-thing/12")
    _assert_immich_error(response, 404, "Cannot DELETE /api/no-such-thing/12")


def test_a_trailing_slash_reaches_the_route(user, api):
    with_slash, without = (api.put(path, {"ids": "x"}, format="json") for path in ("/api/assets/", "/api/assets"))
    assert with_slash.json()["errors"] == without.json()["errors"]  # the bulk update's own answer, not a 404
    assert api.put("/api/users/me/", {"name": "Alice B."}, format="json").json()["name"] == "Alice B."


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/assets/{asset}", "Not found or no asset.read access"),
        ("/api/albums/{album}", "Not found or no album.read access"),
        ("/api/tags/{tag}", "Not found or no tag.read access"),
    ],
)
def test_another_users_object_answers_immichs_400_like_an_unknown_id(user, api, other_api, tmp_path, path, message):
    """Immich's requireAccess: 400 "Not found or no <permission> access", the same for an id nobody has."""
    from tests.assets.helpers import upload_photo

    asset = upload_photo(api, tmp_path)
    ids = {
        "asset": asset,
        "album": api.post("/api/albums", {"albumName": "A"}, format="json").json()["id"],
        "tag": api.put("/api/tags", {"tags": ["T"]}, format="json").json()[0]["id"],
    }
    theirs = path.format(**ids)
    _assert_immich_error(other_api.get(theirs), 400, message)
    unknown = path.format(**dict.fromkeys(ids, "6d1f1d6a-0000-4000-8000-000000000000"))
    _assert_immich_error(other_api.get(unknown), 400, message)
