# Albums now belong to the albums app (albums 0001), which took over their tables as they are: here the assets app
# only forgets the models. No table is dropped or renamed.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0005_exif_sources_and_colour"),
        ("albums", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="album", name="assets"),
                migrations.DeleteModel(name="AlbumAsset"),
                migrations.DeleteModel(name="Album"),
            ],
            database_operations=[],
        ),
    ]
