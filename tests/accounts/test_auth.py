"""POST /api/auth/admin-sign-up, /api/auth/login, /api/auth/logout and the ways a session token is presented."""

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from accounts.authentication import ACCESS_TOKEN_COOKIE
from accounts.models import Session, User

SIGN_UP = {"email": "root@example.com", "password": "s3cret-pass", "name": "Root"}


def login(client, email="alice@example.com", password="password123"):
    return client.post("/api/auth/login", {"email": email, "password": password}, format="json")


def token_of(user_email="alice@example.com") -> str:
    response = login(APIClient(), user_email)
    assert response.status_code == 201, response.content
    return response.json()["accessToken"]


@pytest.mark.django_db
def test_admin_sign_up_creates_an_admin(anonymous):
    response = anonymous.post("/api/auth/admin-sign-up", SIGN_UP, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["name"], body["isAdmin"]) == ("root@example.com", "Root", True)
    assert User.objects.get(pk=body["id"]).is_superuser


@pytest.mark.django_db
def test_admin_sign_up_is_refused_once_an_admin_exists(anonymous):
    anonymous.post("/api/auth/admin-sign-up", SIGN_UP, format="json")
    response = anonymous.post("/api/auth/admin-sign-up", {**SIGN_UP, "email": "second@example.com"}, format="json")
    assert response.status_code == 400
    assert not User.objects.filter(email="second@example.com").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_admin_sign_ups_make_exactly_one_admin():
    barrier = threading.Barrier(8)

    def sign_up(i):
        barrier.wait()
        APIClient().post("/api/auth/admin-sign-up", {**SIGN_UP, "email": f"root{i}@example.com"}, format="json")
        connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert User.objects.filter(is_superuser=True).count() == 1


@pytest.mark.django_db
def test_admin_sign_up_password_logs_in(anonymous):
    anonymous.post("/api/auth/admin-sign-up", SIGN_UP, format="json")
    response = login(anonymous, SIGN_UP["email"], SIGN_UP["password"])
    assert response.status_code == 201
    assert response.json()["isAdmin"] is True


@pytest.mark.django_db
def test_admin_sign_up_requires_a_valid_email(anonymous):
    response = anonymous.post("/api/auth/admin-sign-up", {**SIGN_UP, "email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert not User.objects.exists()


@pytest.mark.django_db
def test_login_returns_an_access_token_and_stores_only_its_hash(user, anonymous):
    response = login(anonymous)
    assert response.status_code == 201
    body = response.json()
    assert (body["userId"], body["userEmail"], body["isAdmin"]) == (str(user.id), user.email, False)
    session = Session.objects.get(user=user)
    assert body["accessToken"].encode() not in bytes(session.token_hash)
    assert len(bytes(session.token_hash)) == 32


@pytest.mark.django_db
def test_login_email_is_case_insensitive(user, anonymous):
    assert login(anonymous, "ALICE@Example.com").status_code == 201


@pytest.mark.django_db
def test_login_with_wrong_password_is_401(user, anonymous):
    response = login(anonymous, password="wrong-password")
    assert response.status_code == 401
    assert response.json()["message"] == "Incorrect email or password"
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_login_with_unknown_email_is_401(db, anonymous):
    assert login(anonymous, "nobody@example.com").status_code == 401


@pytest.mark.django_db
def test_login_ignores_a_stale_cookie(user):
    client = APIClient()
    client.cookies[ACCESS_TOKEN_COOKIE] = "stale-token"
    assert login(client).status_code == 201


@pytest.mark.django_db
def test_error_body_has_immichs_shape(db, anonymous):
    response = anonymous.get("/api/users/me")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"message", "error", "statusCode", "correlationId"}
    assert (body["error"], body["statusCode"]) == ("Unauthorized", 401)
    assert isinstance(body["message"], str) and body["correlationId"]


@pytest.mark.django_db
def test_bearer_token_authenticates(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_of()}")
    response = client.get("/api/users/me")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.id)


@pytest.mark.django_db
def test_user_token_header_authenticates(user):
    client = APIClient()
    client.credentials(HTTP_X_IMMICH_USER_TOKEN=token_of())
    assert client.get("/api/users/me").json()["id"] == str(user.id)


@pytest.mark.django_db
def test_login_cookie_authenticates_the_same_client(user):
    client = APIClient()
    response = login(client)
    assert response.cookies[ACCESS_TOKEN_COOKIE].value == response.json()["accessToken"]
    assert response.cookies[ACCESS_TOKEN_COOKIE]["httponly"]
    assert client.get("/api/users/me").json()["id"] == str(user.id)


@pytest.mark.django_db
def test_invalid_bearer_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/api/users/me").status_code == 401


@pytest.mark.django_db
def test_logout_ends_the_session(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_of()}")
    response = client.post("/api/auth/logout")
    assert response.status_code == 200
    assert response.json()["successful"] is True
    assert not Session.objects.filter(user=user).exists()
    assert client.get("/api/users/me").status_code == 401


@pytest.mark.django_db
def test_logout_clears_the_cookie(user):
    client = APIClient()
    login(client)
    response = client.post("/api/auth/logout")
    assert response.cookies[ACCESS_TOKEN_COOKIE].value == ""
    assert client.get("/api/users/me").status_code == 401


@pytest.mark.django_db
def test_logout_leaves_other_sessions_working(user):
    first, second = APIClient(), APIClient()
    first.credentials(HTTP_AUTHORIZATION=f"Bearer {token_of()}")
    second.credentials(HTTP_AUTHORIZATION=f"Bearer {token_of()}")
    first.post("/api/auth/logout")
    assert second.get("/api/users/me").status_code == 200


@pytest.mark.django_db
def test_logout_without_credentials_is_401(db, anonymous):
    assert anonymous.post("/api/auth/logout").status_code == 401


@pytest.mark.django_db
def test_validate_token_accepts_a_session(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_of()}")
    response = client.post("/api/auth/validateToken")
    assert response.status_code == 200
    assert response.json() == {"authStatus": True}
