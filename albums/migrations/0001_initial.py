# Albums move here from the assets app. Their tables keep their names (`assets_album`, `assets_albumasset`) and
# their rows: only Django's state changes (assets 0006 forgets the models once this one knows them), and the
# content types follow, so the admin's history and permissions stay attached to the same rows.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("album", "albumasset")


def content_types_follow(old_label: str, new_label: str):
    def move(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        for model in MOVED:
            if not content_types.filter(app_label=new_label, model=model).exists():
                content_types.filter(app_label=old_label, model=model).update(app_label=new_label)

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("assets", "0005_exif_sources_and_colour"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Album",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("album_name", models.CharField(default="Untitled Album", max_length=255)),
                        ("description", models.TextField(blank=True, default="")),
                        ("is_activity_enabled", models.BooleanField(default=True)),
                        ("order", models.CharField(default="desc", max_length=4)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("album_thumbnail_asset", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="assets.asset")),
                        ("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="albums", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "assets_album"},
                ),
                migrations.CreateModel(
                    name="AlbumAsset",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("album", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="albums.album")),
                        ("asset", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="assets.asset")),
                    ],
                    options={"db_table": "assets_albumasset"},
                ),
                migrations.AddField(
                    model_name="album",
                    name="assets",
                    field=models.ManyToManyField(related_name="albums", through="albums.AlbumAsset", to="assets.asset"),
                ),
                migrations.AddIndex(
                    model_name="album",
                    index=models.Index(fields=["owner", "album_name"], name="album_owner_name"),
                ),
                migrations.AddConstraint(
                    model_name="albumasset",
                    constraint=models.UniqueConstraint(fields=("album", "asset"), name="uq_album_asset"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow("assets", "albums"), content_types_follow("albums", "assets")),
    ]
