import pytest

from jobs.models import AssetStep, QueueState, Step, StepStatus
from tests.assets.helpers import upload_photo
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

QUEUES = {
    "nsfwDetection",  # this server's own (issue 25)
    "thumbnailGeneration",
    "metadataExtraction",
    "videoConversion",
    "storageTemplateMigration",
    "migration",
    "library",
    "sidecar",
    "backgroundTask",
    "backupDatabase",
    "duplicateDetection",
    # Immich's queues for work this server does not do: known, zero counts, commands accepted
    "faceDetection",
    "facialRecognition",
    "smartSearch",
    "search",
    "notifications",
    "ocr",
    "workflow",
    "editor",
    "integrityCheck",
}
IMMICH_GO_PAUSES = ("thumbnailGeneration", "metadataExtraction", "videoConversion", "faceDetection", "smartSearch")


def test_jobs_lists_every_queue_in_the_reference_shape(admin_api):
    body = admin_api.get("/api/jobs").json()
    assert set(body) == QUEUES
    assert body["metadataExtraction"] == {
        "jobCounts": {"active": 0, "completed": 0, "failed": 0, "delayed": 0, "waiting": 0, "paused": 0},
        "queueStatus": {"isActive": False, "isPaused": False},
    }


def test_counts_follow_recorded_step_state(admin_api, api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    assert admin_api.get("/api/jobs").json()["metadataExtraction"]["jobCounts"]["waiting"] == 1
    AssetStep.objects.filter(asset_id=asset_id, step=Step.METADATA).update(status=StepStatus.FAILED, last_error="bad")
    counts = admin_api.get("/api/jobs").json()["metadataExtraction"]["jobCounts"]
    assert (counts["waiting"], counts["failed"]) == (0, 1)


def test_jobs_are_admin_only(api, anonymous):
    assert api.get("/api/jobs").status_code == 403
    assert api.put("/api/jobs/metadataExtraction", {"command": "pause"}, format="json").status_code == 403
    assert api.get("/api/queues").status_code == 403
    assert anonymous.get("/api/jobs").status_code == 401


def test_pause_is_recorded_and_reported(admin_api, api, tmp_path):
    upload_photo(api, tmp_path)
    body = admin_api.put("/api/jobs/metadataExtraction", {"command": "pause"}, format="json").json()
    assert body["queueStatus"]["isPaused"] is True
    assert body["jobCounts"]["paused"] == 1 and body["jobCounts"]["waiting"] == 0
    assert QueueState.objects.get(queue="metadataExtraction").is_paused


def test_resume_unpauses(admin_api):
    admin_api.put("/api/jobs/metadataExtraction", {"command": "pause"}, format="json")
    body = admin_api.put("/api/jobs/metadataExtraction", {"command": "resume"}, format="json").json()
    assert body["queueStatus"]["isPaused"] is False


def test_background_task_cannot_be_paused(admin_api):
    response = admin_api.put("/api/jobs/backgroundTask", {"command": "pause"}, format="json")
    assert response.status_code == 400


def test_start_missing_enqueues_assets_without_a_result(admin_api, api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    AssetStep.objects.filter(asset_id=asset_id).delete()
    body = admin_api.put("/api/jobs/metadataExtraction", {"command": "start", "force": False}, format="json").json()
    assert body["jobCounts"]["waiting"] == 1


def test_start_of_a_queue_without_steps_is_refused(admin_api):
    response = admin_api.put("/api/jobs/backupDatabase", {"command": "start"}, format="json")
    assert response.status_code == 400
    assert "Invalid job name" in response.json()["message"]


def test_a_queue_without_work_answers_zero_counts(admin_api):
    assert admin_api.get("/api/jobs").json()["faceDetection"] == {
        "jobCounts": {"active": 0, "completed": 0, "failed": 0, "delayed": 0, "waiting": 0, "paused": 0},
        "queueStatus": {"isActive": False, "isPaused": False},
    }


def test_a_queue_without_work_keeps_its_pause(admin_api):
    body = admin_api.put("/api/jobs/smartSearch", {"command": "pause", "force": True}, format="json").json()
    assert body["queueStatus"]["isPaused"] is True
    assert admin_api.get("/api/jobs").json()["smartSearch"]["queueStatus"]["isPaused"] is True
    assert admin_api.get("/api/queues/smartSearch").json()["isPaused"] is True


def test_immich_go_pauses_five_queues_and_resumes_them(admin_api):
    for name in IMMICH_GO_PAUSES:
        response = admin_api.put(f"/api/jobs/{name}", {"command": "pause", "force": True}, format="json")
        assert response.status_code == 200, (name, response.content)
    for name in IMMICH_GO_PAUSES:
        response = admin_api.put(f"/api/jobs/{name}", {"command": "resume", "force": True}, format="json")
        assert response.json()["queueStatus"]["isPaused"] is False
    assert not QueueState.objects.filter(is_paused=True).exists()


def test_start_of_a_queue_without_work_is_accepted_and_queues_nothing(admin_api):
    response = admin_api.put("/api/jobs/faceDetection", {"command": "start", "force": True}, format="json")
    assert response.status_code == 200
    assert response.json()["jobCounts"]["waiting"] == 0


def test_unknown_queue_is_not_found(admin_api):
    assert admin_api.put("/api/jobs/nope", {"command": "pause"}, format="json").status_code == 404


def test_unknown_command_is_refused(admin_api):
    assert admin_api.put("/api/jobs/metadataExtraction", {"command": "explode"}, format="json").status_code == 400


def test_failed_items_carry_asset_and_reason(admin_api, api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    AssetStep.objects.filter(asset_id=asset_id, step=Step.METADATA).update(
        status=StepStatus.FAILED, last_error="not a readable image", attempts=1
    )
    items = admin_api.get("/api/queues/metadataExtraction/jobs?status=failed").json()
    assert [(item["assetId"], item["error"], item["originalFileName"]) for item in items] == [
        (asset_id, "not a readable image", "photo.jpg")
    ]


def test_retry_one_failed_item(admin_api, api, tmp_path):
    first = upload_photo(api, tmp_path / "a")
    second = upload_photo(api, tmp_path / "b", color=(3, 3, 3))
    AssetStep.objects.filter(step=Step.METADATA).update(status=StepStatus.FAILED, last_error="x")
    response = admin_api.post("/api/queues/metadataExtraction/jobs/retry", {"assetIds": [first]}, format="json")
    assert response.json() == {"count": 1}
    statuses = dict(AssetStep.objects.filter(step=Step.METADATA).values_list("asset_id", "status"))
    assert {str(k): v for k, v in statuses.items()} == {first: StepStatus.PENDING, second: StepStatus.FAILED}


def test_queues_api_shapes(admin_api):
    body = admin_api.get("/api/queues").json()
    assert {queue["name"] for queue in body} == QUEUES - {"nsfwDetection"}  # the SDK's names only
    one = admin_api.get("/api/queues/thumbnailGeneration").json()
    assert set(one) == {"name", "isPaused", "statistics"}
    paused = admin_api.put("/api/queues/thumbnailGeneration", {"isPaused": True}, format="json").json()
    assert paused["isPaused"] is True


def test_delete_queue_jobs_empties_and_clears_failed(admin_api, api, tmp_path):
    first = upload_photo(api, tmp_path / "a")
    upload_photo(api, tmp_path / "b", color=(3, 3, 3))
    AssetStep.objects.filter(asset_id=first, step=Step.METADATA).update(status=StepStatus.FAILED)
    response = admin_api.delete("/api/queues/metadataExtraction/jobs", {"failed": True}, format="json")
    assert response.status_code == 204
    assert not AssetStep.objects.filter(step=Step.METADATA).exists()


def test_manual_job_names(admin_api):
    assert admin_api.post("/api/jobs", {"name": "reconcile"}, format="json").status_code == 204
    assert admin_api.post("/api/jobs", {"name": "memory-create"}, format="json").status_code == 400


def test_api_key_needs_job_permission(admin):
    client = client_for(admin, ["asset.read"])
    assert client.get("/api/jobs").status_code == 403
