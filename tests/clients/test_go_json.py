"""The Go-side decoder the immich-go replay relies on reads answers as immich-go's structs do."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.clients import go_json as go

INSTANT = datetime(2023, 10, 6, 6, 30, 3, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2023-10-06T06:30:03.000Z", INSTANT), ("2023-10-06T06:30:03Z", None), ("2023-10-06T06:30:03.000000Z", None),
     ("2023-10-06T06:30:03.000+00:00", None), (None, None)],
)  # fmt: skip
def test_immich_time_reads_only_milliseconds_and_z(text, expected):
    assert go.decode(text, go.IMMICH_TIME) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2023-10-06T06:30:03.000+00:00", INSTANT), ("2023-10-06T06:30:03+00:00", INSTANT),
     ("2023-10-06T08:30:03.000+02:00", None), ("2023-10-06T06:30:03.000Z", None)],
)  # fmt: skip
def test_immich_exif_time_reads_only_the_utc_offset_spelled_out(text, expected):
    assert go.decode(text, go.IMMICH_EXIF_TIME) == expected


def test_a_value_of_the_wrong_json_type_fails_the_call():
    with pytest.raises(go.GoDecodeError):
        go.decode({"exifInfo": {"orientation": 6}}, {"exifInfo": go.EXIF})
    with pytest.raises(go.GoDecodeError):
        go.decode({"exifImageWidth": 4000.5}, go.EXIF)


def test_next_page_is_a_quoted_number_or_null():
    assert go.decode({"nextPage": "2"}, {"nextPage": go.INT_STRING}) == {"nextPage": 2}
    assert go.decode({"nextPage": None}, {"nextPage": go.INT_STRING}) == {"nextPage": 0}
    with pytest.raises(go.GoDecodeError):
        go.decode({"nextPage": 2}, {"nextPage": go.INT_STRING})


def test_null_and_missing_keys_leave_zero_values_and_keys_match_without_case():
    decoded = go.decode({"ID": "a", "isAdmin": None}, {"id": go.STRING, "isAdmin": go.BOOL, "email": go.STRING})
    assert decoded == {"id": "a", "isAdmin": False, "email": ""}
