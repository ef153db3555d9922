"""Queue benchmark: no-op jobs through the real path (commit, step rows, Celery, Redis, worker processes).

Targets (from the jobs issue; figures go to docs/performance.md):
  * at least 1,000 jobs/s enqueued, and 500 jobs/s completed by 2 worker processes (-c 1 each) on 2 cores;
  * a Missing run over 100,000 assets enqueues in under 10 s.

Run from the repository root:

    .venv/bin/python bench/queue.py [--jobs 5000] [--singles 1000] [--missing 100000] [--profile] [--keep]

The no-op job is the storage-template step: while the storage template is off it reads the asset's id and returns
"skipped" (its steps are enqueued with continue_chain=False, so no thumbnails follow). Everything around it is the
production path: the step row is recorded, the id is published after commit, a worker claims the row, checks the
pause flag and the cluster-wide slot, runs, records the outcome.

It needs PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379). It (re)creates the database
`immich_bench_queue`, migrates it, and uses Redis database 13, which must be empty at the start (it is flushed at the
end). The workers' cluster-wide limit for the queue is raised to 2 so it does not bind. The database is dropped at
the end unless --keep. Every figure printed is measured in this run.
"""

from __future__ import annotations

import sys

# This file shares its name with the standard library's `queue` (which redis and kombu import): run as a script,
# its own folder comes first on sys.path and would shadow it.
if (
    sys.path
    and sys.path[0]
    and __import__("os").path.samefile(sys.path[0], __import__("os").path.dirname(__file__) or ".")
):
    sys.path.pop(0)

import argparse
import cProfile
import io
import os
import pstats
import shutil
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.queue_setup import (  # noqa: E402
    DB_NAME,
    MEDIA,
    REDIS_URL,
    database_backends,
    drop_database,
    log,
    make_assets,
    recreate_database,
    set_synchronous_commit,
    setup_django,
    start_workers,
    stop_workers,
)

TARGET_ENQUEUED = 1000.0
TARGET_COMPLETED = 500.0
TARGET_MISSING_S = 10.0


def time_publish_variants(count: int) -> tuple[float, float]:
    """Publishing alone, `count` ids each way, back to back: the pipelined `jobs.publishing.publish` against one
    Redis round trip per message (what it did before). Returns messages per second for each."""
    from jobs import broker
    from jobs.models import Priority, Step
    from jobs.services import publish
    from jobs.steps import step_definition

    task = step_definition(Step.STORAGE_TEMPLATE).task
    queue = task.queue
    ids = [str(uuid.uuid4()) for _ in range(count)]
    start = time.perf_counter()
    publish(step=Step.STORAGE_TEMPLATE, asset_ids=ids, priority=Priority.BACKFILL)
    pipelined = count / (time.perf_counter() - start)
    broker.purge(queue)
    start = time.perf_counter()
    with task.app.producer_or_acquire() as producer:
        for asset_id in ids:
            task.apply_async((asset_id,), priority=Priority.BACKFILL, producer=producer)
    one_by_one = count / (time.perf_counter() - start)
    broker.purge(queue)
    return pipelined, one_by_one


# -- measurements ----------------------------------------------------------------------------------------------


class Profiler:
    def __init__(self, enabled: bool) -> None:
        self.profile = cProfile.Profile() if enabled else None

    def __enter__(self):
        if self.profile:
            self.profile.enable()
        return self

    def __exit__(self, *exc) -> None:
        if self.profile:
            self.profile.disable()

    def report(self, title: str, lines: int = 18) -> None:
        if not self.profile:
            return
        out = io.StringIO()
        pstats.Stats(self.profile, stream=out).sort_stats("cumulative").print_stats(lines)
        print(f"\n--- profile: {title}\n{out.getvalue()}")


def time_bulk_enqueue(asset_ids: list[str], profile: bool) -> float:
    from django.db import transaction

    from jobs.models import Priority, Step
    from jobs.services import steps_enqueue

    with Profiler(profile) as profiler:
        start = time.perf_counter()
        with transaction.atomic():  # the ids are published when this commits
            # A bulk run is a backfill ("All"/"Missing"): its lane packs several ids into each message.
            steps_enqueue(
                asset_ids=asset_ids, step=Step.STORAGE_TEMPLATE, priority=Priority.BACKFILL, continue_chain=False
            )
        elapsed = time.perf_counter() - start
    profiler.report(f"enqueue {len(asset_ids)} in one transaction")
    return elapsed


