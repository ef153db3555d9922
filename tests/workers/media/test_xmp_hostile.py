"""XMP from files is decoded to text before any check, parsed without DTDs or entities, and bounded in depth
(issue 26, items 7 and 8): the attack's UTF-16 sidecar after padding, and its deeply nested sidecar."""

from __future__ import annotations

import time

import pytest

from tests.media_factories import make_exif_jpeg, make_xmp_packet
from workers.media import xmp
from workers.media.metadata import image_facts

_ENTITIES = (
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def _with_entities() -> str:
    return _ENTITIES + make_xmp_packet(dc__description="&c;&c;&c;", xmp__Rating="3").decode()


def test_utf16_after_64_bytes_of_padding_is_refused_without_expanding_entities(tmp_path):
    """The attack: 64 bytes, then UTF-16LE with internal entities, got past a check of NULs in the first 64 bytes
    and was expanded (1.4 KB -> 7 M characters)."""
    source = make_exif_jpeg(tmp_path / "padded.jpg")
    sidecar = tmp_path / "padded.jpg.xmp"
    sidecar.write_bytes(b" " * 64 + _with_entities().encode("utf-16-le"))
    facts = image_facts(source, sidecar=sidecar)
    assert facts.description is None and facts.rating is None
    assert any("NUL characters" in warning for warning in facts.warnings)


ENCODINGS_WITH_MARKS = ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]


def _marked(text: str, encoding: str) -> bytes:
    return "\ufeff".encode(encoding) + text.encode(encoding)


@pytest.mark.parametrize("encoding", ENCODINGS_WITH_MARKS)
def test_entities_are_refused_in_every_encoding_a_byte_order_mark_names(encoding):
    with pytest.raises(xmp.BadXmp, match="DOCTYPE or ENTITY"):
        xmp.parse_xmp(_marked(_with_entities(), encoding))


@pytest.mark.parametrize("encoding", ENCODINGS_WITH_MARKS)
def test_a_packet_with_a_byte_order_mark_is_read_in_its_encoding(encoding):
    packet = make_xmp_packet(dc__description="Čestitke ✓", xmp__Rating="4").decode()
    declared = '<?xml version="1.0" encoding="UTF-16"?>' + packet
    assert xmp.parse_xmp(_marked(declared, encoding)) == {"description": "Čestitke ✓", "rating": 4}


def test_invalid_utf8_without_a_mark_is_refused():
    with pytest.raises(xmp.BadXmp, match="not valid UTF-8"):
        xmp.parse_xmp(make_xmp_packet(dc__description="x").replace(b"x<", b"\xff\xfe\xfa<"))


def _nested(depth: int) -> bytes:
    opening = "<rdf:Description><dc:description>" * depth
    closing = "</dc:description></rdf:Description>" * depth
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"{opening}<rdf:Alt><rdf:li>deep</rdf:li></rdf:Alt>{closing}</rdf:RDF></x:xmpmeta>"
    ).encode()


def test_a_deeply_nested_sidecar_is_refused_at_once(tmp_path):
    """The attack's 4 MB nested sidecar took 129 s (quadratic in the depth); 16,000 levels (1 MB) took about 15 s."""
    data = _nested(16_000)
    started = time.monotonic()
    with pytest.raises(xmp.BadXmp, match=f"more than {xmp.MAX_XMP_DEPTH} deep"):
        xmp.parse_xmp(data)
    assert time.monotonic() - started < 1


def test_nesting_within_the_bound_is_read_in_linear_time():
    """Many nested chains just under the depth bound, 3 MB in all: one pass, about a second on a loaded machine."""
    chain = _nested((xmp.MAX_XMP_DEPTH - 6) // 2)  # each level is two elements; the root and four more around
    wrapped = b"<root>" + chain * (3_000_000 // len(chain)) + b"</root>"
    started = time.monotonic()
    values = xmp.parse_xmp(wrapped)
    assert values == {"description": "deep"}
    assert time.monotonic() - started < 10
