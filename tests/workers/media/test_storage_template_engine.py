"""The storage template language on values alone: variables, presets, escaping, validation, hostile names."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from workers.media import storage_template as engine
from workers.media import template_values

WHEN = datetime(2023, 2, 5, 15, 4, 9, 78000, tzinfo=timezone.utc)
VALUES = template_values.TemplateValues(
    asset_id="d587e44b-f8c0-4832-9ba3-43268bbf5d4e",
    taken=WHEN,
    original_file_name="IMG_0001.JPEG",
    extension=".JPEG",
    is_image=True,
    album=None,
    make="Canon",
    model="EOS R5",
    lens_model="RF 24-105mm",
)


def rendered(template: str, values=VALUES, collision: int = 0) -> str:
    return engine.render(template, values).relative(collision)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("y", "2023"),
        ("yy", "23"),
        ("M", "2"),
        ("MM", "02"),
        ("MMM", "Feb"),
        ("MMMM", "February"),
        ("W", "5"),
        ("WW", "05"),
        ("d", "5"),
        ("dd", "05"),
        ("h", "3"),
        ("hh", "03"),
        ("H", "15"),
        ("HH", "15"),
        ("m", "4"),
        ("mm", "04"),
        ("s", "9"),
        ("ss", "09"),
        ("SSS", "078"),
        ("kkkk", "2023"),
        ("kk", "23"),
    ],
)
def test_each_date_token_formats_like_luxon(token, expected):
    assert rendered(f"{{{{{token}}}}}/x") == f"{expected}/x.jpg"


def test_midnight_and_noon_on_the_12_hour_clock():
    assert rendered("{{h}}-{{hh}}/x", replace(VALUES, taken=WHEN.replace(hour=0))) == "12-12/x.jpg"
    assert rendered("{{h}}/x", replace(VALUES, taken=WHEN.replace(hour=12))) == "12/x.jpg"


def test_1_january_2021_is_iso_week_53_of_2020():
    new_year = replace(VALUES, taken=datetime(2021, 1, 1, 12, tzinfo=timezone.utc))
    assert rendered("{{y}}/{{W}}-{{WW}}/{{kkkk}}", new_year) == "2021/53-53/2020.jpg"
    assert rendered("{{kkkk}}/{{kkkk}}-W{{WW}}/{{filename}}", new_year) == "2020/2020-W53/IMG_0001.jpg"


def test_week_templates_with_the_calendar_year_get_a_warning():
    assert any("week-year" in note for note in engine.lint(engine.parse("{{y}}/{{y}}-{{WW}}/{{filename}}")))
    assert not engine.lint(engine.parse("{{kkkk}}/{{kkkk}}-{{WW}}/{{filename}}"))


def test_dates_are_read_in_the_zone_they_are_given_in():
    late_evening_in_new_york = datetime(2023, 1, 1, 3, 30, tzinfo=timezone.utc).astimezone(
        timezone(timedelta(hours=-5))
    )
    assert rendered("{{y}}-{{MM}}-{{dd}}/x", replace(VALUES, taken=late_evening_in_new_york)) == "2022-12-31/x.jpg"


def test_text_variables():
    assert rendered("{{filetype}}-{{filetypefull}}/{{assetIdShort}}/{{assetId}}") == (
        "IMG-IMAGE/43268bbf5d4e/d587e44b-f8c0-4832-9ba3-43268bbf5d4e.jpg"
    )
    video = replace(VALUES, is_image=False, original_file_name="clip.MOV", extension="mov")
    assert rendered("{{filetype}}-{{filetypefull}}/{{filename}}", video) == "VID-VIDEO/clip.mov"
    assert rendered("{{make}}/{{model}}/{{lensModel}}/{{filename}}") == "Canon/EOS R5/RF 24-105mm/IMG_0001.jpg"


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        (".JPEG", "jpg"),
        ("jpe", "jpg"),
        ("TIF", "tiff"),
        ("3gpp", "3gp"),
        ("MPEG", "mpg"),
        ("m2ts", "mts"),
        ("HEIC", "heic"),
        ("", ""),
    ],
)
def test_the_extension_is_always_appended_normalised_and_lower_case(extension, expected):
    name = engine.render("{{filename}}", replace(VALUES, extension=extension)).file_name()
    assert name == ("IMG_0001." + expected if expected else "IMG_0001")


def test_the_album_variable_with_and_without_an_album():
    template = "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}"
    assert rendered(template) == "2023/Other/02/IMG_0001.jpg"
    in_album = replace(VALUES, album="Trip v1.2", album_start=datetime(2019, 7, 1), album_end=datetime(2019, 8, 1))
    assert rendered(template, in_album) == "2023/Trip v12/IMG_0001.jpg"  # dots removed, as the reference does
    preset = "{{#if album}}{{album-startDate-y}}/{{album}}{{else}}{{y}}/Other/{{MM}}{{/if}}/{{filename}}"
    assert rendered(preset, in_album) == "2019/Trip v12/IMG_0001.jpg"
    assert rendered("{{album-endDate-y}}-{{album-endDate-MM}}/{{filename}}", in_album) == "2019-08/IMG_0001.jpg"
    assert rendered("{{album}}/{{filename}}") == "IMG_0001.jpg"


def test_nested_conditions_and_comments():
    template = "{{#if album}}{{#if make}}{{make}}{{else}}nomake{{/if}}{{else}}none{{/if}}{{! ignored }}/{{filename}}"
    assert rendered(template, replace(VALUES, album="A")) == "Canon/IMG_0001.jpg"
    assert rendered(template, replace(VALUES, album="A", make=None)) == "nomake/IMG_0001.jpg"
    assert rendered(template) == "none/IMG_0001.jpg"


def test_values_are_html_escaped_like_handlebars_unless_triple_braced():
    values = replace(VALUES, album="Tom & Jerry's")
    assert rendered("{{album}}/x", values) == "Tom &amp; Jerry&#x27;s/x.jpg"
    assert rendered("{{{album}}}/x", values) == "Tom & Jerry's/x.jpg"
    assert any("three braces" in note for note in engine.lint(engine.parse("{{album}}/x"), values))


def test_every_reference_preset_is_valid_and_the_first_is_the_default():
    assert template_values.PRESETS[0] == template_values.DEFAULT_TEMPLATE == "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"
    assert len(template_values.PRESETS) == 21
    for preset in template_values.PRESETS:
        assert engine.validate(preset) is None, preset


def test_options_have_the_reference_shape():
    options = template_values.template_options()
    assert list(options) == [
        "yearOptions",
        "monthOptions",
        "weekOptions",
        "dayOptions",
        "hourOptions",
        "minuteOptions",
        "secondOptions",
        "presetOptions",
    ]
    assert options["weekOptions"] == ["W", "WW"] and options["secondOptions"] == ["s", "ss", "SSS"]


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{y}}/{{foo}}/{{filename}}", "unknown variable {{foo}}"),
        ("{{y}}/{{album-startDate-q}}", "unknown variable {{album-startDate-q}}"),
        ("{{#if nothing}}x{{/if}}", "unknown variable {{nothing}}"),
        ("{{#if album}}x", "not closed"),
        ("x{{/if}}", "closes no open"),
        ("{{else}}", "outside"),
        ("{{#each album}}x{{/each}}", "only {{#if variable}}"),
        ("{{y}/x", "unclosed"),
        ("../{{filename}}", "'..'"),
        ("{{y}}/{{filename}}.{{ext}}", "appended automatically"),
        ("   ", "empty"),
    ],
)
def test_invalid_templates_are_refused_with_a_reason(template, words):
    problem = engine.validate(template)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\boot.ini.jpg", "boot.ini.jpg"),
        ('a<b>c:d"e|f?g*h.jpg', "abcdefgh.jpg"),
        ("line\nbreak\r\tand\x00nul.jpg", "linebreakandnul.jpg"),
        ("trailing dots... .jpg", "trailing dots.jpg"),
        ("CON.jpg", "d587e44b-f8c0-4832-9ba3-43268bbf5d4e.jpg"),
        ("...jpg", "d587e44b-f8c0-4832-9ba3-43268bbf5d4e.jpg"),
        ("Ærøskøbing 東京 🌅.jpg", "Ærøskøbing 東京 🌅.jpg"),
    ],
)
def test_hostile_file_names_stay_one_safe_component(name, expected):
    path = rendered("{{y}}/{{filename}}", replace(VALUES, original_file_name=name))
    assert path == f"2023/{expected}"
    assert ".." not in path.split("/") and "\x00" not in path and "\n" not in path


def test_hostile_album_and_camera_names_cannot_add_folders():
    values = replace(VALUES, album="../../x/..", make="Make/../../etc", model="\n")
    path = rendered("{{album}}/{{make}}/{{model}}/{{filename}}", values)
    assert path == "x/Make....etc/IMG_0001.jpg"


def test_very_long_names_are_cut_to_255_bytes_on_a_character_boundary():
    long_name = "ü" * 300 + ".jpg"  # 600 bytes of two-byte characters
    result = engine.render("{{filename}}/{{filename}}", replace(VALUES, original_file_name=long_name))
    for component in (*result.folders, result.file_name(), result.file_name(12345)):
        assert len(component.encode()) <= 255
        component.encode().decode()  # still valid UTF-8
    assert result.file_name().endswith(".jpg") and result.file_name(12345).endswith("+12345.jpg")


def test_an_empty_rendering_falls_back_to_the_asset_id():
    assert rendered("{{album}}") == "d587e44b-f8c0-4832-9ba3-43268bbf5d4e.jpg"


def test_collisions_are_numbered_before_the_extension():
    assert rendered("{{y}}/{{filename}}", collision=2) == "2023/IMG_0001+2.jpg"
