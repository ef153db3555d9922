"""Keywords already in files become tags on metadata extraction, as Immich does: digiKam's TagsList, else
Lightroom's hierarchicalSubject ("a|b"), else dc:subject; a sidecar's keywords win over the file's; tags the user
put on through the API stay."""

from __future__ import annotations

import pytest

from jobs.models import Step
from jobs.services import step_run
from tags.models import Tag
from tests.assets.helpers import upload_file
from tests.exiftool_files import exiftool_tag
from tests.media_factories import make_exif_jpeg
from workers.media.xmp import parse_xmp

pytestmark = pytest.mark.django_db

NAMESPACES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
}


def keyword_packet(**lists: list[str]) -> bytes:
    """An XMP packet with rdf:Bag lists: keys like lr__hierarchicalSubject."""
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    body = ""
    for key, items in lists.items():
        name = key.replace("__", ":")
        body += f"<{name}><rdf:Bag>" + "".join(f"<rdf:li>{item}</rdf:li>" for item in items) + f"</rdf:Bag></{name}>"
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"<rdf:Description {declarations}>{body}</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def test_lightroom_paths_are_preferred_to_flat_subjects():
    packet = keyword_packet(dc__subject=["Rome"], lr__hierarchicalSubject=["Travel|Italy|Rome", "AC/DC"])
    assert parse_xmp(packet)["keywords"] == ("Travel/Italy/Rome", "AC-DC")


def test_digikam_paths_come_first():
    packet = keyword_packet(digiKam__TagsList=["People/Ann"], lr__hierarchicalSubject=["People|Bob"])
    assert parse_xmp(packet)["keywords"] == ("People/Ann",)


def upload_with_keywords(api, tmp_path, sidecar: bytes | None = None, **lists) -> str:
    path = make_exif_jpeg(tmp_path / "tagged.jpg", xmp=keyword_packet(**lists))
    if sidecar is None:
        return upload_file(api, path)["id"]
    (tmp_path / "tagged.xmp").write_bytes(sidecar)
    with (tmp_path / "tagged.xmp").open("rb") as handle:
        return upload_file(api, path, sidecarData=handle)["id"]


def values_of(api, asset_id: str) -> list[str]:
    return [tag["value"] for tag in api.get(f"/api/assets/{asset_id}").json()["tags"]]


def test_extraction_turns_keywords_into_tags_with_their_parents(api, tmp_path, user):
    asset_id = upload_with_keywords(api, tmp_path, lr__hierarchicalSubject=["Travel|Italy|Rome", "Family"])
    step_run(asset_id=asset_id, step=Step.METADATA)
    assert values_of(api, asset_id) == ["Family", "Travel/Italy/Rome"]
    assert set(Tag.objects.filter(owner=user).values_list("value", flat=True)) == {
        "Family", "Travel", "Travel/Italy", "Travel/Italy/Rome",
    }  # fmt: skip


def test_a_sidecars_keywords_win(api, tmp_path):
    sidecar = keyword_packet(dc__subject=["From the sidecar"])
    asset_id = upload_with_keywords(api, tmp_path, sidecar=sidecar, dc__subject=["From the file"])
    step_run(asset_id=asset_id, step=Step.METADATA)
    assert values_of(api, asset_id) == ["From the sidecar"]


def test_tags_the_user_added_stay_when_extraction_runs_again(api, tmp_path):
    asset_id = upload_with_keywords(api, tmp_path, dc__subject=["Beach"])
    [mine] = api.put("/api/tags", {"tags": ["Mine"]}, format="json").json()
    api.put(f"/api/tags/{mine['id']}/assets", {"ids": [asset_id]}, format="json")
    step_run(asset_id=asset_id, step=Step.METADATA)
    step_run(asset_id=asset_id, step=Step.METADATA)
    assert values_of(api, asset_id) == ["Beach", "Mine"]


def test_keywords_with_empty_parts_are_cleaned_or_left_out(api, tmp_path):
    asset_id = upload_with_keywords(api, tmp_path, digiKam__TagsList=["/a//b/", "/", "x" * 300])
    step_run(asset_id=asset_id, step=Step.METADATA)
    assert values_of(api, asset_id) == ["a/b"]


def test_iptc_keywords_become_tags(api, tmp_path):
    path = exiftool_tag(make_exif_jpeg(tmp_path / "iptc.jpg"), "IPTC:Keywords=Press", "IPTC:Keywords=Sport")
    asset_id = upload_file(api, path)["id"]
    step_run(asset_id=asset_id, step=Step.METADATA)
    assert values_of(api, asset_id) == ["Press", "Sport"]
