"""The guarded opener: a file inside its roots opens, through a link inside them too; a link out of them, or a link
swapped in on the resolved way, is refused. With openat2 and with the component walk used where the kernel has
none."""

from __future__ import annotations

import os

import pytest

from workers.media import fs


@pytest.fixture(params=["openat2", "walk"])
def opener(request, monkeypatch):
    if request.param == "walk":
        monkeypatch.setattr(fs, "_openat2_works", False)
    return fs.open_beneath


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "root" / "sub").mkdir(parents=True)
    (tmp_path / "root" / "sub" / "a.jpg").write_bytes(b"inside")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "secret").write_bytes(b"secret")
    return tmp_path


def read(fd: int) -> bytes:
    try:
        return os.read(fd, 100)
    finally:
        os.close(fd)


def test_a_file_inside_its_root_opens(opener, tree):
    assert read(opener(tree / "root" / "sub" / "a.jpg", [tree / "root"])) == b"inside"


def test_a_link_that_stays_inside_its_root_opens(opener, tree):
    os.symlink("a.jpg", tree / "root" / "sub" / "link.jpg")
    assert read(opener(tree / "root" / "sub" / "link.jpg", [tree / "root"])) == b"inside"


@pytest.mark.parametrize("link", ["sub/evil.jpg", "sub/folder"])
def test_a_link_out_of_its_root_is_refused(opener, tree, link):
    target = tree / "out" / "secret" if link.endswith(".jpg") else tree / "out"
    os.symlink(target, tree / "root" / link)
    path = tree / "root" / link if link.endswith(".jpg") else tree / "root" / link / "secret"
    with pytest.raises(fs.OutsideRoots):
        opener(path, [tree / "root"])


def test_a_link_on_the_resolved_way_is_refused_even_after_the_check(opener, tree, monkeypatch):
    """A link swapped in between the check of the resolved path and its open: the open refuses it."""
    os.symlink("a.jpg", tree / "root" / "sub" / "link.jpg")
    monkeypatch.setattr(os.path, "realpath", lambda path, **_: os.fspath(path))  # the check saw no link
    with pytest.raises(fs.OutsideRoots):
        opener(tree / "root" / "sub" / "link.jpg", [tree / "root"])
