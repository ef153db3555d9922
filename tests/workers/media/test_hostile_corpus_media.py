"""The media operations straight over the hostile corpus, without the server: metadata, thumbnails and face tags
of each image, metadata, still and transcoding probe of each video. Each ends with a result or UnreadableMedia and
a reason a person can act on. They run in a child process that a crash in C would kill (crash_guard.py), so a
crash is named with its file instead of ending the test run."""

from __future__ import annotations

import pytest

from tests.hostile_corpus import PASSWD_MARKER, hostile_corpus, problem_with_reason
from tests.workers.media.crash_guard import OK, UNREADABLE, run_guarded

# Names only matter to the server (tests/assets/test_hostile_corpus.py); their content is one good JPEG.
CORPUS = {hostile.label: hostile for hostile in hostile_corpus() if hostile.family != "name"}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> dict[str, dict]:
    return run_guarded(list(CORPUS), tmp_path_factory.mktemp("guarded"))


def operations(guarded):
    for label, found in guarded.items():
        for operation, (outcome, reason, details) in found.get("results", {}).items():
            yield f"{label} {operation}", outcome, reason, details


def test_no_file_crashes_or_hangs_the_process(guarded):
    assert {label: found["crash"] for label, found in guarded.items() if "crash" in found} == {}
    assert sorted(guarded) == sorted(CORPUS)


def test_every_operation_ends_with_a_result_or_a_reason_for_people(guarded):
    problems = {}
    for where, outcome, reason, _ in operations(guarded):
        if outcome not in (OK, UNREADABLE):
            problems[where] = f"raised {outcome}: {reason}"
        elif outcome == UNREADABLE and (problem := problem_with_reason(reason)):
            problems[where] = f"{problem}: {reason!r}"
    assert problems == {}


def test_a_refusal_leaves_no_output_and_no_original_is_changed(guarded):
    assert {
        where: leftovers for where, outcome, _, leftovers in operations(guarded) if outcome == UNREADABLE and leftovers
    } == {}
    assert [label for label, found in guarded.items() if not found.get("unchanged", True)] == []


def test_xmp_entities_are_refused_and_never_resolved(guarded):
    hostile = [label for label in CORPUS if label.startswith("xmp/") and label != "xmp/sidecar-named-to-escape"]
    facts = {label: guarded[label].get("results", {}).get("facts", ("crashed", "", [])) for label in hostile}
    assert all(outcome == OK for outcome, _, _ in facts.values())
    assert {
        label: details for label, (_, _, details) in facts.items() if not any("refused" in str(d) for d in details)
    } == {}
    assert not [where for where, _, reason, details in operations(guarded) if PASSWD_MARKER in f"{reason}{details}"]


def test_no_file_takes_the_process_past_1_gb(guarded):
    """Issue 26, item 5: decoding is costed from the header and refused over the limit (512 MB by default), or
    reduced while decoding; the decode bombs took 0.7-2.4 GB each before. The child is a real process, its peak
    resident memory read from the kernel (VmHWM, reset before each file)."""
    peaks = {label: found["peak_mb"] for label, found in guarded.items() if "peak_mb" in found}
    assert sorted(peaks) == sorted(CORPUS)
    assert {label: peak for label, peak in peaks.items() if peak >= 1024} == {}


def test_decode_bombs_are_refused_with_the_figure_or_reduced(guarded):
    thumbnails = {
        label: guarded[label]["results"]["thumbnails"] for label in CORPUS if label.startswith("decode-bomb/")
    }
    assert {label: outcome for label, (outcome, _, _) in thumbnails.items()} == {
        "decode-bomb/jp2-rgba-9999x9999": OK,  # decoded at 2500x2500
        "decode-bomb/bmp-rle-10000x10000": UNREADABLE,
        "decode-bomb/png-interlaced-16bit-9999x9999": UNREADABLE,
        "decode-bomb/jpeg-progressive-15000x15000": UNREADABLE,  # over the pixel limit of this run (100 million)
        "decode-bomb/jpeg-progressive-9999x9999": OK,
    }
    assert "would need 1.2 GB to decode, the limit is 0.5 GB" in thumbnails["decode-bomb/bmp-rle-10000x10000"][1]
    assert "would need 0.6 GB to decode" in thumbnails["decode-bomb/png-interlaced-16bit-9999x9999"][1]
