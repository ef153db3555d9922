"""Trying a template without moving anything: where it would put one asset (the admin page's preview), and the
dry run of the whole migration (every planned move, collision and skip)."""

from __future__ import annotations

from dataclasses import dataclass

from assets.file_moves.migration import MigrationReport, storage_template_migrate
from assets.file_moves.planner import (
    albums_of,
    date_is_low_confidence,
    exif_of,
    library_root,
    stills_of,
    template_settings,
    template_values,
    with_relations,
)
from assets.models import Asset, AssetStatus
from immich.storage import media_root
from workers.media import storage_template as engine
from workers.media.template_values import sample_values


def storage_template_dry_run(*, template: str | None = None) -> MigrationReport:
    return storage_template_migrate(dry_run=True, template=template)


@dataclass(frozen=True)
class Preview:
    path: str = ""  # relative to the media location
    asset_id: str = ""
    error: str = ""
    notes: tuple[str, ...] = ()


def storage_template_preview(*, template: str, asset_id=None) -> Preview:
    """Where `template` would put one asset (the given one, else the newest uploaded one, else a sample)."""
    try:
        parsed = engine.parse(template)
        settings = template_settings(template=template)
    except engine.TemplateError as error:
        return Preview(error=str(error))
    assets = with_relations(Asset.objects.exclude(status=AssetStatus.DELETED).filter(library__isnull=True))
    asset = assets.filter(pk=asset_id).first() if asset_id else assets.order_by("-created_at").first()
    if asset is None:
        values = sample_values()
        rendered = engine.render(parsed, values)
        return Preview(
            path=f"library/admin/{rendered.relative()}",
            error="" if not asset_id else f"no asset {asset_id}; showing a sample",
            notes=tuple(engine.lint(parsed, values)),
        )
    stills = stills_of([asset.pk])
    still = stills.get(asset.pk)
    album = albums_of([still or asset]).get((still or asset).pk)
    values = template_values(asset, still=still, album=album, settings=settings)
    try:
        rendered = engine.render(parsed, values)
    except engine.TemplateError as error:
        return Preview(asset_id=str(asset.pk), error=str(error))
    path = (library_root(asset.owner) / rendered.relative()).relative_to(media_root())
    notes = engine.lint(parsed, values)
    if date_is_low_confidence(exif_of(still or asset)):
        notes.append("this asset's date is of low confidence (file time only)")
    return Preview(path=str(path), asset_id=str(asset.pk), notes=tuple(notes))
