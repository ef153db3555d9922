"""Per-asset step state: the source of truth for what is done, pending, running or failed. The broker only
carries ids; "missing" and "failed" are queries on this table, so a lost message never loses work."""

from __future__ import annotations

import uuid

from django.db import models


class Step(models.TextChoices):
    METADATA = "metadata", "metadata extraction"
    STORAGE_TEMPLATE = "storage_template", "storage template"
    THUMBNAILS = "thumbnails", "thumbnails"
    VIDEO_ENCODE = "video_encode", "video encode"
    NSFW = "nsfw", "NSFW detection"
    DUPLICATES = "duplicate_detection", "duplicate detection"


class StepStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class Priority(models.IntegerChoices):
    """Redis lanes: a worker always takes from the upload lane first (kombu: lower number, higher priority)."""

    UPLOAD = 0
    BACKFILL = 9


class AssetStep(models.Model):
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=24, choices=Step.choices)
    status = models.CharField(max_length=8, choices=StepStatus.choices, default=StepStatus.PENDING)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.UPLOAD)
    continue_chain = models.BooleanField(
        default=False, help_text="Queue the next steps of the upload chain after this one."
    )
    attempts = models.PositiveIntegerField(default=0)
    worker_losses = models.PositiveSmallIntegerField(  # db_default: steps_record_outcomes' SQL leaves it out
        default=0,
        db_default=0,
        help_text="Times a worker died (crash, kill, time limit) while running this step alone.",
    )
    last_error = models.TextField(default="", blank=True)
    kept_outcome = models.CharField(  # db_default: steps_record_outcomes' SQL leaves it out
        max_length=8,
        default="",
        db_default="",
        blank=True,
        help_text="While the step is queued again (All), the outcome of its last run (done or skipped), whose "
        "outputs are still there: counted completed, and restored if the queue is cleared.",
    )
    settings_version = models.CharField(max_length=64, default="", blank=True)
    worker = models.CharField(
        max_length=255,
        default="",
        blank=True,
        help_text="The worker (host:slot) that holds the step while it runs, and the one that ran it last after.",
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "step"], name="uq_asset_step")]
        indexes = [models.Index(fields=["step", "status"], name="asset_step_status")]

    def __str__(self) -> str:
        return f"{self.step} of {self.asset_id}: {self.status}"


class JobRun(models.Model):
    """One run of a job that is not a per-asset step (a library scan, sync or deletion, the storage template
    migration, a database backup), recorded before its message is sent: the reconciler sends it again when the
    message was lost with Redis or the worker running it died (its heartbeat stopped), a duplicate delivery claims
    nothing, and a paused queue leaves it pending. Statuses as a step's: pending, running, done, failed."""

    name = models.CharField(max_length=64, help_text="The Celery task that runs it, taking the run's id.")
    queue = models.CharField(max_length=64)
    subject = models.CharField(
        max_length=128,
        default="",
        blank=True,
        help_text="What the run works on (e.g. library:<id>): at most one run of a subject runs at a time.",
    )
    args = models.JSONField(default=dict, blank=True, help_text="The keyword arguments of the run's work.")
    status = models.CharField(max_length=8, choices=StepStatus.choices, default=StepStatus.PENDING)
    worker = models.CharField(max_length=255, default="", blank=True)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(default="", blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status"], name="job_run_status"),
            models.Index(fields=["name", "subject"], name="job_run_subject"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=models.Q(status="running") & ~models.Q(subject=""),
                name="one_running_run_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.pk}: {self.status}"


class SystemConfig(models.Model):
    """The administrator's configuration, stored whole as Immich's system-config object (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "system configuration"
        verbose_name_plural = "system configuration"


class QueueState(models.Model):
    """A paused queue stays paused across worker restarts: the flag lives here, not in a worker's memory."""

    queue = models.CharField(max_length=64, primary_key=True)
    is_paused = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_by = models.CharField(max_length=255, default="", blank=True)

    class Meta:
        # Its admin list is the jobs page (the queues, their counts and commands): the sidebar names it so.
        verbose_name = "queue"
        verbose_name_plural = "jobs page (queues)"

    def __str__(self) -> str:
        return f"{self.queue} ({'paused' if self.is_paused else 'running'})"


class ServerVersion(models.Model):
    """A server version, recorded when it first started (`GET /api/server/version-history`, as Immich keeps it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version
