"""`manage.py library scan <id>|--all` with progress, `library list`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assets.models import Asset
from tests.libraries.helpers import as_if_on_a_share, photo


def test_scan_all_prints_progress_and_a_summary(library, photos):
    for index in range(3):
        photo(photos, f"{index}.jpg")
    out, err = StringIO(), StringIO()
    call_command("library", "scan", "--all", stdout=out, stderr=err)
    assert "done" in out.getvalue() and "3 new" in out.getvalue()
    assert "Family: walking" in err.getvalue() and "files" in err.getvalue()
    assert Asset.objects.count() == 3


def test_scan_one_library_by_id_and_the_alias(library, photos):
    photo(photos, "a.jpg")
    out = StringIO()
    call_command("scan_library", str(library.pk), stdout=out, stderr=StringIO())
    assert "1 new" in out.getvalue()


def test_a_refused_scan_fails_the_command_with_the_reason(library, photos):
    photo(photos, "a.jpg")
    call_command("library", "scan", "--all", stdout=StringIO(), stderr=StringIO())
    as_if_on_a_share(library)
    (photos / "a.jpg").unlink()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("library", "scan", "--all", stdout=StringIO(), stderr=err)
    assert "unmounted" in err.getvalue()


def test_unknown_ids_and_missing_arguments_are_errors(db):
    with pytest.raises(CommandError):
        call_command("library", "scan", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("library", "scan", "00000000-0000-0000-0000-000000000000", stdout=StringIO(), stderr=StringIO())


def test_list_shows_the_last_scan(library):
    out = StringIO()
    call_command("library", "list", stdout=out)
    assert str(library.pk) in out.getvalue() and "Family" in out.getvalue()
