"""Hostile and broken face tags: warnings, never an exception, never a resolved entity."""

from __future__ import annotations

import time

import pytest

from tests.people.face_factories import face_picture, jpeg_with_xmp, mp_block, mwg_block, packet
from workers.media import faces, xmp


def read(original, sidecar=None, orientation=1) -> faces.FaceRegions:
    return faces.read_face_regions(original, sidecar=sidecar, orientation=orientation, stored_size=(300, 200))


@pytest.fixture
def original(tmp_path):
    return jpeg_with_xmp(tmp_path / "plain.jpg", picture=face_picture(), orientation=1)


def sidecar_with(tmp_path, data: bytes):
    path = tmp_path / "plain.jpg.xmp"
    path.write_bytes(data)
    return path


def test_malformed_xmp_is_a_warning(tmp_path, original):
    found = read(original, sidecar_with(tmp_path, packet(mwg_block([("A", (0.1, 0.1, 0.2, 0.2))]))[:-40]))
    assert found.regions == () and any("malformed XMP" in warning for warning in found.warnings)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog, name", [(BILLION_LAUGHS, "&c;"), (EXTERNAL, "&secret;")])
def test_entities_are_refused_not_resolved(tmp_path, original, prolog, name):
    data = prolog + packet(mwg_block([(name, (0.1, 0.1, 0.2, 0.2))])).split(b"?>", 1)[1]
    found = read(original, sidecar_with(tmp_path, data))
    assert found.regions == ()
    assert any("DOCTYPE or ENTITY, refused" in warning for warning in found.warnings)


def test_entities_in_embedded_xmp_are_refused_too(tmp_path):
    data = EXTERNAL + packet(mwg_block([("&secret;", (0.1, 0.1, 0.2, 0.2))])).split(b"?>", 1)[1]
    path = jpeg_with_xmp(tmp_path / "e.jpg", picture=face_picture(), orientation=1, xmp=data)
    found = read(path)
    assert found.regions == () and any("refused" in warning for warning in found.warnings)


