"""/api/system-config and /api/system-config/defaults: admin only, reference defaults, validated writes."""

import copy

import pytest

from jobs import system_config
from jobs.config_serializers import SystemConfigDto
from jobs.models import SystemConfig
from tests.conftest import client_for


def config_with(admin_api, path: str, value):
    config = admin_api.get("/api/system-config/defaults").json()
    *parents, leaf = path.split(".")
    node = config
    for key in parents:
        node = node[key]
    node[leaf] = value
    return config


@pytest.mark.django_db
def test_defaults_match_the_reference(admin_api):
    response = admin_api.get("/api/system-config/defaults")
    assert response.status_code == 200
    config = response.json()
    assert config["image"]["thumbnail"] == {"format": "webp", "size": 250, "quality": 80, "progressive": False}
    assert (config["image"]["preview"]["format"], config["image"]["preview"]["size"]) == ("jpeg", 1440)
    assert config["image"]["preview"]["quality"] == 80
    assert config["ffmpeg"]["transcode"] == "required"
    assert config["storageTemplate"]["template"] == "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"
    assert config["trash"] == {"enabled": True, "days": 30}
    assert config["job"]["thumbnailGeneration"] == {"concurrency": 3}


@pytest.mark.django_db
def test_config_equals_defaults_at_first(admin_api):
    response = admin_api.get("/api/system-config")
    assert response.status_code == 200
    assert response.json() == admin_api.get("/api/system-config/defaults").json()


@pytest.mark.django_db
def test_put_round_trips_a_change(admin_api):
    config = config_with(admin_api, "trash.days", 10)
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 200
    assert response.json() == config
    assert admin_api.get("/api/system-config").json()["trash"]["days"] == 10
    assert SystemConfig.objects.get().value["trash"]["days"] == 10


@pytest.mark.django_db
def test_put_does_not_change_the_defaults(admin_api):
    admin_api.put("/api/system-config", config_with(admin_api, "trash.days", 10), format="json")
    assert admin_api.get("/api/system-config/defaults").json()["trash"]["days"] == 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "value"),
    [("image.thumbnail.quality", 0), ("ffmpeg.transcode", "sometimes"), ("trash.days", "ten"), ("trash.enabled", 1)],
)
def test_put_rejects_an_invalid_value_naming_its_path(admin_api, path, value):
    response = admin_api.put("/api/system-config", config_with(admin_api, path, value), format="json")
    assert response.status_code == 400
    assert path in str(response.json()["message"])
    assert not SystemConfig.objects.exists()


@pytest.mark.django_db
def test_put_rejects_an_unknown_key(admin_api):
    config = config_with(admin_api, "trash.colour", "blue")
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400
    assert "trash.colour" in str(response.json()["message"])


@pytest.mark.django_db
def test_put_rejects_a_missing_section(admin_api):
    config = admin_api.get("/api/system-config").json()
    del config["trash"]
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400
    assert "trash" in str(response.json()["message"])


@pytest.mark.django_db
def test_put_rejects_a_section_that_is_not_an_object(admin_api):
    response = admin_api.put("/api/system-config", config_with(admin_api, "trash", 30), format="json")
    assert response.status_code == 400
    assert "trash" in str(response.json()["message"])


@pytest.mark.django_db
def test_put_rejects_a_body_that_is_not_an_object(admin_api):
    assert admin_api.put("/api/system-config", [1, 2], format="json").status_code == 400


@pytest.mark.django_db
def test_rejected_put_keeps_the_previous_config(admin_api):
    good = config_with(admin_api, "trash.days", 10)
    admin_api.put("/api/system-config", good, format="json")
    bad = copy.deepcopy(good)
    bad["image"]["thumbnail"]["quality"] = 0
    admin_api.put("/api/system-config", bad, format="json")
    assert admin_api.get("/api/system-config").json() == good


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/system-config", "/api/system-config/defaults"])
def test_non_admin_is_403(api, url):
    assert api.get(url).status_code == 403


@pytest.mark.django_db
def test_non_admin_cannot_put(api, admin_api):
    response = api.put("/api/system-config", config_with(admin_api, "trash.days", 1), format="json")
    assert response.status_code == 403
    assert not SystemConfig.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/system-config", "/api/system-config/defaults"])
def test_without_credentials_is_401(db, anonymous, url):
    assert anonymous.get(url).status_code == 401


@pytest.mark.django_db
def test_admin_key_without_update_permission_is_403(admin, admin_api):
    client = client_for(admin, ["systemConfig.read"])
    response = client.put("/api/system-config", config_with(admin_api, "trash.days", 1), format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: systemConfig.update"


def test_the_response_shape_carries_every_setting():
    """SystemConfigDto drops what it does not declare: a setting added to the defaults needs its field."""
    assert SystemConfigDto(system_config.config_defaults()).data == system_config.config_defaults()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["machineLearning.enabled", "oauth.enabled", "notifications.smtp.enabled"])
def test_a_feature_this_server_does_not_run_cannot_be_switched_on(admin_api, path):
    response = admin_api.put("/api/system-config", config_with(admin_api, path, True), format="json")
    assert response.status_code == 400
    assert f"{path}: this server does not run" in str(response.json()["message"])
    assert admin_api.get("/api/system-config").json() == admin_api.get("/api/system-config/defaults").json()


@pytest.mark.django_db
def test_the_settings_of_features_not_run_are_stored(admin_api):
    config = config_with(admin_api, "oauth.defaultStorageQuota", 10)
    config["machineLearning"]["facialRecognition"]["maxDistance"] = 1  # a whole number where a float is expected
    config["server"]["loginPageMessage"] = "Welcome"
    assert admin_api.put("/api/system-config", config, format="json").status_code == 200
    stored = admin_api.get("/api/system-config").json()
    assert stored["oauth"]["defaultStorageQuota"] == 10 and stored["server"]["loginPageMessage"] == "Welcome"
    assert stored["machineLearning"]["facialRecognition"]["maxDistance"] == 1


@pytest.mark.django_db
def test_a_config_without_the_settings_beyond_the_reference_keeps_them(admin_api):
    config = config_with(admin_api, "storageTemplate.timeZone", "Europe/Paris")
    admin_api.put("/api/system-config", config, format="json")
    del config["storageTemplate"]["timeZone"], config["metadata"]["defaultTimeZone"]
    del config["job"]["storageTemplateMigration"]
    config["trash"]["days"] = 5

    response = admin_api.put("/api/system-config", config, format="json")

    assert response.status_code == 200
    assert response.json()["storageTemplate"]["timeZone"] == "Europe/Paris"
    assert response.json()["metadata"]["defaultTimeZone"] == "UTC" and response.json()["trash"]["days"] == 5
