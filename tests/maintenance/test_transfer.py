import pytest
from django.core.management import CommandError, call_command

from albums.models import Album
from assets.models import Asset
from jobs.models import AssetStep, Step, StepStatus
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def transfer(*args):
    from io import StringIO

    out = StringIO()
    call_command("transfer_user_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def source_data(api, other_api, tmp_path):
    """Alice has three photos in an album; Bob already has one of them."""
    ids = [upload_photo(api, tmp_path / str(i), color=(10 * i, 0, 0)) for i in range(3)]
    album = api.post("/api/albums", {"albumName": "Trip", "assetIds": ids}, format="json").json()
    bobs_copy = upload_photo(other_api, tmp_path / "0", color=(0, 0, 0))
    return {"ids": ids, "album": album["id"], "bobs_copy": bobs_copy}


def test_dry_run_reports_and_changes_nothing(user, other_user, source_data):
    output = transfer("--from", user.email, "--to", other_user.email)
    assert "Would move 2 assets" in output and "1 albums" in output and "1 duplicates stay" in output
    assert "Dry run: nothing changed" in output
    assert Asset.objects.filter(owner=user).count() == 3


def test_apply_moves_assets_albums_and_quota(user, other_user, source_data):
    output = transfer("--from", user.email, "--to", other_user.email, "--apply")
    assert "Moved 2 assets" in output
    assert set(map(str, Asset.objects.filter(owner=other_user).values_list("id", flat=True))) == {
        *source_data["ids"][1:],
        source_data["bobs_copy"],
    }
    assert Asset.objects.get(pk=source_data["ids"][0]).owner == user
    album = Album.objects.get(pk=source_data["album"])
    assert album.owner == other_user
    assert set(map(str, album.assets.values_list("id", flat=True))) == {
        *source_data["ids"][1:],
        source_data["bobs_copy"],
    }
    user.refresh_from_db()
    assert user.quota_usage_in_bytes == Asset.objects.get(pk=source_data["ids"][0]).file_size


def test_apply_regenerates_thumbnails_under_the_new_owner(user, other_user, source_data):
    transfer("--from", user.email, "--to", other_user.email, "--apply")
    steps = AssetStep.objects.filter(asset_id__in=source_data["ids"][1:], step=Step.THUMBNAILS)
    assert {step.status for step in steps} == {StepStatus.PENDING} and steps.count() == 2


def test_duplicates_can_be_deleted(user, other_user, source_data):
    output = transfer("--from", user.email, "--to", other_user.email, "--apply", "--delete-duplicates")
    assert "duplicate deleted" in output
    assert Asset.objects.get(pk=source_data["ids"][0]).status == "deleted"


def test_transfer_to_the_same_user_is_refused(user, source_data):
    with pytest.raises(CommandError, match="same user"):
        transfer("--from", user.email, "--to", user.email, "--apply")
    assert Asset.objects.filter(owner=user).count() == 3


def test_transfer_to_an_unknown_user_is_refused(user, source_data):
    with pytest.raises(CommandError, match="No user"):
        transfer("--from", user.email, "--to", "nobody@example.com", "--apply")


@pytest.mark.django_db(transaction=True)
def test_uploads_during_a_transfer_leave_nothing_half_done(user, other_user, tmp_path):
    """Uploads race a transfer: afterwards every asset has one owner and each user's quota usage is exactly the
    size of what they own (the transfer locks both users, uploads charge the quota under the same lock)."""
    import threading

    from django.db import connection
    from django.db.models import Sum

    from maintenance.transfer import transfer_apply
    from tests.assets.helpers import upload_file
    from tests.conftest import client_for
    from tests.media_factories import make_jpeg

    for index in range(3):
        upload_file(client_for(user), make_jpeg(tmp_path / f"before{index}.jpg", color=(40 * index, 50, 50)))
    photos = [make_jpeg(tmp_path / f"during{index}.jpg", color=(40 * index, 200, 90)) for index in range(6)]
    start = threading.Barrier(2)

    def uploads():
        client = client_for(user)
        start.wait()
        try:
            for photo in photos:
                upload_file(client, photo)
        finally:
            connection.close()

    thread = threading.Thread(target=uploads)
    thread.start()
    start.wait()
    transfer_apply(source=user, destination=other_user)
    thread.join()
    assert Asset.objects.count() == 9
    for owner in (user, other_user):
        owner.refresh_from_db()
        owned = Asset.objects.filter(owner=owner).aggregate(total=Sum("file_size"))["total"] or 0
        assert owner.quota_usage_in_bytes == owned
