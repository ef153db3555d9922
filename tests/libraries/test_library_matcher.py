"""One matcher for scan and watch: reference default exclusions, brace globs, case, folders pruned whole."""

from __future__ import annotations

import pytest

from libraries.matcher import Matcher, pattern_problem
from libraries.models import DEFAULT_EXCLUSION_PATTERNS

DEFAULTS = Matcher(tuple(DEFAULT_EXCLUSION_PATTERNS))


@pytest.mark.parametrize(
    "path",
    [
        "/photos/@eaDir/IMG_1.jpg/SYNOFILE_THUMB_XL.jpg",
        "/photos/2020/._IMG_1.jpg",
        "/photos/#recycle/old.jpg",
        "/photos/a/#snapshot/b/c.jpg",
        "/photos/.stversions/x.jpg",
        "/photos/.stfolder/x.jpg",
    ],
)
def test_reference_defaults_exclude(path):
    assert DEFAULTS.is_excluded(path)


@pytest.mark.parametrize(
    "path", ["/photos/IMG_1.jpg", "/photos/eaDir/x.jpg", "/photos/recycle/x.jpg", "/photos/a._b.jpg"]
)
def test_reference_defaults_keep(path):
    assert not DEFAULTS.is_excluded(path)


def test_brace_expansion_and_case():
    matcher = Matcher(("**/*.{arw,dng}",))
    assert matcher.is_excluded("/p/raw/IMG_1.ARW") and matcher.is_excluded("/p/IMG_2.dng")
    assert not matcher.is_excluded("/p/IMG_3.jpg")


def test_nested_braces_and_globs_inside_braces():
    matcher = Matcher(("/p/{a,b/{c,d*}}/**",))
    assert matcher.is_excluded("/p/a/x.jpg") and matcher.is_excluded("/p/b/c/x.jpg")
    assert matcher.is_excluded("/p/b/dog/x.jpg") and not matcher.is_excluded("/p/b/e/x.jpg")


def test_relative_patterns_match_at_any_depth():
    matcher = Matcher(("Private/**", "*.tmp.jpg"))
    assert matcher.is_excluded("/p/2020/private/x.jpg")
    assert matcher.is_excluded("/p/deep/er/file.tmp.jpg")


def test_single_star_stays_in_one_segment():
    matcher = Matcher(("/p/*/skip.jpg",))
    assert matcher.is_excluded("/p/a/skip.jpg") and not matcher.is_excluded("/p/a/b/skip.jpg")


def test_character_classes_and_question_mark():
    matcher = Matcher(("**/IMG_[0-4]?.jpg", "**/[!a-z]*.png"))
    assert matcher.is_excluded("/p/IMG_12.jpg") and not matcher.is_excluded("/p/IMG_52.jpg")
    assert matcher.is_excluded("/p/1.png") and not matcher.is_excluded("/p/b.png")


def test_folders_are_pruned_when_everything_below_is_excluded():
    assert DEFAULTS.prunes_folder("/photos/@eaDir")
    assert DEFAULTS.prunes_folder("/photos/.git")
    assert not DEFAULTS.prunes_folder("/photos/2020")
    assert Matcher(("**/tmp",)).prunes_folder("/photos/tmp")
    assert not Matcher(("**/*.jpg",)).prunes_folder("/photos/x")


def test_kinds_are_the_supported_media_types_and_sidecars():
    assert Matcher.kind_of("a.JPG") == "media" and Matcher.kind_of("b.mp4") == "media"
    assert Matcher.kind_of("c.heic") == "media" and Matcher.kind_of("a.jpg.xmp") == "sidecar"
    assert Matcher.kind_of("notes.txt") is None and Matcher.kind_of(".jpg") is None


@pytest.mark.parametrize("pattern", ["**/{a,b", "**/[abc", ""])
def test_broken_patterns_are_reported(pattern):
    assert pattern_problem(pattern)
