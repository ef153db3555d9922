"""People in the Django admin: read-only lists of people and their tagged faces (imports and the API change them),
with an action that remakes thumbnails."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count

from people.models import AssetFace, Person
from people.services import people_thumbnails_remake


class FaceInline(admin.TabularInline):
    model = AssetFace
    fk_name = "person"
    fields = ["asset", "tag_name", "x1", "y1", "x2", "y2", "image_width", "image_height", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "faces_count", "is_hidden", "has_thumbnail", "thumbnail_error", "updated_at"]
    list_filter = ["is_hidden"]
    search_fields = ["name", "owner__email"]
    readonly_fields = [
        "id",
        "owner",
        "name",
        "feature_face",
        "thumbnail_path",
        "thumbnail_error",
        "is_hidden",
        "birth_date",
        "created_at",
        "updated_at",
    ]
    inlines = [FaceInline]
    actions = ["remake_thumbnails"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(face_total=Count("faces"))

    @admin.display(description="faces", ordering="face_total")
    def faces_count(self, person: Person) -> int:
        return person.face_total

    @admin.display(description="thumbnail", boolean=True)
    def has_thumbnail(self, person: Person) -> bool:
        return bool(person.thumbnail_path)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Remake the thumbnails of the selected people")
    def remake_thumbnails(self, request, queryset) -> None:
        count = people_thumbnails_remake(person_ids=queryset.values_list("id", flat=True))
        self.message_user(request, f"Queued {count} person thumbnails.", messages.SUCCESS)


@admin.register(AssetFace)
class AssetFaceAdmin(admin.ModelAdmin):
    list_display = ["id", "asset", "person", "tag_name", "source", "created_at"]
    list_filter = ["source"]
    search_fields = ["tag_name", "person__name", "asset__original_file_name"]
    readonly_fields = [
        "id",
        "asset",
        "person",
        "tag_name",
        "x1",
        "y1",
        "x2",
        "y2",
        "image_width",
        "image_height",
        "source",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
