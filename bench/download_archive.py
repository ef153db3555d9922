"""Archive download benchmark (issue 21 target: a 2 GiB archive streams at >= 80% of reading the same files from
disk, and the API's memory grows by less than 64 MiB).

Run from the repository root, with a database of your own (it is migrated, and the bench user is replaced):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/download_archive.py [--gib 2]

Writes `--files` originals of random bytes into the media location, then, with the page cache of those files
dropped before each pass (posix_fadvise), times reading them with plain reads, and `POST /api/download/archive`
through the whole API stack (the streamed body consumed as a client would), alternated `--rounds` times (an even
number: each side goes first in half of them). Prints both median rates, the geometric mean of the rounds' ratios
(each round's two passes are a pair; the mean of their logarithms cancels which went first, where the pass that went
second was mostly the slower one in some runs, the first in others), the median ratio of each order, and the growth of the
process's peak memory (VmHWM) while the archive streamed, and each side's CPU time (on a shared machine the rates
move with the other load; the CPU time of the archive's own work much less)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from assets.models import Asset  # noqa: E402
from tests.conftest import client_for  # noqa: E402

EMAIL = "bench-download@example.com"
MIB = 1024 * 1024
TAKEN = datetime(2021, 6, 15, 10, 30, tzinfo=timezone.utc)


def _peak_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _drop_cache(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _seed(total: int, files: int) -> tuple[User, list[str], list[Path]]:
    User.objects.filter(email=EMAIL).delete()
    user = account_services.user_create(email=EMAIL, password="password123", name="bench")
    folder = Path(settings.MEDIA_LOCATION) / "upload" / str(user.id) / "be" / "nc"
    folder.mkdir(parents=True, exist_ok=True)
    size = total // files
    block = os.urandom(8 * MIB)
    paths, ids = [], []
    for index in range(files):
        path = folder / f"bench-{index}.jpg"
        with open(path, "wb") as handle:
            for _ in range(size // len(block)):
                handle.write(block)
        asset = Asset.objects.create(
            owner=user, type="IMAGE", original_path=str(path), original_file_name=path.name, file_size=size,
            checksum=os.urandom(20), device_asset_id=f"bench-{index}", device_id="bench",
            file_created_at=TAKEN, file_modified_at=TAKEN, local_date_time=TAKEN,
        )  # fmt: skip
        paths.append(path)
        ids.append(str(asset.id))
    return user, ids, paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=float, default=2.0)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    total = int(args.gib * 1024 * MIB)
    user, ids, paths = _seed(total, args.files)
    client = client_for(user)
    client.put("/api/users/me/preferences", {"download": {"archiveSize": total * 2}}, format="json")
    try:
        disk_times, archive_times, growths = [], [], []
        disk_cpu, archive_cpu = [], []

        def read_pass() -> None:
            _drop_cache(paths)
            started, cpu = time.perf_counter(), time.process_time()
            buffer = bytearray(MIB)
            for path in paths:
                with open(path, "rb", buffering=0) as handle:
                    while handle.readinto(buffer):
                        pass
            disk_times.append(time.perf_counter() - started)
            disk_cpu.append(time.process_time() - cpu)

        def archive_pass() -> int:
            _drop_cache(paths)
            peak_before = _peak_mib()
            started, cpu = time.perf_counter(), time.process_time()
            response = client.post("/api/download/archive", {"assetIds": ids}, format="json")
            streamed = sum(len(chunk) for chunk in response.streaming_content)
            archive_times.append(time.perf_counter() - started)
            archive_cpu.append(time.process_time() - cpu)
            growths.append(_peak_mib() - peak_before)
            return streamed

        # Alternated, so both sides meet the same moments of a shared machine, and each goes first in every other
        # round: the virtual machine's host keeps what the guest just read in its own cache, which the guest cannot
        # drop, so the second pass of a round is often served from the host's memory (rounds of 40% and of 190%).
        for round_number in range(args.rounds):
            if round_number % 2:
                streamed = archive_pass()
                read_pass()
            else:
                read_pass()
                streamed = archive_pass()
        disk_s, archive_s = statistics.median(disk_times), statistics.median(archive_times)
        ratios = [disk / archive for disk, archive in zip(disk_times, archive_times)]  # each round's pair
        size_mib = sum(path.stat().st_size for path in paths) / MIB
        print(f"{size_mib:.0f} MiB in {args.files} files; archive {streamed / MIB:.0f} MiB; median of {args.rounds}")
        print(f"disk read: {size_mib / disk_s:.0f} MiB/s; archive: {size_mib / archive_s:.0f} MiB/s; "
              f"ratio {statistics.geometric_mean(ratios):.0%} (geometric mean of the rounds' ratios); "
              f"peak memory growth {max(growths):.1f} MiB")  # fmt: skip
        print("rounds' ratios: " + ", ".join(f"{ratio:.0%}" for ratio in ratios))
        print(f"median ratio, the read first: {statistics.median(ratios[0::2]):.0%}; "
              f"the archive first: {statistics.median(ratios[1::2]):.0%}")  # fmt: skip
        print(f"CPU time (median): disk read {statistics.median(disk_cpu):.2f} s, "
              f"archive {statistics.median(archive_cpu):.2f} s")  # fmt: skip
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
        User.objects.filter(email=EMAIL).delete()


if __name__ == "__main__":
    main()
