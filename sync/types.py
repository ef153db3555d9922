"""Immich's sync vocabulary (3.1): what a client may request, and the entity types of the lines and acks."""

from __future__ import annotations

from datetime import timedelta

# Request types the mobile apps send (3.x asks for the V2 variants, 2.x for the V1 ones), in Immich's stream order.
REQUEST_TYPES = (
    "AuthUsersV1", "UsersV1", "PartnersV1", "AssetsV1", "AssetsV2", "StacksV1", "PartnerAssetsV1", "PartnerAssetsV2",
    "PartnerStacksV1", "AlbumAssetsV1", "AlbumAssetsV2", "AlbumsV1", "AlbumsV2", "AlbumUsersV1", "AlbumToAssetsV1",
    "AssetExifsV1", "AlbumAssetExifsV1", "AssetOcrV1", "PartnerAssetExifsV1", "MemoriesV1", "MemoryToAssetsV1",
    "PeopleV1", "AssetFacesV1", "AssetFacesV2", "UserMetadataV1", "AssetMetadataV1", "AssetEditsV1",
)  # fmt: skip

ENTITY_TYPES = frozenset(
    {
        "AuthUserV1", "UserV1", "UserDeleteV1", "PartnerV1", "PartnerDeleteV1",
        "AssetV1", "AssetV2", "AssetDeleteV1", "AssetExifV1", "AssetEditV1", "AssetEditDeleteV1",
        "AssetMetadataV1", "AssetMetadataDeleteV1", "AssetOcrV1", "AssetOcrDeleteV1",
        "PartnerAssetV1", "PartnerAssetV2", "PartnerAssetBackfillV1", "PartnerAssetBackfillV2", "PartnerAssetDeleteV1",
        "PartnerAssetExifV1", "PartnerAssetExifBackfillV1",
        "PartnerStackV1", "PartnerStackBackfillV1", "PartnerStackDeleteV1",
        "AlbumV1", "AlbumV2", "AlbumDeleteV1", "AlbumUserV1", "AlbumUserBackfillV1", "AlbumUserDeleteV1",
        "AlbumAssetCreateV1", "AlbumAssetUpdateV1", "AlbumAssetBackfillV1",
        "AlbumAssetCreateV2", "AlbumAssetUpdateV2", "AlbumAssetBackfillV2",
        "AlbumAssetExifCreateV1", "AlbumAssetExifUpdateV1", "AlbumAssetExifBackfillV1",
        "AlbumToAssetV1", "AlbumToAssetBackfillV1", "AlbumToAssetDeleteV1",
        "MemoryV1", "MemoryDeleteV1", "MemoryToAssetV1", "MemoryToAssetDeleteV1",
        "StackV1", "StackDeleteV1", "PersonV1", "PersonDeleteV1",
        "AssetFaceV1", "AssetFaceV2", "AssetFaceDeleteV1", "UserMetadataV1", "UserMetadataDeleteV1",
        "SyncAckV1", "SyncResetV1", "SyncCompleteV1",
    }
)  # fmt: skip

# Deletes are kept this long in the audit tables; a session whose last complete sync is older starts over (Immich: 30
# days, pruned after 31).
AUDIT_RETENTION = timedelta(days=30)
AUDIT_PRUNE_AFTER = AUDIT_RETENTION + timedelta(days=1)

CONTENT_TYPE = "application/jsonlines+json"