def time_single_enqueues(asset_ids: list[str]) -> float:
    from django.db import transaction

    from jobs.models import Step
    from jobs.services import steps_enqueue

    start = time.perf_counter()
    for asset_id in asset_ids:  # as uploads do: one transaction, one step, one message each
        with transaction.atomic():
            steps_enqueue(asset_ids=[asset_id], step=Step.STORAGE_TEMPLATE, continue_chain=False)
    return time.perf_counter() - start


def _cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for each in [process, *process.children(recursive=True)]:
                times = each.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def time_completion(total: int, workers: int, logs: Path, timeout: float = 600) -> dict:
    """The processing window (first claim to last finish), the wall time including worker start, and the CPU
    seconds the worker processes and PostgreSQL's backends spent on the jobs (after the workers booted)."""
    from django.db.models import Max, Min

    from jobs.models import AssetStep, Step, StepStatus

    rows = AssetStep.objects.filter(step=Step.STORAGE_TEMPLATE)
    start = time.perf_counter()
    processes = start_workers(workers, logs)
    pids = [process.pid for process in processes]
    try:
        deadline = start + timeout
        while not rows.exclude(status=StepStatus.PENDING).exists() and time.perf_counter() < deadline:
            time.sleep(0.02)
        workers_cpu, database_cpu = _cpu_seconds(pids), _cpu_seconds(database_backends())
        while rows.filter(status=StepStatus.SKIPPED).count() < total:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out: {rows.filter(status=StepStatus.SKIPPED).count()} of {total} done")
            if any(process.poll() is not None for process in processes):
                raise SystemExit(f"a worker exited; see {logs}")
            time.sleep(0.2)
        wall = time.perf_counter() - start
        workers_cpu = _cpu_seconds(pids) - workers_cpu
        database_cpu = _cpu_seconds(database_backends()) - database_cpu
    finally:
        stop_workers(processes)
    window = rows.aggregate(first=Min("started_at"), last=Max("finished_at"))
    return {
        "window": (window["last"] - window["first"]).total_seconds(),
        "wall": wall,
        "workers_cpu": workers_cpu,
        "database_cpu": database_cpu,
    }


def time_missing_run(profile: bool) -> tuple[float, float, int]:
    """Returns (wall seconds, CPU seconds of this process, steps enqueued)."""
    from jobs.commands import queue_start
    from jobs.queues import Queue

    with Profiler(profile) as profiler:
        start, cpu = time.perf_counter(), time.process_time()
        count = queue_start(queue=Queue.METADATA_EXTRACTION, force=False)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    profiler.report("Missing run")
    return elapsed, cpu, count


def time_missing_rows_only() -> float:
    """The Missing run with publishing switched off: what recording the state rows (bulk SQL) costs alone."""
    from unittest import mock

    from jobs.commands import queue_start
    from jobs.models import AssetStep, Step
    from jobs.queues import Queue

    with mock.patch("jobs.services.publish"):
        start = time.perf_counter()
        queue_start(queue=Queue.METADATA_EXTRACTION, force=False)
        elapsed = time.perf_counter() - start
    AssetStep.objects.filter(step=Step.METADATA).delete()
    return elapsed


# -- main ------------------------------------------------------------------------------------------------------


def table(rows: list[tuple[str, str, str, bool | None]]) -> str:
    lines = ["| metric | measured | target | verdict |", "|---|---:|---:|---|"]
    for name, value, target, passed in rows:
        verdict = "" if passed is None else ("PASS" if passed else "MISS")
        lines.append(f"| {name} | {value} | {target} | {verdict} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=5000, help="no-op jobs enqueued in one transaction")
    parser.add_argument("--singles", type=int, default=1000, help="no-op jobs enqueued one transaction each")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (-c 1 each)")
    parser.add_argument("--missing", type=int, default=100_000, help="assets for the Missing run")
    parser.add_argument("--profile", action="store_true", help="print cProfile summaries of the enqueue phases")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME}")
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="run the workers with synchronous_commit=off (an experiment: fsync per commit is the "
        "largest cost of a no-op job on a slow disk)",
    )
    args = parser.parse_args()

    import redis

    broker = redis.Redis.from_url(REDIS_URL)
    if broker.dbsize():
        log(f"Redis database 13 ({REDIS_URL}) is not empty: refusing to run (it is flushed at the end)")
        return 2
    logs = MEDIA / "logs"
    logs.mkdir()
    log(f"creating and migrating {DB_NAME}")
    recreate_database()
    setup_django()
    try:
        return run(args, logs)
    finally:
        from django.db import connections

        connections.close_all()
        broker.flushdb()
        if not args.keep:
            drop_database()
        shutil.rmtree(MEDIA, ignore_errors=True)


