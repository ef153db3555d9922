import os
import uuid

from django.utils import timezone

from assets.models import Asset, AssetType


def make_assets(owner, count: int) -> list[str]:
    """Asset rows without files, for tests of the job machinery (the steps they run never open the file)."""
    now = timezone.now()
    assets = Asset.objects.bulk_create(
        Asset(
            owner=owner,
            type=AssetType.IMAGE,
            original_path=f"/nonexistent/{uuid.uuid4()}.jpg",
            original_file_name="photo.jpg",
            checksum=os.urandom(20),
            file_created_at=now,
            file_modified_at=now,
            local_date_time=now,
        )
        for _ in range(count)
    )
    return [str(asset.id) for asset in assets]


def run_pending_steps() -> list[str]:
    """What workers do, in process: run every pending step, oldest first, until none is left (the chain queues
    each next step as the one before ends). Returns "<step>:<outcome>" for each run, in order."""
    from jobs.models import AssetStep, Step, StepStatus
    from jobs.services import step_run

    ran = []
    while pending := list(
        AssetStep.objects.filter(status=StepStatus.PENDING).order_by("queued_at", "id").values_list("asset_id", "step")
    ):
        for asset_id, step in pending:
            ran.append(f"{step}:{step_run(asset_id=asset_id, step=Step(step))}")
    return ran
