from django.contrib import admin

from memories.models import Memory


@admin.register(Memory)
class MemoryAdmin(admin.ModelAdmin):
    list_display = ("type", "memory_at", "owner", "is_saved", "show_at", "hide_at")
    list_filter = ("type", "is_saved")
    raw_id_fields = ("owner",)
