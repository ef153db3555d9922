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