def run(args, logs: Path) -> int:
    from accounts.services import user_create
    from jobs.models import AssetStep, Step, StepStatus
    from jobs.queues import Queue
    from jobs.system_config import config_get, config_update

    owner = user_create(email="bench@example.com", password="bench-password", name="bench")
    config = config_get()
    config["job"][Queue.STORAGE_TEMPLATE_MIGRATION.value]["concurrency"] = args.workers
    config_update(new_config=config)

    log(f"creating {args.jobs + args.singles} assets")
    bulk_ids = make_assets(owner, args.jobs)
    single_ids = make_assets(owner, args.singles)

    log(f"enqueueing {args.jobs} jobs in one transaction")
    bulk_s = time_bulk_enqueue(bulk_ids, args.profile)
    log(f"enqueueing {args.singles} jobs one transaction each")
    singles_s = time_single_enqueues(single_ids) if args.singles else 0.0
    pending = AssetStep.objects.filter(step=Step.STORAGE_TEMPLATE, status=StepStatus.PENDING).count()
    assert pending == args.jobs + args.singles, f"{pending} pending steps, expected {args.jobs + args.singles}"

    total = args.jobs + args.singles
    if args.async_commit:
        set_synchronous_commit(False)
    log(f"running {total} jobs on {args.workers} worker processes")
    completion = time_completion(total, args.workers, logs)

    log("publishing alone: pipelined and one round trip each")
    pipelined_rate, one_by_one_rate = time_publish_variants(args.jobs)

    log(f"creating {args.missing - total} more assets for the Missing run")
    make_assets(owner, max(0, args.missing - total))
    log(f"Missing run over {args.missing} assets, state rows only")
    rows_only_s = time_missing_rows_only()
    log(f"Missing run over {args.missing} assets")
    missing_s, missing_cpu_s, missing_count = time_missing_run(args.profile)
    assert missing_count == args.missing, missing_count

    enqueued_rate = args.jobs / bulk_s
    completed_rate = total / completion["window"]
    cpu_ms = {name: completion[name] * 1000 / total for name in ("workers_cpu", "database_cpu")}
    rows = [
        (
            f"enqueue {args.jobs:,} in one transaction (jobs/s)",
            f"{enqueued_rate:,.0f}",
            ">= 1,000",
            enqueued_rate >= TARGET_ENQUEUED,
        )
    ]
    rows += [
        (f"... publishing alone, {args.jobs:,} ids, pipelined (msg/s)", f"{pipelined_rate:,.0f}", "", None),
        ("... the same, one Redis round trip per message (msg/s)", f"{one_by_one_rate:,.0f}", "", None),
    ]
    if args.singles:
        rows.append(
            (f"enqueue {args.singles:,}, one transaction each (jobs/s)", f"{args.singles / singles_s:,.0f}", "", None)
        )
    rows += [
        (
            f"complete {total:,} on {args.workers} processes (jobs/s, first claim to last finish)"
            + (", synchronous_commit=off" if args.async_commit else ""),
            f"{completed_rate:,.0f}",
            ">= 500",
            completed_rate >= TARGET_COMPLETED,
        ),
        ("... wall time of that run, worker start included (s)", f"{completion['wall']:.1f}", "", None),
        (
            "... CPU per job: worker processes / PostgreSQL (ms)",
            f"{cpu_ms['workers_cpu']:.1f} / {cpu_ms['database_cpu']:.1f}",
            "",
            None,
        ),
        (f"Missing run over {args.missing:,} assets (s)", f"{missing_s:.1f}", "< 10", missing_s < TARGET_MISSING_S),
        ("... CPU time of the enqueuing process (s)", f"{missing_cpu_s:.1f}", "", None),
        ("... its state rows alone, publishing switched off (s)", f"{rows_only_s:.1f}", "", None),
    ]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nQueue benchmark: {os.cpu_count()} CPUs, PostgreSQL and Redis on this host, load average now {load}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
