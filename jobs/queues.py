"""The queues, named as Immich names them, so the jobs API and its clients speak the same words."""

from __future__ import annotations

from enum import StrEnum

from kombu import Queue as KombuQueue


class Queue(StrEnum):
    THUMBNAIL_GENERATION = "thumbnailGeneration"
    METADATA_EXTRACTION = "metadataExtraction"
    VIDEO_CONVERSION = "videoConversion"
    STORAGE_TEMPLATE_MIGRATION = "storageTemplateMigration"
    MIGRATION = "migration"
    LIBRARY = "library"
    SIDECAR = "sidecar"
    BACKGROUND_TASK = "backgroundTask"
    BACKUP_DATABASE = "backupDatabase"


def celery_queues() -> tuple[KombuQueue, ...]:
    return tuple(KombuQueue(queue.value, routing_key=queue.value) for queue in Queue)
