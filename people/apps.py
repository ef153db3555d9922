from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets.hooks import register_asset_people, register_metadata_reader
        from people.selectors import asset_faces
        from people.serializers import asset_people_dto
        from people.services import faces_read

        # The metadata step reads the face regions of the file it has in hand (metadata.faces.import).
        register_metadata_reader(faces_read)
        # `people` and `unassignedFaces` of GET/PUT /assets/{id} and of searches withPeople.
        register_asset_people(lambda asset: asset_people_dto(asset_faces(asset_id=asset.id)))