def test_utf16_packets_are_decoded_then_refused_for_their_entities(tmp_path, original):
    data = EXTERNAL.decode() + packet(mwg_block([("&secret;", (0.1, 0.1, 0.2, 0.2))])).decode().split("?>", 1)[1]
    found = read(
        original,
        sidecar_with(tmp_path, data.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")),
    )
    assert found.regions == () and any("DOCTYPE or ENTITY, refused" in warning for warning in found.warnings)


def test_boxes_reaching_outside_are_clamped_and_boxes_outside_dropped(tmp_path, original):
    xmp_data = packet(
        mwg_block([("Edge", (0.9, -0.1, 1.2, 0.3)), ("Gone", (1.1, 0.2, 1.3, 0.4))]),
        mp_block([("Far", (-0.5, -0.5, -0.2, -0.2))]),
    )
    found = read(original, sidecar_with(tmp_path, xmp_data))
    [edge] = found.regions
    assert (edge.name, edge.box) == ("Edge", faces.Box(0.9, 0.0, 1.0, 0.3))
    assert sum("clamped" in warning for warning in found.warnings) == 1
    assert sum("entirely outside" in warning for warning in found.warnings) == 2


def test_empty_negative_and_nonsense_boxes_are_skipped(tmp_path, original):
    xmp_data = packet(
        '<mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>'
        '<rdf:li mwg-rs:Name="Neg"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="-0.1" stArea:h="0.1"/></rdf:li>'
        '<rdf:li mwg-rs:Name="Point"><mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:unit="normalized"/></rdf:li>'
        '<rdf:li mwg-rs:Name="NaN"><mwg-rs:Area stArea:x="nan" stArea:y="0.5" stArea:w="0.1" stArea:h="0.1"/></rdf:li>'
        '<rdf:li mwg-rs:Name="NoArea"/>'
        "</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>",
        '<MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>'
        '<rdf:li MPReg:Rectangle="0.1, 0.2, zero" MPReg:PersonDisplayName="Bad"/>'
        '<rdf:li MPReg:PersonDisplayName="Whole picture"/>'
        "</rdf:Bag></MPRI:Regions></MP:RegionInfo>",
    )
    found = read(original, sidecar_with(tmp_path, xmp_data))
    assert found.regions == ()
    assert len(found.warnings) == 6


def test_thousands_of_regions_are_capped_quickly(tmp_path, original):
    regions = [
        (f"P{index}", (index % 100 / 100, index // 100 / 100, index % 100 / 100 + 0.005, index // 100 / 100 + 0.005))
        for index in range(5000)
    ]
    data = packet(mwg_block(regions), mp_block(regions))
    started = time.monotonic()
    found = read(original, sidecar_with(tmp_path, data))
    assert time.monotonic() - started < 10
    assert len(found.regions) == faces.MAX_REGIONS
    assert any("only the first 1000" in warning for warning in found.warnings)


def test_thousands_of_bad_regions_give_a_readable_number_of_warnings(tmp_path, original):
    regions = [(f"P{index}", (2.0, 2.0, 2.1, 2.1)) for index in range(3000)]
    found = read(original, sidecar_with(tmp_path, packet(mwg_block(regions))))
    assert found.regions == () and len(found.warnings) == faces.MAX_WARNINGS
    assert "more warnings" in found.warnings[-1]


def test_an_oversized_sidecar_is_refused(tmp_path, original):
    data = packet(mwg_block([("A", (0.1, 0.1, 0.2, 0.2))])) + b" " * (xmp.MAX_XMP_BYTES + 10)
    found = read(original, sidecar_with(tmp_path, data))
    assert found.regions == () and any("larger than" in warning for warning in found.warnings)


def test_a_missing_sidecar_or_original_is_a_warning(tmp_path):
    found = read(tmp_path / "nothing.jpg", tmp_path / "nothing.xmp")
    assert found.regions == () and len(found.warnings) == 2


@pytest.mark.parametrize(
    "content", [b"", b"not an image at all", b"\xff\xd8\xff\xe1\x00", b"\xff\xd8\xff\xe1\xff\xff" + b"x" * 20]
)
def test_broken_originals_are_warnings_or_nothing(tmp_path, content):
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    assert read(path).regions == ()


def test_a_truncated_jpeg_still_gives_its_tags(tmp_path):
    path = jpeg_with_xmp(
        tmp_path / "t.jpg", picture=face_picture(), orientation=1, xmp=packet(mwg_block([("T", (0.1, 0.1, 0.2, 0.2))]))
    )
    path.write_bytes(path.read_bytes()[:-500])
    assert [region.name for region in read(path).regions] == ["T"]


def test_a_pixel_area_without_any_size_is_skipped(tmp_path, original):
    data = packet(
        mwg_block([("Px", (0.1, 0.1, 0.2, 0.2))], applied=(3000, 2000), unit="pixel").replace(
            '<mwg-rs:AppliedToDimensions stDim:w="3000" stDim:h="2000" stDim:unit="pixel"/>', ""
        )
    )
    found = faces.read_face_regions(original, sidecar=sidecar_with(tmp_path, data), orientation=1, stored_size=None)
    assert found.regions == () and any("pixel area" in warning for warning in found.warnings)


def test_very_long_names_are_shortened(tmp_path, original):
    found = read(original, sidecar_with(tmp_path, packet(mwg_block([("N" * 1000, (0.1, 0.1, 0.2, 0.2))]))))
    assert len(found.regions[0].name) == faces.MAX_NAME_LENGTH and any("shortened" in w for w in found.warnings)


def test_randomly_damaged_files_and_sidecars_never_raise(tmp_path):
    import random

    generator = random.Random(9)
    xmp_data = packet(
        mwg_block([("A", (0.1, 0.1, 0.3, 0.3))], applied=(300, 200)), mp_block([("B", (0.5, 0.5, 0.7, 0.7))])
    )
    jpeg = jpeg_with_xmp(tmp_path / "good.jpg", picture=face_picture(), orientation=6, xmp=xmp_data).read_bytes()
    for attempt in range(150):
        damaged_jpeg, damaged_xmp = bytearray(jpeg), bytearray(xmp_data)
        for data in (damaged_jpeg, damaged_xmp):
            for _ in range(generator.randint(1, 8)):
                data[generator.randrange(len(data) // 4 if data is damaged_jpeg else len(data))] = generator.randrange(
                    256
                )
        original, sidecar = tmp_path / f"{attempt}.jpg", tmp_path / f"{attempt}.xmp"
        original.write_bytes(bytes(damaged_jpeg))
        sidecar.write_bytes(bytes(damaged_xmp[: generator.randrange(len(damaged_xmp) + 1)]))
        for side in (None, sidecar):
            found = faces.read_face_regions(original, sidecar=side, orientation=6, stored_size=(200, 300))
            assert all(0 <= r.box.x1 < r.box.x2 <= 1 and 0 <= r.box.y1 < r.box.y2 <= 1 for r in found.regions)
