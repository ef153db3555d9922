from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"

    def ready(self) -> None:
        """Reverse geocoding (search.places): assets tell it of their coordinates, beat asks every minute whether
        the places are stale, and the administrator can refresh them all by hand."""
        from assets.hooks import register_location_hook
        from jobs.registry import ScheduledTask, register_manual_job, register_schedule
        from search import places, tasks  # noqa: F401  (the refresh task, registered with Celery)

        register_location_hook(places.asset_places_refresh)
        register_schedule("reverse-geocode-check", ScheduledTask("ReverseGeocodeCheck", 60.0, {"expires": 55}))
        register_manual_job("reverse-geocode-refresh", places.places_refresh_start)
