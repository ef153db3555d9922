"""API permission names, as Immich spells them. `all` grants every one."""

ALL = "all"

PERMISSIONS = (
    ALL,
    "activity.create", "activity.read", "activity.update", "activity.delete", "activity.statistics",
    "apiKey.create", "apiKey.read", "apiKey.update", "apiKey.delete",
    "asset.read", "asset.update", "asset.delete", "asset.statistics", "asset.share", "asset.view",
    "asset.download", "asset.upload", "asset.replace", "asset.copy",
    "album.create", "album.read", "album.update", "album.delete", "album.statistics", "album.share",
    "album.download",
    "albumAsset.create", "albumAsset.delete",
    "albumUser.create", "albumUser.update", "albumUser.delete",
    "archive.read",
    "job.create", "job.read",
    "library.create", "library.read", "library.update", "library.delete", "library.statistics",
    "notification.create", "notification.read", "notification.update", "notification.delete",
    "person.create", "person.read", "person.update", "person.delete", "person.statistics", "person.merge",
    "person.reassign",
    "server.about", "server.apkLinks", "server.storage", "server.statistics", "server.versionCheck",
    "session.create", "session.read", "session.update", "session.delete", "session.lock",
    "systemConfig.read", "systemConfig.update",
    "timeline.read", "timeline.download",
    "trash.read", "trash.delete", "trash.restore",
    "user.read", "user.update",
    "userPreference.read", "userPreference.update",
    "userProfileImage.read", "userProfileImage.update", "userProfileImage.delete",
    "adminUser.create", "adminUser.read", "adminUser.update", "adminUser.delete",
    "queue.read", "queue.update", "queueJob.create", "queueJob.read", "queueJob.update", "queueJob.delete",
)
