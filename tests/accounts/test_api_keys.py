"""/api/api-keys: create, list, read, update, delete, /me, and how a secret authenticates."""

import hashlib
import uuid

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from tests.conftest import client_for


def create_key(client, permissions=("asset.read",), name="laptop"):
    return client.post("/api/api-keys", {"name": name, "permissions": list(permissions)}, format="json")


def key_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=secret)
    return client


@pytest.mark.django_db
def test_create_returns_the_secret_and_the_key(api, user):
    response = create_key(api, ["asset.read", "user.read"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"]
    assert {"id", "name", "createdAt", "updatedAt", "permissions"} <= set(body["apiKey"])
    assert (body["apiKey"]["name"], body["apiKey"]["permissions"]) == ("laptop", ["asset.read", "user.read"])
    assert ApiKey.objects.get(pk=body["apiKey"]["id"]).user == user


@pytest.mark.django_db
def test_database_stores_only_a_hash_of_the_secret(api):
    secret = create_key(api).json()["secret"]
    row = ApiKey.objects.values().get(name="laptop")
    stored = b"|".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row.values())
    assert secret.encode() not in stored
    assert bytes(row["key_hash"]) == hashlib.sha256(secret.encode()).digest()


@pytest.mark.django_db
def test_unknown_permission_is_400(api):
    response = create_key(api, ["asset.read", "asset.teleport"])
    assert response.status_code == 400
    assert "asset.teleport" in response.json()["message"]
    assert not ApiKey.objects.filter(name="laptop").exists()


@pytest.mark.django_db
def test_empty_permissions_is_400(api):
    assert create_key(api, []).status_code == 400


@pytest.mark.django_db
def test_key_cannot_grant_permissions_it_lacks(user):
    client = client_for(user, ["apiKey.create", "asset.read"])
    assert create_key(client, ["asset.read"]).status_code == 201
    assert create_key(client, ["asset.delete"]).status_code == 400


@pytest.mark.django_db
def test_secret_authenticates_with_header(api, user):
    secret = create_key(api, ["user.read"]).json()["secret"]
    response = key_client(secret).get("/api/users/me")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.id)


@pytest.mark.django_db
def test_secret_authenticates_with_query_parameter(api, user):
    secret = create_key(api, ["user.read"]).json()["secret"]
    response = APIClient().get(f"/api/users/me?apiKey={secret}")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.id)


@pytest.mark.django_db
def test_wrong_secret_is_401(db):
    assert key_client("not-a-secret").get("/api/users/me").status_code == 401


@pytest.mark.django_db
def test_missing_permission_is_403_naming_it(user):
    response = client_for(user, ["asset.read"]).get("/api/users/me")
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: user.read"


@pytest.mark.django_db
def test_list_without_credentials_is_401(db, anonymous):
    assert anonymous.get("/api/api-keys").status_code == 401


@pytest.mark.django_db
def test_list_shows_only_my_keys(api, other_api):
    mine = create_key(api, name="mine").json()["apiKey"]["id"]
    create_key(other_api, name="theirs")
    response = api.get("/api/api-keys")
    assert response.status_code == 200
    names = {key["name"]: key["id"] for key in response.json()}
    assert names == {"test": names["test"], "mine": mine}


@pytest.mark.django_db
def test_list_needs_api_key_read(user):
    response = client_for(user, ["apiKey.create"]).get("/api/api-keys")
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: apiKey.read"


@pytest.mark.django_db
def test_me_returns_the_calling_keys_permissions(user):
    response = client_for(user, ["asset.read", "asset.upload"]).get("/api/api-keys/me")
    assert response.status_code == 200
    assert response.json()["permissions"] == ["asset.read", "asset.upload"]
    assert response.json()["name"] == "test"


@pytest.mark.django_db
def test_me_with_a_session_is_400(user):
    token = APIClient().post("/api/auth/login", {"email": user.email, "password": "password123"}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['accessToken']}")
    assert client.get("/api/api-keys/me").status_code == 400


@pytest.mark.django_db
def test_me_without_credentials_is_401(db, anonymous):
    assert anonymous.get("/api/api-keys/me").status_code == 401


@pytest.mark.django_db
def test_get_one_of_my_keys(api):
    key = create_key(api).json()["apiKey"]
    response = api.get(f"/api/api-keys/{key['id']}")
    assert response.status_code == 200
    assert response.json() == key


@pytest.mark.django_db
def test_get_another_users_key_is_400(api, other_api):
    theirs = create_key(other_api).json()["apiKey"]["id"]
    assert api.get(f"/api/api-keys/{theirs}").status_code == 400


@pytest.mark.django_db
def test_get_unknown_key_is_400(api):
    response = api.get(f"/api/api-keys/{uuid.uuid4()}")
    assert response.status_code == 400
    assert response.json()["message"] == "API Key not found"


@pytest.mark.django_db
def test_update_renames_and_changes_permissions(api):
    key = create_key(api).json()
    response = api.put(
        f"/api/api-keys/{key['apiKey']['id']}", {"name": "phone", "permissions": ["album.read"]}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["permissions"]) == ("phone", ["album.read"])
    row = ApiKey.objects.get(pk=key["apiKey"]["id"])
    assert (row.name, row.permissions) == ("phone", ["album.read"])


@pytest.mark.django_db
def test_update_with_unknown_permission_is_400(api):
    key_id = create_key(api).json()["apiKey"]["id"]
    response = api.put(f"/api/api-keys/{key_id}", {"permissions": ["nope"]}, format="json")
    assert response.status_code == 400
    assert ApiKey.objects.get(pk=key_id).permissions == ["asset.read"]


@pytest.mark.django_db
def test_update_another_users_key_is_400(api, other_api):
    theirs = create_key(other_api).json()["apiKey"]["id"]
    assert api.put(f"/api/api-keys/{theirs}", {"name": "stolen"}, format="json").status_code == 400
    assert ApiKey.objects.get(pk=theirs).name == "laptop"


@pytest.mark.django_db
def test_delete_removes_the_key_and_its_secret_stops_working(api):
    created = create_key(api, ["user.read"]).json()
    response = api.delete(f"/api/api-keys/{created['apiKey']['id']}")
    assert response.status_code == 204
    assert not ApiKey.objects.filter(pk=created["apiKey"]["id"]).exists()
    assert key_client(created["secret"]).get("/api/users/me").status_code == 401


@pytest.mark.django_db
def test_delete_another_users_key_is_400(api, other_api):
    theirs = create_key(other_api).json()["apiKey"]["id"]
    assert api.delete(f"/api/api-keys/{theirs}").status_code == 400
    assert ApiKey.objects.filter(pk=theirs).exists()


@pytest.mark.django_db
def test_delete_needs_api_key_delete(user):
    client = client_for(user, ["apiKey.create", "apiKey.read"])
    key_id = create_key(client, ["apiKey.read"]).json()["apiKey"]["id"]
    response = client.delete(f"/api/api-keys/{key_id}")
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: apiKey.delete"
