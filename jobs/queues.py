"""The queues, named as Immich names them, so the jobs API and its clients speak the same words."""

from __future__ import annotations

from enum import StrEnum

from kombu import Queue as KombuQueue


class Queue(StrEnum):
    """Every queue name of Immich 3.1 (its QueueName), so that a client pausing or reading any of them is answered."""

    THUMBNAIL_GENERATION = "thumbnailGeneration"
    METADATA_EXTRACTION = "metadataExtraction"
    VIDEO_CONVERSION = "videoConversion"
    FACE_DETECTION = "faceDetection"
    FACIAL_RECOGNITION = "facialRecognition"
    SMART_SEARCH = "smartSearch"
    DUPLICATE_DETECTION = "duplicateDetection"
    BACKGROUND_TASK = "backgroundTask"
    STORAGE_TEMPLATE_MIGRATION = "storageTemplateMigration"
    MIGRATION = "migration"
    SEARCH = "search"
    SIDECAR = "sidecar"
    LIBRARY = "library"
    NOTIFICATIONS = "notifications"
    BACKUP_DATABASE = "backupDatabase"
    OCR = "ocr"
    WORKFLOW = "workflow"
    EDITOR = "editor"
    INTEGRITY_CHECK = "integrityCheck"
    # Beyond Immich: this server's own steps (issue 25), on queues of their own.
    NSFW_DETECTION = "nsfwDetection"


# Immich's queues for work this server does not do (machine learning, OCR, workflows, the editor, ...):
# known to the API and the jobs page with zero counts, their commands accepted (a pause is recorded and holds until
# resumed), but no task is routed to them and no worker consumes them.
IDLE_QUEUES = frozenset({
    Queue.FACE_DETECTION, Queue.FACIAL_RECOGNITION, Queue.SMART_SEARCH, Queue.SEARCH,
    Queue.NOTIFICATIONS, Queue.OCR, Queue.WORKFLOW, Queue.EDITOR, Queue.INTEGRITY_CHECK,
})  # fmt: skip
# This server's own queues: on its jobs page and in `GET /api/jobs` (an object: Immich's clients ignore keys they do
# not know), but not in `GET /api/queues`, whose items' names the SDK types as Immich's enumeration.
BEYOND_IMMICH = frozenset({Queue.NSFW_DETECTION})
WORKED_QUEUES = tuple(queue for queue in Queue if queue not in IDLE_QUEUES)


def celery_queues() -> tuple[KombuQueue, ...]:
    return tuple(KombuQueue(queue.value, routing_key=queue.value) for queue in WORKED_QUEUES)
