"""The streamed stored zip of archive downloads (issue 21): what it writes is read back, and its CRCs verified, by the
standard library's `zipfile`, including the Zip64 records of big entries, of offsets past 4 GiB and of many entries."""

import io
import os
import zipfile

from assets.stored_zip import ZIP64_ENTRY, Entry, stored_zip

TAKEN = (2021, 6, 15, 10, 30, 42)
MIB = 1024 * 1024


def _zip(entries) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(stored_zip(entries))))


def _chunks(data: bytes, size: int = 1000) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


def test_the_entries_are_read_back_with_their_crcs_verified():
    contents = [os.urandom(4321), b"", os.urandom(10)]
    entries = [Entry(f"file{index}.jpg", TAKEN, len(data), _chunks(data)) for index, data in enumerate(contents)]
    archive = _zip(entries)
    assert archive.testzip() is None
    assert [archive.read(f"file{index}.jpg") for index in range(3)] == contents
    assert archive.getinfo("file0.jpg").date_time == TAKEN


def test_a_name_outside_ascii_is_read_back_as_written():
    archive = _zip([Entry("été à Zürich.jpg", TAKEN, 3, [b"abc"])])
    assert archive.namelist() == ["été à Zürich.jpg"]


def test_an_entry_stated_as_big_gets_zip64_sizes_that_zipfile_reads():
    archive = _zip([Entry("big.mp4", TAKEN, ZIP64_ENTRY, [b"abc", b"def"]), Entry("next.jpg", TAKEN, 1, [b"x"])])
    assert archive.testzip() is None
    assert archive.read("big.mp4") == b"abcdef"
    assert archive.read("next.jpg") == b"x"


def test_more_entries_than_the_classic_count_holds_are_all_listed():
    archive = _zip(Entry(f"{index}.jpg", TAKEN, 1, [b"x"]) for index in range(0x10001))
    assert len(archive.infolist()) == 0x10001
    assert archive.read("65536.jpg") == b"x"


def test_an_entry_past_4_gib_is_found_at_its_offset(tmp_path):
    """4.5 GiB of zeros first: written as a sparse file (the zeros skipped, not stored), which reads back as the
    whole zip."""
    zeros = bytes(64 * MIB)
    path = tmp_path / "big.zip"
    with open(path, "wb") as handle:
        for piece in stored_zip([Entry("zeros.bin", TAKEN, 72 * len(zeros), [zeros] * 72),
                                 Entry("last.jpg", TAKEN, 5, [b"tail!"])]):  # fmt: skip
            if piece is zeros:
                handle.seek(len(piece), os.SEEK_CUR)
            else:
                handle.write(piece)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("last.jpg").header_offset > 0xFFFFFFFF
        assert archive.read("last.jpg") == b"tail!"
        assert archive.getinfo("zeros.bin").file_size == 72 * len(zeros)
